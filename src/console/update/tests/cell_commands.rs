//! Keys that act on the selected cell or the whole grid: the scheduler commands they send,
//! or why they send none.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::status_text;
use crate::build::scheduler::{Command, Event};
use crate::console::app::{Confirm, Level, Popup};
use crate::console::fixture::*;
use crate::console::msg::{Effect, Msg};
use crate::console::update::update;
use crate::model::{CellStatus, FailureClass};

#[test]
fn r_on_a_failed_cell_retries_only_that_cell() {
    let mut app = demo_app();
    let i = cell(&app, "app", "linux/arm64");
    set(&mut app, i, failed("exit code: 3", FailureClass::Permanent));
    select(&mut app, "app", "linux/arm64");
    assert_eq!(key(&mut app, 'r'), [Effect::Send(Command::Retry(i))]);
    assert_eq!(app.popup, None);
}

#[test]
fn r_on_canceled_blocked_and_retrying_cells_retries_them() {
    let mut app = demo_app();
    let base = cell(&app, "base", "linux/amd64");
    let i = cell(&app, "app", "linux/amd64");
    for status in [
        CellStatus::Canceled,
        CellStatus::Blocked { by: base },
        CellStatus::Retrying {
            next: 2,
            of: 3,
            delay: Duration::from_secs(4),
            reason: "registry timeout".into(),
        },
    ] {
        set(&mut app, i, status);
        select(&mut app, "app", "linux/amd64");
        assert_eq!(key(&mut app, 'r'), [Effect::Send(Command::Retry(i))]);
    }
}

#[test]
fn r_on_a_green_cell_asks_first_then_y_rebuilds() {
    let mut app = demo_app();
    let i = cell(&app, "base", "linux/amd64");
    set(&mut app, i, green(90));
    select(&mut app, "base", "linux/amd64");
    assert_eq!(key(&mut app, 'r'), []);
    assert_eq!(
        app.popup,
        Some(Popup::Confirm(Confirm::Rebuild {
            cell: i,
            no_cache: false
        }))
    );
    assert_eq!(key(&mut app, 'y'), [Effect::Send(Command::Retry(i))]);
    assert_eq!(app.popup, None);
}

#[test]
fn n_or_esc_keeps_a_green_cell() {
    let mut app = demo_app();
    let i = cell(&app, "base", "linux/amd64");
    set(&mut app, i, CellStatus::UpToDate { digest: None });
    select(&mut app, "base", "linux/amd64");
    key(&mut app, 'r');
    assert_eq!(key(&mut app, 'n'), []);
    assert_eq!(app.popup, None);
    key(&mut app, 'r');
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert_eq!(app.popup, None);
}

#[test]
fn a_question_ignores_other_keys() {
    let mut app = demo_app();
    let i = cell(&app, "base", "linux/amd64");
    set(&mut app, i, green(5));
    select(&mut app, "base", "linux/amd64");
    key(&mut app, 'r');
    assert_eq!(key(&mut app, 'c'), []);
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert!(app.popup.is_some());
    assert_eq!(app.selected(), Some(i));
}

#[test]
fn r_on_running_queued_or_unselected_cells_sends_nothing_and_says_why() {
    let mut app = demo_app();
    let i = cell(&app, "base", "linux/amd64");
    select(&mut app, "base", "linux/amd64");
    set(&mut app, i, running(1));
    assert_eq!(key(&mut app, 'r'), []);
    assert!(
        status_text(&app).contains("is running"),
        "{}",
        status_text(&app)
    );
    set(&mut app, i, CellStatus::Queued);
    assert_eq!(key(&mut app, 'r'), []);
    assert!(status_text(&app).contains("already queued"));
    set(&mut app, i, CellStatus::NotSelected);
    assert_eq!(key(&mut app, 'r'), []);
    assert!(status_text(&app).contains("not part of this run"));
}

