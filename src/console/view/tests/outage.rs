//! An engine that stops answering: the header says since when and keeps counting, the cells
//! that wait say so, an infra failure names the doctor check that explains it.

use std::time::Duration;

use crate::build::outage::Resource;
use crate::build::scheduler::Event;
use crate::console::fixture::*;
use crate::console::msg::{Effect, Msg};
use crate::console::update::update;
use crate::doctor::{Check, Report};
use crate::model::{CellStatus, FailureClass, InfraCause};

use super::draw;

fn header(app: &crate::console::app::App) -> String {
    let screen = draw(app).backend().to_string();
    screen.lines().take(2).collect::<Vec<_>>().join("\n")
}

#[test]
fn the_header_shows_the_wait_and_keeps_counting() {
    let mut app = demo_app();
    app.now = Duration::from_secs(700);
    let base = cell(&app, "base", "linux/arm64");
    set(&mut app, base, running(1));
    app.now = Duration::from_secs(772);
    event(
        &mut app,
        Event::Unreachable {
            resource: Resource::Engine(None),
            waited: Duration::from_secs(12),
            reason: "Cannot connect to the Docker daemon".into(),
        },
    );
    set(&mut app, base, CellStatus::Queued);
    assert!(app.animating(), "a wait with nothing running still ticks");
    let first = header(&app);
    assert!(
        first.contains("⚠ engine unreachable since 12:40, waiting 12s"),
        "{first}"
    );
    assert!(!first.contains("engine ok"), "{first}");
    app.now = Duration::from_secs(797);
    let later = header(&app);
    assert!(later.contains("since 12:40, waiting 37s"), "{later}");

    let screen = draw(&app).backend().to_string();
    assert!(screen.contains("⏸ waiting"), "{screen}");

    let effects = event(
        &mut app,
        Event::Answers {
            resource: Resource::Engine(None),
            after: Duration::from_secs(40),
        },
    );
    assert_eq!(effects, [Effect::RunDoctor], "the doctor looks again");
    assert!(!header(&app).contains("unreachable"));
    assert!(!draw(&app).backend().to_string().contains("⏸ waiting"));
}

#[test]
fn a_routed_engine_waits_alone() {
    let mut app = demo_app();
    event(
        &mut app,
        Event::Unreachable {
            resource: Resource::Engine(Some("arm-box".into())),
            waited: Duration::ZERO,
            reason: "context arm-box: connection refused".into(),
        },
    );
    let head = header(&app);
    assert!(
        head.contains("engine of context arm-box unreachable"),
        "{head}"
    );
    // The default engine is not the one waited for: its own state stays in view.
    assert!(head.contains("engine …"), "{head}");
    // No demo cell builds on that context, so none waits.
    assert!(!draw(&app).backend().to_string().contains("⏸ waiting"));
}

#[test]
fn the_first_infra_failure_runs_the_doctor_once_and_the_pane_names_its_check() {
    let mut app = demo_app();
    let base = cell(&app, "base", "linux/amd64");
    let mut record = failed_attempt(
        1,
        FailureClass::Infra,
        "failed to create endpoint x on network bridge: adding interface veth1 to bridge docker0 failed: Device does not exist",
        "ERROR: failed to solve: …: Device does not exist",
    );
    record.cause = Some(InfraCause::Network);
    let effects = event(
        &mut app,
        Event::AttemptEnded {
            cell: base,
            record: record.clone(),
        },
    );
    assert_eq!(effects, [Effect::RunDoctor]);
    // A second one does not ask again.
    let again = event(&mut app, Event::AttemptEnded { cell: base, record });
    assert!(again.is_empty(), "{again:?}");

    key(&mut app, '2');
    let screen = draw(&app).backend().to_string();
    assert!(
        screen.contains("⚕ the engine could not attach the build to its network; doctor \"bridge network\" running…"),
        "{screen}"
    );
    update(
        &mut app,
        Msg::Doctor(Report {
            checks: vec![Check::fail(
                "bridge network",
                "device docker0 of network bridge does not exist",
                "restart the Docker engine",
            )],
            builders: Vec::new(),
        }),
    );
    let screen = draw(&app).backend().to_string();
    assert!(
        screen.contains("doctor \"bridge network\" fail: device docker0"),
        "{screen}"
    );
    set(
        &mut app,
        base,
        CellStatus::Failed {
            class: FailureClass::Infra,
            reason: "failed to create endpoint".into(),
            attempts: 1,
        },
    );
    assert!(draw(&app).backend().to_string().contains("failed infra"));
}

#[test]
fn a_doctor_run_made_during_the_outage_is_followed_by_another() {
    let mut app = demo_app();
    app.doctor_running = true;
    let effects = event(
        &mut app,
        Event::Answers {
            resource: Resource::Engine(None),
            after: Duration::from_secs(30),
        },
    );
    assert!(effects.is_empty(), "one run at a time: {effects:?}");
    let report = Report {
        checks: vec![Check::fail(
            "engine",
            "no Docker engine answers",
            "start it",
        )],
        builders: Vec::new(),
    };
    assert_eq!(
        update(&mut app, Msg::Doctor(report.clone())),
        [Effect::RunDoctor]
    );
    assert!(update(&mut app, Msg::Doctor(report)).is_empty());
}
