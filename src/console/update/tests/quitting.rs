//! Leaving: asking while builds run, canceling, waiting for the scheduler, exit codes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::build::scheduler::{Command, Event};
use crate::console::app::{Confirm, Level, Phase, Popup};
use crate::console::fixture::*;
use crate::console::msg::{Effect, Msg};
use crate::console::update::update;
use crate::console::Ending;
use crate::model::{CellStatus, FailureClass};

#[test]
fn q_with_running_cells_asks_then_cancels_and_waits_for_the_scheduler() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    assert_eq!(key(&mut app, 'q'), []);
    assert_eq!(app.popup, Some(Popup::Confirm(Confirm::Quit)));
    assert_eq!(key(&mut app, 'y'), [Effect::Send(Command::CancelAll)]);
    assert_eq!(app.phase, Phase::Canceling);
    assert_eq!(app.popup, None);
    // Keys do nothing while builds wind down.
    assert_eq!(key(&mut app, 'r'), []);
    assert_eq!(key(&mut app, 'q'), []);
    set(&mut app, 0, CellStatus::Canceled);
    assert_eq!(event(&mut app, Event::Settled), [Effect::Quit]);
    assert_eq!(app.phase, Phase::Done);
    assert_eq!(app.ending(), Ending::NotAllGreen);
}

#[test]
fn q_then_n_keeps_running() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    key(&mut app, 'q');
    assert_eq!(key(&mut app, 'n'), []);
    assert_eq!(app.phase, Phase::Running);
    assert_eq!(app.popup, None);
}

#[test]
fn q_when_idle_quits_at_once() {
    let mut app = demo_app();
    for i in 0..app.cells.len() {
        set(&mut app, i, green(1));
    }
    assert_eq!(key(&mut app, 'q'), [Effect::Quit]);
    assert_eq!(app.phase, Phase::Done);
    assert_eq!(app.ending(), Ending::AllGreen);
}

#[test]
fn ctrl_c_is_quit() {
    let mut app = demo_app();
    for i in 0..app.cells.len() {
        set(&mut app, i, failed("x", FailureClass::Permanent));
    }
    let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(update(&mut app, Msg::Key(ev)), [Effect::Quit]);
    assert_eq!(app.ending(), Ending::NotAllGreen);
}

#[test]
fn queued_cells_count_as_work_unless_paused() {
    let mut app = demo_app();
    assert_eq!(key(&mut app, 'q'), []);
    assert_eq!(app.popup, Some(Popup::Confirm(Confirm::Quit)));
    key(&mut app, 'n');
    event(&mut app, Event::Paused(true));
    assert_eq!(key(&mut app, 'q'), [Effect::Quit]);
}

#[test]
fn a_signal_cancels_everything_and_exits_130() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    assert_eq!(
        update(&mut app, Msg::Terminate),
        [Effect::Send(Command::CancelAll)]
    );
    assert_eq!(app.phase, Phase::Canceling);
    assert_eq!(update(&mut app, Msg::Terminate), []);
    assert_eq!(event(&mut app, Event::Settled), [Effect::Quit]);
    assert_eq!(app.ending(), Ending::Interrupted);
}

#[test]
fn a_vanished_scheduler_ends_the_wait() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    key(&mut app, 'q');
    key(&mut app, 'y');
    assert_eq!(update(&mut app, Msg::SchedulerClosed), [Effect::Quit]);
}

#[test]
fn after_the_scheduler_stopped_q_quits_without_asking() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    assert_eq!(update(&mut app, Msg::SchedulerClosed), []);
    assert_eq!(app.status.as_ref().unwrap().level, Level::Error);
    assert_eq!(key(&mut app, 'q'), [Effect::Quit]);
}
