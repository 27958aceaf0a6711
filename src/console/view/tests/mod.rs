//! Whole screens drawn on a `TestBackend` and compared as text: glyphs carry every state, so
//! the snapshots read without colour. The app clock is set by hand; no wall clock is read.

mod builder;
mod filter;
mod outage;
mod publish;
mod watching;

use std::time::Duration;

use insta::assert_snapshot;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;

use crate::build::runner::{BuildEvent, StepSummary};
use crate::build::scheduler::Event;
use crate::console::app::{App, EngineState};
use crate::console::fixture::doctor::*;
use crate::console::fixture::*;
use crate::console::msg::Msg;
use crate::console::update::update;
use crate::console::view::view;
use crate::model::{CellStatus, FailureClass};

pub(super) fn draw(app: &App) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(app.size.0, app.size.1)).expect("terminal");
    terminal.draw(|f| view(app, f)).expect("draw");
    terminal
}

fn steps(total: usize, done: usize, current: &str) -> BuildEvent {
    BuildEvent::Steps(StepSummary {
        total,
        done,
        current: Some(current.into()),
        ..StepSummary::default()
    })
}

const FAIL_TEXT: &str = "Dockerfile:9\n--------------------\n   8 |     RUN make\n   9 | >>> RUN ./test.sh\n  10 |\n--------------------\nERROR: failed to solve: process \"/bin/sh -c ./test.sh\" did not complete successfully: exit code: 3";

/// A cell in every state the grid can show, a log, failures and a builder with a problem.
fn every_state(width: u16, height: u16) -> App {
    let mut app = app_for(demo_plan(), width, height);
    app.now = Duration::from_secs(3723);
    app.engine = EngineState::Up {
        version: "26.1.5".into(),
    };
    let c = |app: &App, comp: &str, p: &str| cell(app, comp, &format!("linux/{p}"));
    let base_arm = c(&app, "base", "arm64");
    let base_riscv = c(&app, "base", "riscv64");
    let frontend_amd = c(&app, "frontend", "amd64");

    app.now = Duration::from_secs(3723 - 1985);
    set(&mut app, base_arm, running(1));
    app.now = Duration::from_secs(3723 - 12);
    let gateway_amd = c(&app, "gateway", "amd64");
    set(&mut app, gateway_amd, running(2));
    app.now = Duration::from_secs(3723 - 3);
    let worker_arm = c(&app, "worker", "arm64");
    set(
        &mut app,
        worker_arm,
        CellStatus::Retrying {
            next: 2,
            of: 3,
            delay: Duration::from_secs(8),
            reason: "connection reset by peer".into(),
        },
    );
    app.now = Duration::from_secs(3723);

    let i = c(&app, "base", "amd64");
    set(&mut app, i, green(754));
    let i = c(&app, "app", "amd64");
    set(
        &mut app,
        i,
        CellStatus::Green {
            digest: None,
            duration: Duration::from_secs(3),
            cached: true,
        },
    );
    let i = c(&app, "worker", "amd64");
    set(&mut app, i, CellStatus::UpToDate { digest: None });
    set(
        &mut app,
        base_riscv,
        failed("exit code: 3", FailureClass::Permanent),
    );
    let i = c(&app, "app", "riscv64");
    set(&mut app, i, CellStatus::Blocked { by: base_riscv });
    let i = c(&app, "worker", "riscv64");
    set(&mut app, i, CellStatus::Blocked { by: base_riscv });
    set(
        &mut app,
        frontend_amd,
        CellStatus::Failed {
            class: FailureClass::Transient,
            reason: "registry 127.0.0.1:5000: 503 Service Unavailable".into(),
            attempts: 3,
        },
    );
    let i = c(&app, "frontend", "arm64");
    set(&mut app, i, CellStatus::Canceled);
    let i = c(&app, "frontend", "riscv64");
    set(&mut app, i, CellStatus::NotSelected);

    event(
        &mut app,
        Event::Build {
            cell: base_arm,
            event: steps(12, 4, "[base 2/5] RUN apt-get install -y build-essential"),
        },
    );
    for n in 0..40 {
        log(
            &mut app,
            base_arm,
            "[base 2/5] RUN apt-get install -y build-essential",
            &format!("Unpacking package-{n:02} (1.{n}-1) ..."),
        );
    }
    log(
        &mut app,
        base_arm,
        "[base 2/5] RUN apt-get install -y build-essential",
        "\x1b[2J\x1b]0;owned\x07Setting up make (4.3-4.1) ...",
    );
    event(
        &mut app,
        Event::Build {
            cell: base_arm,
            event: BuildEvent::Warning("FROM --platform flag should not use constant value".into()),
        },
    );

    for attempt in 1..=3 {
        let mut record = failed_attempt(
            attempt,
            FailureClass::Transient,
            "registry 127.0.0.1:5000: 503 Service Unavailable",
            "ERROR: failed to push 127.0.0.1:5000/demo/frontend:v1-amd64: 503 Service Unavailable",
        );
        record.retried = attempt < 3;
        app.now = Duration::from_secs(600 + 60 * attempt as u64);
        event(
            &mut app,
            Event::AttemptEnded {
                cell: frontend_amd,
                record,
            },
        );
    }
    app.now = Duration::from_secs(3000);
    event(
        &mut app,
        Event::AttemptEnded {
            cell: base_riscv,
            record: failed_attempt(1, FailureClass::Permanent, "exit code: 3", FAIL_TEXT),
        },
    );
    app.now = Duration::from_secs(3723);
    update(&mut app, Msg::Doctor(multinode_report()));
    app.status = None;
    select(&mut app, "base", "linux/arm64");
    app
}

