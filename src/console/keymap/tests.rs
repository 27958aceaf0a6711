//! The keymap table, key names, and rebinding through `[keys]` tables and the user's file.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyModifiers};

use crate::build::scheduler::Command;
use crate::console::app::App;
use crate::console::fixture::*;
use crate::console::keymap::{Action, Context, Key, Keymap, ACTIONS};
use crate::console::keys_file::load_keymap;
use crate::console::msg::Effect;
use crate::console::view::footer;
use crate::model::FailureClass;

fn table(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(a, keys)| (a.to_string(), keys.iter().map(|k| k.to_string()).collect()))
        .collect()
}

fn with_keys(pairs: &[(&str, &[&str])]) -> App {
    let mut app = demo_app();
    app.keymap = Keymap::with_overrides([("matrix [keys]", &table(pairs))]).expect("valid");
    app
}

#[test]
fn every_action_has_one_row_and_the_defaults_do_not_conflict() {
    let map = Keymap::default();
    for info in ACTIONS {
        assert_eq!(
            ACTIONS.iter().filter(|i| i.action == info.action).count(),
            1
        );
        assert_eq!(ACTIONS.iter().filter(|i| i.name == info.name).count(), 1);
        assert!(
            !map.keys(info.action).is_empty(),
            "{} has no default key",
            info.name
        );
    }
    assert!(Keymap::with_overrides([]).is_ok());
}

#[test]
fn key_names_parse_and_print() {
    let cases = [
        ("r", KeyCode::Char('r'), KeyModifiers::NONE, "r"),
        ("R", KeyCode::Char('R'), KeyModifiers::NONE, "R"),
        ("shift-r", KeyCode::Char('R'), KeyModifiers::NONE, "R"),
        ("ctrl-c", KeyCode::Char('c'), KeyModifiers::CONTROL, "C-c"),
        ("ctrl+c", KeyCode::Char('c'), KeyModifiers::CONTROL, "C-c"),
        ("+", KeyCode::Char('+'), KeyModifiers::NONE, "+"),
        ("ctrl++", KeyCode::Char('+'), KeyModifiers::CONTROL, "C-+"),
        ("PgDn", KeyCode::PageDown, KeyModifiers::NONE, "PgDn"),
        ("enter", KeyCode::Enter, KeyModifiers::NONE, "Enter"),
        ("f5", KeyCode::F(5), KeyModifiers::NONE, "F5"),
        ("?", KeyCode::Char('?'), KeyModifiers::NONE, "?"),
        ("-", KeyCode::Char('-'), KeyModifiers::NONE, "-"),
        ("alt--", KeyCode::Char('-'), KeyModifiers::ALT, "M--"),
        ("space", KeyCode::Char(' '), KeyModifiers::NONE, "Space"),
        ("shift-tab", KeyCode::BackTab, KeyModifiers::NONE, "S-Tab"),
        ("up", KeyCode::Up, KeyModifiers::NONE, "↑"),
    ];
    for (text, code, mods, shown) in cases {
        let key = Key::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(key, Key::new(code, mods), "{text}");
        assert_eq!(key.to_string(), shown, "{text}");
    }
    for bad in ["", "ctrl-", "f99", "hyper-x", "pgsideways"] {
        assert!(Key::parse(bad).is_err(), "{bad:?} parsed");
    }
}

#[test]
fn a_keys_table_rebinds_an_action() {
    let mut app = with_keys(&[("retry", &["e", "F5"])]);
    let i = cell(&app, "base", "linux/amd64");
    set(&mut app, i, failed("boom", FailureClass::Permanent));
    assert_eq!(key(&mut app, 'r'), [], "the default is replaced");
    assert_eq!(key(&mut app, 'e'), [Effect::Send(Command::Retry(i))]);
    assert_eq!(
        press(&mut app, KeyCode::F(5)),
        [Effect::Send(Command::Retry(i))]
    );
}

#[test]
fn rebound_keys_show_in_the_footer_and_the_help() {
    let mut app = with_keys(&[("retry", &["e"])]);
    set(&mut app, 0, failed("boom", FailureClass::Permanent));
    let items = footer::items(&app);
    assert!(
        items.iter().any(|i| i.keys == "e" && i.what == "retry"),
        "{items:?}"
    );
    assert!(!items.iter().any(|i| i.keys == "r"));
}

