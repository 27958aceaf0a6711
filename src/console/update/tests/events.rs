//! Scheduler and docker messages: statuses, build output, failed attempts, engine, builder.

use std::time::Duration;

use crossterm::event::KeyCode;

use super::status_text;
use crate::build::runner::{BuildEvent, StepSummary};
use crate::build::scheduler::Event;
use crate::console::fixture::doctor::*;
use crate::console::fixture::*;
use crate::console::log_ring::LineKind;
use crate::console::msg::Msg;
use crate::console::update::update;
use crate::model::{CellStatus, FailureClass, Outcome};

#[test]
fn a_failed_attempt_lands_in_the_failure_list_newest_first() {
    let mut app = demo_app();
    let a = cell(&app, "app", "linux/arm64");
    let b = cell(&app, "worker", "linux/amd64");
    let text = reference("rawjson-sample-fail.txt");
    let trailer: String = text
        .lines()
        .filter(|l| !l.starts_with('{'))
        .collect::<Vec<_>>()
        .join("\n");
    event(
        &mut app,
        Event::AttemptEnded {
            cell: a,
            record: failed_attempt(
                1,
                FailureClass::Transient,
                "connection reset by peer",
                "ERROR: connection reset by peer",
            ),
        },
    );
    event(
        &mut app,
        Event::AttemptEnded {
            cell: b,
            record: failed_attempt(2, FailureClass::Permanent, "exit code: 3", &trailer),
        },
    );
    assert_eq!(app.failures.len(), 2);
    let newest = &app.failures[0];
    assert_eq!((newest.cell, newest.attempt), (b, 2));
    assert_eq!(newest.class, Some(FailureClass::Permanent));
    assert_eq!(newest.reason, "exit code: 3");
    // The text is read cause first: BuildKit's excerpt of the Dockerfile is kept apart.
    assert!(
        newest.summary.cause.starts_with("exit 3 in RUN"),
        "{:?}",
        newest.summary
    );
    assert!(newest
        .summary
        .excerpt
        .iter()
        .any(|l| l.contains(">>> RUN echo \"about to fail\"")));
    assert_eq!(app.failures[1].cell, a);
    let last = app.cells[b].log.last().unwrap();
    assert_eq!(last.kind, LineKind::Error);
    assert!(last.text.contains("attempt 2 failed"), "{}", last.text);
}

#[test]
fn green_and_canceled_attempts_are_not_failures() {
    let mut app = demo_app();
    let mut record = failed_attempt(1, FailureClass::Permanent, "x", "x");
    record.outcome = Outcome::Green;
    event(
        &mut app,
        Event::AttemptEnded {
            cell: 0,
            record: record.clone(),
        },
    );
    record.outcome = Outcome::Canceled;
    event(&mut app, Event::AttemptEnded { cell: 0, record });
    assert!(app.failures.is_empty());
}

#[test]
fn the_selected_failure_stays_selected_when_a_newer_one_arrives() {
    let mut app = demo_app();
    for attempt in 1..=3 {
        let record = failed_attempt(attempt, FailureClass::Transient, "x", "x");
        event(
            &mut app,
            Event::AttemptEnded {
                cell: attempt as usize,
                record,
            },
        );
    }
    key(&mut app, '2');
    press(&mut app, KeyCode::Down);
    assert_eq!(app.failures[app.failure_sel].attempt, 2);
    let record = failed_attempt(9, FailureClass::Transient, "x", "x");
    event(&mut app, Event::AttemptEnded { cell: 0, record });
    assert_eq!(app.failures[app.failure_sel].attempt, 2);
}