#[test]
fn every_state_with_the_log_pane() {
    let app = every_state(120, 40);
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn failures_pane() {
    let mut app = every_state(120, 40);
    key(&mut app, '2');
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn builder_pane_warns_about_host_networking() {
    let mut app = every_state(120, 40);
    key(&mut app, '3');
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn console_pane() {
    let mut app = every_state(120, 40);
    key(&mut app, '4');
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn help_popup() {
    let mut app = every_state(120, 40);
    key(&mut app, '?');
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn quit_question_and_canceling() {
    let mut app = every_state(120, 40);
    key(&mut app, 'q');
    assert_snapshot!("quit_question", draw(&app).backend());
    key(&mut app, 'y');
    assert_snapshot!("canceling", draw(&app).backend());
}

#[test]
fn scrolled_back_log() {
    let mut app = every_state(120, 40);
    key(&mut app, 'g');
    assert_snapshot!(draw(&app).backend());
}

#[test]
fn small_terminal_scrolls_the_grid_and_collapses_the_pane() {
    let names: Vec<String> = (0..12).map(|i| format!("service-{i:02}")).collect();
    let specs: Vec<Component> = names
        .iter()
        .map(|n| (n.as_str(), &[][..], &[][..]))
        .collect();
    let platforms = [
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
        "linux/ppc64le",
        "linux/s390x",
    ];
    let mut app = app_for(plan(&specs, &platforms), 80, 24);
    app.now = Duration::from_secs(95);
    // Cell n is row n / 5, column n % 5; these land in the part of the grid left in view.
    app.now = Duration::from_secs(20);
    set(&mut app, 26, running(1));
    app.now = Duration::from_secs(95);
    set(
        &mut app,
        32,
        failed("exit code: 1", FailureClass::Permanent),
    );
    set(&mut app, 44, CellStatus::Canceled);
    set(&mut app, 58, green(42));
    set(&mut app, 0, failed("out of space", FailureClass::Permanent));
    set(&mut app, 5, CellStatus::Blocked { by: 0 });
    for _ in 0..11 {
        key(&mut app, 'j');
    }
    for _ in 0..4 {
        key(&mut app, 'l');
    }
    assert_snapshot!("screen_80x24", draw(&app).backend());
    update(&mut app, Msg::Resize(80, 14));
    assert_snapshot!("screen_80x14", draw(&app).backend());
    update(&mut app, Msg::Resize(20, 6));
    assert_snapshot!("screen_too_small", draw(&app).backend());
}

#[test]
fn wide_terminal() {
    let app = every_state(200, 60);
    assert_snapshot!("screen_200x60", draw(&app).backend());
}

#[test]
fn colours_back_up_the_glyphs() {
    let app = every_state(120, 40);
    let terminal = draw(&app);
    let buf = terminal.backend().buffer();
    let find = |glyph: &str| {
        buf.content()
            .iter()
            .position(|c| c.symbol() == glyph)
            .map(|i| &buf.content()[i])
            .unwrap_or_else(|| panic!("{glyph} not drawn"))
    };
    assert_eq!(find("✘").fg, Color::Red);
    assert_eq!(find("■").fg, Color::Magenta);
    assert_eq!(find("↻").fg, Color::Yellow);
    let spinner = crate::console::view::cell_text::spinner(app.now);
    let selected_running = find(spinner);
    assert_eq!(selected_running.fg, Color::Cyan);
    assert!(selected_running.modifier.contains(Modifier::REVERSED));
}

#[test]
fn nothing_from_the_build_reaches_the_terminal_as_a_control_character() {
    let app = every_state(120, 40);
    let terminal = draw(&app);
    for cell in terminal.backend().buffer().content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "{:?}",
            cell.symbol()
        );
    }
}

#[test]
fn a_cell_refused_before_the_run_says_so() {
    let mut app = demo_app();
    let reason = "builder rbx has no node for linux/riscv64";
    let refused = CellStatus::Refused {
        reason: reason.into(),
    };
    set(&mut app, 2, refused);
    select(&mut app, "base", "linux/riscv64");
    let screen = draw(&app).backend().to_string();
    assert!(screen.contains("✘ refused"), "{screen}");
    assert!(
        screen.contains(&format!("was refused before it started: {reason}")),
        "{screen}"
    );
}

#[test]
fn durations_in_cells_read_as_in_the_headless_lines() {
    let mut app = demo_app();
    let c = cell(&app, "base", "linux/amd64");
    let green = CellStatus::Green {
        digest: None,
        duration: Duration::from_millis(500),
        cached: false,
    };
    set(&mut app, c, green);
    let head = |app: &App| crate::console::view::cell_text::describe(app, c).head;
    assert_eq!(head(&app), "0.5s");
    let retrying = CellStatus::Retrying {
        next: 2,
        of: 3,
        delay: Duration::from_millis(4_010),
        reason: "i/o timeout".into(),
    };
    set(&mut app, c, retrying);
    // A countdown rounds up: it never reads shorter than the wait that is left.
    assert_eq!(head(&app), "retry 2/3 in 4.1s");
    app.now += Duration::from_millis(4_000);
    assert_eq!(head(&app), "retry 2/3 in 0.1s");
}

#[test]
fn a_warming_cell_says_what_it_waits_for_and_its_log_heads_the_warming_build() {
    let mut p = crate::console::fixture::demo_plan();
    let base = p
        .find("base", &"linux/arm64".parse().unwrap())
        .unwrap()
        .index;
    let app_cell = p
        .find("app", &"linux/arm64".parse().unwrap())
        .unwrap()
        .index;
    p.cells[app_cell].warm = Some(crate::plan::Warm {
        late: vec![base],
        cut: 4,
        dockerfile: "app.Dockerfile".into(),
        log_file: "app.warm.log".into(),
        argv: Vec::new(),
    });
    let mut app = crate::console::fixture::app_for(p, 120, 40);
    set(&mut app, base, running(1));
    set(&mut app, app_cell, CellStatus::Warming);
    app.now += Duration::from_secs(7);
    let text = crate::console::view::cell_text::describe(&app, app_cell);
    assert_eq!(text.glyph, "◌");
    assert_eq!(text.head, "warming 7.0s");
    assert_eq!(
        text.detail.as_deref(),
        Some("cache only, until base is built")
    );
    select(&mut app, "app", "linux/arm64");
    let screen = draw(&app).backend().to_string();
    assert!(screen.contains("━━ warming the cache ━━"), "{screen}");
}