#[test]
fn the_users_file_wins_over_the_matrix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "retry = [\"z\"]\nquit = [\"Q\"]\n").expect("write");
    let matrix = table(&[("retry", &["e"]), ("cancel", &["X"])]);
    let map = load_keymap(&matrix, Some(&path)).expect("valid");
    assert_eq!(map.keys(Action::Retry), [Key::parse("z").unwrap()]);
    assert_eq!(map.keys(Action::Cancel), [Key::parse("X").unwrap()]);
    assert_eq!(map.keys(Action::Quit), [Key::parse("Q").unwrap()]);
    let missing = dir.path().join("nope.toml");
    assert_eq!(
        load_keymap(&matrix, Some(&missing))
            .expect("valid")
            .keys(Action::Retry),
        [Key::parse("e").unwrap()]
    );
}

#[test]
fn an_unknown_action_is_an_error_naming_its_source() {
    let err =
        Keymap::with_overrides([("matrix [keys]", &table(&[("retyr", &["r"])]))]).unwrap_err();
    assert!(
        err.starts_with(
            "matrix [keys]: unknown action \"retyr\"; actions are: retry, retry-failed"
        ),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "explode = [\"e\"]\n").expect("write");
    let err = load_keymap(&BTreeMap::new(), Some(&path)).unwrap_err();
    assert!(
        err.contains("keys.toml: unknown action \"explode\""),
        "{err}"
    );
}

#[test]
fn bad_keys_files_and_key_names_are_errors() {
    let err =
        Keymap::with_overrides([("matrix [keys]", &table(&[("retry", &["ctrl-"])]))]).unwrap_err();
    assert!(err.contains("retry: \"ctrl-\" is not a key"), "{err}");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "retry = 5\n").expect("write");
    assert!(load_keymap(&BTreeMap::new(), Some(&path)).is_err());
    std::fs::write(&path, "retry = \"e\"\nquit = [\"q\", \"ctrl+c\"]\n").expect("write");
    let map = load_keymap(&BTreeMap::new(), Some(&path)).expect("a single key or a list");
    assert_eq!(map.keys(Action::Retry), [Key::parse("e").unwrap()]);
}

#[test]
fn two_actions_on_one_key_in_one_context_is_an_error() {
    let err =
        Keymap::with_overrides([("matrix [keys]", &table(&[("cancel", &["r"])]))]).unwrap_err();
    assert_eq!(err, "key r is bound to both retry and cancel");
    // A pane may reuse a global key on purpose.
    assert!(Keymap::with_overrides([("m", &table(&[("jump", &["r"])]))]).is_ok());
}

#[test]
fn pane_bindings_come_before_global_ones() {
    let map = Keymap::default();
    let down = Key::parse("j").unwrap();
    assert_eq!(
        map.action_for(down, &[Context::Failures, Context::Global]),
        Some(Action::FailureNext)
    );
    assert_eq!(
        map.action_for(down, &[Context::Scroll, Context::Global]),
        Some(Action::MoveDown)
    );
    assert_eq!(
        map.action_for(Key::parse("y").unwrap(), &[Context::Global]),
        None
    );
}

#[test]
fn the_footer_offers_only_what_works_now() {
    let mut app = demo_app();
    let shown = |app: &App| {
        footer::items(app)
            .into_iter()
            .map(|i| i.what)
            .collect::<Vec<_>>()
    };
    let items = shown(&app);
    assert!(
        !items.contains(&"retry".to_string()),
        "a queued cell cannot be retried: {items:?}"
    );
    assert!(!items.contains(&"cancel".to_string()));
    assert!(!items.contains(&"retry failed".to_string()));
    assert!(items.contains(&"pause".to_string()) && items.contains(&"quit".to_string()));
    set(&mut app, 0, running(1));
    assert!(shown(&app).contains(&"cancel".to_string()));
    set(&mut app, 0, failed("x", FailureClass::Transient));
    let items = shown(&app);
    assert!(items.contains(&"retry".to_string()) && items.contains(&"retry failed".to_string()));
    key(&mut app, 's');
    assert!(shown(&app).contains(&"resume".to_string()));
    key(&mut app, '2');
    assert!(
        !shown(&app).contains(&"jump to cell".to_string()),
        "no failure to jump to"
    );
    let record = failed_attempt(1, FailureClass::Transient, "x", "x");
    event(
        &mut app,
        crate::build::scheduler::Event::AttemptEnded { cell: 0, record },
    );
    assert_eq!(shown(&app)[..2], ["choose", "jump to cell"]);
    set(&mut app, 1, running(1));
    key(&mut app, 'q');
    let items: Vec<(String, String)> = footer::items(&app)
        .into_iter()
        .map(|i| (i.keys, i.what))
        .collect();
    assert_eq!(
        items,
        [("y".into(), "yes".into()), ("n/Esc".into(), "no".into())]
    );
    key(&mut app, 'y');
    assert_eq!(footer::items(&app), [], "no key works while canceling");
}
