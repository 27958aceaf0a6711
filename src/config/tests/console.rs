//! `[console]`: when the console asks for attention.

use super::*;
use crate::config::Notify;

#[test]
fn notify_defaults_to_failures() {
    let f = Fixture::new();
    let m = f.ok(&format!("{HEAD}{BASE}"));
    assert_eq!(m.console.notify, Notify::Failures);
}

#[test]
fn notify_takes_each_word() {
    let f = Fixture::new();
    for (word, notify) in [
        ("failures", Notify::Failures),
        ("all", Notify::All),
        ("off", Notify::Off),
    ] {
        let m = f.ok(&format!("{HEAD}[console]\nnotify = \"{word}\"\n\n{BASE}"));
        assert_eq!(m.console.notify, notify, "{word}");
    }
}

#[test]
fn notify_with_another_word_points_at_it() {
    let f = Fixture::new();
    let errors = f.errors(&format!("{HEAD}[console]\nnotify = \"loud\"\n\n{BASE}"));
    let e = only_error(&errors, r#"console.notify cannot be "loud""#, 7, 10);
    assert!(hint(e).contains(r#""failures" (the default), "all" or "off""#));
}

#[test]
fn a_misspelt_console_key_is_named() {
    let f = Fixture::new();
    let errors = f.errors(&format!("{HEAD}[console]\nnotfy = \"all\"\n\n{BASE}"));
    assert!(list(&errors).contains("notfy"), "{}", list(&errors));
}
