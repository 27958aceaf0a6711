//! What a person watching a long build reads: how long a running cell has left and what it
//! prints now, a failure cause first, the failure pane wrapped at 80 columns, and the log
//! pane's step times, search and wrapping.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use insta::assert_snapshot;

use super::draw;
use crate::build::failure::summarize;
use crate::build::history::{GreenRun, History, StepTime};
use crate::build::runner::{BuildEvent, StepSummary};
use crate::build::scheduler::Event;
use crate::console::app::App;
use crate::console::fixture::*;
use crate::console::msg::Msg;
use crate::console::update::update;
use crate::model::{CellStatus, FailureClass};

const MAKE: &str = "[2/3] RUN make -j1 all";

fn build(app: &mut App, cell: usize, event: BuildEvent) {
    update(app, Msg::Scheduler(Event::Build { cell, event }));
}

fn step(name: &str, secs: u64) -> StepTime {
    StepTime {
        name: name.into(),
        duration: Duration::from_secs(secs),
        cached: false,
    }
}

/// api on arm64 took 4m10s last time, most of it in `make`; this attempt is 1m40s into make.
fn running_with_history(dir: &std::path::Path) -> (App, usize) {
    let mut app = app_for(demo_plan(), 120, 36);
    let history = Arc::new(History::load(dir));
    let cell = cell(&app, "app", "linux/arm64");
    history.record(
        &app.plan.cells[cell],
        GreenRun {
            when: UNIX_EPOCH,
            total: Duration::from_secs(250),
            cached: false,
            steps: vec![
                step("[1/3] COPY . /src", 1),
                step(MAKE, 240),
                step("[3/3] RUN make install", 9),
            ],
        },
    );
    app.history = Some(history);
    app.now = Duration::from_secs(1000);
    set(&mut app, cell, running(1));
    let copy = "[1/3] COPY . /src";
    build(
        &mut app,
        cell,
        BuildEvent::StepStarted { step: copy.into() },
    );
    build(
        &mut app,
        cell,
        BuildEvent::StepEnded {
            step: copy.into(),
            duration: Duration::from_secs(1),
            cached: false,
        },
    );
    build(
        &mut app,
        cell,
        BuildEvent::StepStarted { step: MAKE.into() },
    );
    build(
        &mut app,
        cell,
        BuildEvent::Steps(StepSummary {
            total: 5,
            done: 3,
            current: Some(MAKE.into()),
            ..StepSummary::default()
        }),
    );
    for i in 1..=7 {
        log(&mut app, cell, MAKE, &format!("CC src/api/file{i}.c"));
    }
    app.now = Duration::from_secs(1100);
    update(&mut app, Msg::Tick);
    select(&mut app, "app", "linux/arm64");
    (app, cell)
}

#[test]
fn a_running_cell_with_its_estimate_and_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, cell) = running_with_history(dir.path());
    assert_snapshot!("running_estimate", draw(&app).backend());
    // make runs past the 4m it took last time: the estimate grows instead of sitting at 0.
    app.now = Duration::from_secs(1000 + 330);
    update(&mut app, Msg::Tick);
    let head = crate::console::view::cell_text::describe(&app, cell).head;
    assert!(head.contains(" left ↑"), "{head}");
}

fn failed_cause_first(width: u16, height: u16) -> App {
    let mut app = app_for(demo_plan(), width, height);
    let cell = cell(&app, "app", "linux/arm64");
    let text = reference("plain-fail.err");
    let summary = summarize(&text);
    set(&mut app, cell, running(1));
    update(
        &mut app,
        Msg::Scheduler(Event::AttemptEnded {
            cell,
            record: failed_attempt(1, FailureClass::Permanent, &summary.cause, &text),
        }),
    );
    set(
        &mut app,
        cell,
        CellStatus::Failed {
            class: FailureClass::Permanent,
            reason: summary.cause,
            attempts: 1,
        },
    );
    select(&mut app, "app", "linux/arm64");
    app.status = None;
    app
}

#[test]
fn a_failed_cell_leads_with_its_cause() {
    let app = failed_cause_first(120, 30);
    assert_snapshot!("failed_cause_first", draw(&app).backend());
}

#[test]
fn the_failure_pane_wraps_at_80_columns() {
    let mut app = failed_cause_first(80, 40);
    // The engine's own sentence for a network it could not attach: longer than the pane.
    let text = reference("infra/bridge-missing.rawjson.err");
    let summary = summarize(&text);
    assert!(summary.cause.chars().count() > 80, "{}", summary.cause);
    let worker = cell(&app, "worker", "linux/amd64");
    update(
        &mut app,
        Msg::Scheduler(Event::AttemptEnded {
            cell: worker,
            record: failed_attempt(1, FailureClass::Infra, &summary.cause, &text),
        }),
    );
    key(&mut app, '2');
    assert_snapshot!("failure_pane_80", draw(&app).backend());
    // The whole cause is on the screen, over as many rows as it needs.
    let terminal = draw(&app);
    let squeezed: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .filter(|s| !matches!(*s, " " | "│"))
        .collect();
    let cause: String = summary.cause.split_whitespace().collect();
    assert!(squeezed.contains(&cause), "{cause}\n{squeezed}");
}

#[test]
fn the_log_pane_with_step_times_a_search_hit_and_wrapping() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, cell) = running_with_history(dir.path());
    app.size = (80, 30);
    log(
        &mut app,
        cell,
        MAKE,
        "src/api/file7.c:12:5: warning: implicit declaration of function 'frobnicate_the_widget_registry' [-Wimplicit]",
    );
    build(
        &mut app,
        cell,
        BuildEvent::StepEnded {
            step: MAKE.into(),
            duration: Duration::from_secs(72),
            cached: false,
        },
    );
    // Lines came at a known time, so `t` reads the same anywhere.
    app.tz = jiff::tz::TimeZone::UTC;
    let _ = SystemTime::now();
    key(&mut app, '/');
    for c in "file7".chars() {
        key(&mut app, c);
    }
    press(&mut app, crossterm::event::KeyCode::Enter);
    app.status = None;
    assert_snapshot!("log_search_wrapped", draw(&app).backend());
    key(&mut app, 'w');
    app.status = None;
    assert_snapshot!("log_search_cut", draw(&app).backend());
    press(&mut app, crossterm::event::KeyCode::Right);
    app.status = None;
    assert_snapshot!("log_search_sideways", draw(&app).backend());
}