#[test]
fn escape_sequences_in_build_output_are_stored_sanitized() {
    let mut app = demo_app();
    let i = cell(&app, "app", "linux/amd64");
    set(&mut app, i, running(1));
    let nasty = "\x1b[2J\x1b[H\x1b]0;pwned\x07hello \x1b[10;20Hworld\x1b[31m!";
    log(&mut app, i, "[stage 1/2] RUN \x1b]2;title\x07make", nasty);
    event(
        &mut app,
        Event::Build {
            cell: i,
            event: BuildEvent::Steps(StepSummary {
                total: 4,
                done: 1,
                current: Some("RUN \x1b[2Jclear".into()),
                ..StepSummary::default()
            }),
        },
    );
    event(
        &mut app,
        Event::Build {
            cell: i,
            event: BuildEvent::Warning("\x1b[1Abad".into()),
        },
    );
    event(
        &mut app,
        Event::AttemptEnded {
            cell: i,
            record: failed_attempt(
                1,
                FailureClass::Permanent,
                "\x1b[2Jreason",
                "text \x1b]0;t\x07here",
            ),
        },
    );
    set(&mut app, i, failed("\x1b[2Jboom", FailureClass::Permanent));
    let texts: Vec<&str> = app.cells[i]
        .log
        .window(0, 100)
        .map(|l| l.text.as_str())
        .collect();
    assert!(texts.contains(&"hello world!"), "{texts:?}");
    for text in &texts {
        assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
    }
    assert!(!app.cells[i]
        .steps
        .current
        .as_ref()
        .unwrap()
        .contains('\x1b'));
    let f = &app.failures[0];
    assert!(!f.reason.contains('\x1b') && !format!("{:?}", f.summary).contains('\x1b'));
    match &app.cells[i].status {
        CellStatus::Failed { reason, .. } => assert!(!reason.contains('\x1b')),
        other => panic!("{other:?}"),
    }
}

#[test]
fn step_headers_name_every_step_and_gain_its_time_when_it_ends() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    let build = |event| Event::Build { cell: 0, event };
    let started = |step: &str| build(BuildEvent::StepStarted { step: step.into() });
    let ended = |step: &str, millis: u64, cached: bool| {
        build(BuildEvent::StepEnded {
            step: step.into(),
            duration: Duration::from_millis(millis),
            cached,
        })
    };
    event(&mut app, started("[1/3] COPY . /src"));
    event(&mut app, ended("[1/3] COPY . /src", 0, true));
    event(&mut app, started("[2/3] RUN make"));
    log(&mut app, 0, "[2/3] RUN make", "cc -o app");
    // The summary names the running step; it writes no header of its own.
    event(
        &mut app,
        build(BuildEvent::Steps(StepSummary {
            total: 5,
            done: 2,
            current: Some("[2/3] RUN make".into()),
            ..StepSummary::default()
        })),
    );
    event(&mut app, ended("[2/3] RUN make", 72_400, false));
    event(&mut app, started("[3/3] RUN test"));
    log(&mut app, 0, "[3/3] RUN test", "not ok");
    event(
        &mut app,
        build(BuildEvent::StepError {
            step: "[3/3] RUN test".into(),
            error: "exit code: 1".into(),
        }),
    );
    let lines: Vec<(LineKind, &str)> = app.cells[0]
        .log
        .window(0, 100)
        .map(|l| (l.kind, l.text.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (LineKind::Attempt, "━━ attempt 1/3 ━━"),
            (LineKind::Step, "── [1/3] COPY . /src ✔ cached"),
            (LineKind::Step, "── [2/3] RUN make ✔ 1m12s"),
            (LineKind::Stdout, "cc -o app"),
            (LineKind::Step, "── [3/3] RUN test ✘"),
            (LineKind::Stdout, "not ok"),
            (LineKind::Error, "error in [3/3] RUN test: exit code: 1"),
        ]
    );
}

#[test]
fn running_and_retrying_cells_keep_their_times_on_the_app_clock() {
    let mut app = demo_app();
    app.now = Duration::from_secs(100);
    set(&mut app, 0, running(1));
    assert_eq!(app.cells[0].started, Some(Duration::from_secs(100)));
    set(
        &mut app,
        0,
        CellStatus::Retrying {
            next: 2,
            of: 3,
            delay: Duration::from_secs(8),
            reason: "x".into(),
        },
    );
    assert_eq!(app.cells[0].retry_at, Some(Duration::from_secs(108)));
    set(&mut app, 0, green(1));
    assert_eq!(app.cells[0].retry_at, None);
}

#[test]
fn the_grid_clock_stops_when_it_settles_and_goes_on_for_a_retry() {
    let mut app = demo_app();
    app.now = Duration::from_secs(90);
    for i in 1..app.cells.len() {
        set(&mut app, i, green(1));
    }
    assert_eq!(app.grid_clock(), Duration::from_secs(90));
    app.now = Duration::from_secs(100);
    set(&mut app, 0, failed("x", FailureClass::Permanent));
    app.now = Duration::from_secs(700);
    assert_eq!(
        app.grid_clock(),
        Duration::from_secs(100),
        "idle time is not build time"
    );
    set(&mut app, 0, running(2));
    app.now = Duration::from_secs(730);
    assert_eq!(app.grid_clock(), Duration::from_secs(130));
    set(&mut app, 0, green(2));
    app.now = Duration::from_secs(4000);
    assert_eq!(app.grid_clock(), Duration::from_secs(130));
}