#[test]
fn keys_on_a_slot_without_a_cell_say_so() {
    let mut app = demo_app();
    app.sel = (4, 2);
    assert_eq!(app.selected(), None);
    assert_eq!(key(&mut app, 'r'), []);
    assert_eq!(status_text(&app), "gateway is not built for linux/riscv64");
    assert_eq!(key(&mut app, 'c'), []);
}

#[test]
fn c_on_a_running_cell_cancels_it() {
    let mut app = demo_app();
    let i = cell(&app, "worker", "linux/arm64");
    set(&mut app, i, running(1));
    select(&mut app, "worker", "linux/arm64");
    assert_eq!(key(&mut app, 'c'), [Effect::Send(Command::Cancel(i))]);
}

#[test]
fn c_on_a_cell_that_is_not_running_sends_nothing() {
    let mut app = demo_app();
    let i = cell(&app, "worker", "linux/arm64");
    select(&mut app, "worker", "linux/arm64");
    for status in [
        CellStatus::Queued,
        green(3),
        failed("boom", FailureClass::Permanent),
    ] {
        set(&mut app, i, status);
        assert_eq!(key(&mut app, 'c'), []);
        assert_eq!(
            status_text(&app),
            "worker@linux/arm64 is not running; nothing to cancel"
        );
        assert_eq!(app.status.as_ref().unwrap().level, Level::Info);
    }
}

#[test]
fn capital_r_retries_every_failed_cell() {
    let mut app = demo_app();
    assert_eq!(key(&mut app, 'R'), []);
    assert_eq!(status_text(&app), "no cell has failed");
    set(&mut app, 1, failed("boom", FailureClass::Permanent));
    set(&mut app, 4, failed("boom", FailureClass::Transient));
    assert_eq!(key(&mut app, 'R'), [Effect::Send(Command::RetryFailed)]);
    assert_eq!(status_text(&app), "retrying 2 failed cells");
}

#[test]
fn shift_reported_with_the_capital_still_matches() {
    let mut app = demo_app();
    set(&mut app, 1, failed("boom", FailureClass::Permanent));
    let ev = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
    assert_eq!(
        update(&mut app, Msg::Key(ev)),
        [Effect::Send(Command::RetryFailed)]
    );
}

#[test]
fn key_releases_are_not_presses() {
    let mut app = demo_app();
    set(&mut app, 1, failed("boom", FailureClass::Permanent));
    let mut ev = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::NONE);
    ev.kind = KeyEventKind::Release;
    assert_eq!(update(&mut app, Msg::Key(ev)), []);
}

#[test]
fn f_rebuilds_without_the_cache_and_asks_first_on_green() {
    let mut app = demo_app();
    let i = cell(&app, "app", "linux/amd64");
    select(&mut app, "app", "linux/amd64");
    set(&mut app, i, failed("boom", FailureClass::Permanent));
    assert_eq!(
        key(&mut app, 'f'),
        [Effect::Send(Command::Rebuild {
            cell: i,
            no_cache: true
        })]
    );
    set(&mut app, i, green(12));
    assert_eq!(key(&mut app, 'f'), []);
    assert_eq!(
        key(&mut app, 'y'),
        [Effect::Send(Command::Rebuild {
            cell: i,
            no_cache: true
        })]
    );
    set(&mut app, i, running(1));
    assert_eq!(key(&mut app, 'f'), []);
}

#[test]
fn s_twice_pauses_then_resumes() {
    let mut app = demo_app();
    assert_eq!(key(&mut app, 's'), [Effect::Send(Command::Pause)]);
    assert!(app.paused);
    assert_eq!(key(&mut app, 's'), [Effect::Send(Command::Resume)]);
    assert!(!app.paused);
}

#[test]
fn the_schedulers_paused_event_is_believed() {
    let mut app = demo_app();
    event(&mut app, Event::Paused(true));
    assert!(app.paused);
    assert_eq!(key(&mut app, 's'), [Effect::Send(Command::Resume)]);
}