#[test]
fn settling_says_how_it_went() {
    let mut app = demo_app();
    for i in 0..app.cells.len() {
        set(&mut app, i, green(1));
    }
    set(&mut app, 2, failed("x", FailureClass::Permanent));
    let effects = event(&mut app, Event::Settled);
    assert!(
        matches!(effects.as_slice(), [crate::console::msg::Effect::Notify(_)]),
        "{effects:?}"
    );
    assert_eq!(
        status_text(&app),
        "13/14 green, 1 failed; R retries the failed cells"
    );
}

#[test]
fn the_engine_state_follows_pings() {
    use crate::console::app::EngineState;
    let mut app = demo_app();
    assert_eq!(app.engine, EngineState::Checking);
    update(&mut app, Msg::Engine(Err("no socket \x1b[2J".into())));
    assert_eq!(
        app.engine,
        EngineState::Down {
            error: "no socket ".into()
        }
    );
    let info = crate::docker::engine::EngineInfo {
        endpoint: "unix:///var/run/docker.sock".into(),
        version: "26.1.5".into(),
        api_version: "1.45".into(),
    };
    update(&mut app, Msg::Engine(Ok(info)));
    assert_eq!(
        app.engine,
        EngineState::Up {
            version: "26.1.5".into()
        }
    );
}

#[test]
fn a_builder_that_refuses_host_networking_is_reported() {
    let mut app = demo_app();
    update(&mut app, Msg::Doctor(multinode_report()));
    let warnings = app.builder_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("node rbx0 of builder rbx"));
    assert!(status_text(&app).contains("builder"));
    update(&mut app, Msg::Doctor(default_builder_report()));
    let warnings = app.builder_warnings();
    assert!(
        !warnings.iter().any(|w| w.contains("network.host")),
        "the docker driver allows host networking: {warnings:?}"
    );
    assert_eq!(
        warnings,
        ["no node of builder default lists linux/riscv64, which cells build for"]
    );
}

#[test]
fn a_step_named_again_after_another_header_gets_its_header_again() {
    let mut app = demo_app();
    set(&mut app, 0, running(1));
    log(&mut app, 0, "[1/2] RUN \x1b[1mbuild", "one");
    log(&mut app, 0, "[1/2] RUN \x1b[1mbuild", "two");
    event(
        &mut app,
        Event::Build {
            cell: 0,
            event: BuildEvent::StepStarted {
                step: "[2/2] RUN test".into(),
            },
        },
    );
    log(&mut app, 0, "[1/2] RUN \x1b[1mbuild", "three");
    let lines: Vec<&str> = app.cells[0]
        .log
        .window(0, 100)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        lines,
        [
            "━━ attempt 1/3 ━━",
            "── [1/2] RUN build",
            "one",
            "two",
            "── [2/2] RUN test",
            "── [1/2] RUN build",
            "three",
        ]
    );
}

#[test]
fn lines_that_came_in_one_event_show_as_lines_that_came_one_by_one() {
    let step = "[1/2] RUN \x1b[1mbuild";
    let mut one_by_one = demo_app();
    let mut batched = demo_app();
    for app in [&mut one_by_one, &mut batched] {
        set(app, 0, running(1));
    }
    for line in ["one", "\x1b[31mtwo\x1b[0m", "", "  "] {
        log(&mut one_by_one, 0, step, line);
    }
    log(&mut batched, 0, step, "one\n\x1b[31mtwo\x1b[0m\n\n  ");
    let shown = |app: &crate::console::app::App| {
        let lines: Vec<(LineKind, String)> = app.cells[0]
            .log
            .window(0, 100)
            .map(|l| (l.kind, l.text.clone()))
            .collect();
        (
            lines,
            app.cells[0].last_lines.get("[1/2] RUN build").cloned(),
        )
    };
    assert_eq!(shown(&batched), shown(&one_by_one));
    let (lines, last) = shown(&batched);
    assert_eq!(lines.len(), 6, "{lines:?}");
    // Blank lines are kept in the log but are not a step's last line.
    assert_eq!(last.as_deref(), Some("two"));
}
