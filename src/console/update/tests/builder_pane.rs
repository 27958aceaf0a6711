//! The builder pane's doctor runs, and what counts as a builder problem: only what buildx can
//! actually show.

use std::time::Duration;

use super::status_text;
use crate::console::fixture::doctor::*;
use crate::console::fixture::*;
use crate::console::msg::{Effect, Msg};
use crate::console::update::update;
use crate::docker::builder_facts::{fill_from_listing, Found};
use crate::docker::buildx::{parse_inspect, parse_ls_json};
use crate::doctor::findings::{findings, Severity};
use crate::doctor::{Check, Level as CheckLevel, Report};

/// Observed with buildx 0.13.1: a docker-container node whose container runs something that
/// is not BuildKit. `inspect` prints no daemon flags for it; `ls` does.
const INSPECT_NODE_IN_ERROR: &str = "Name:          agx-probe
Driver:        docker-container
Last Activity: 2026-11-23 10:52:48 +0000 UTC

Nodes:
Name:           agx-probe0
Endpoint:       unix:///var/run/docker.sock
Driver Options: network=\"host\"
Error:          listing workers: failed to list workers: Unavailable: connection error
";
const LS_NODE_IN_ERROR: &str = r#"{"Name":"agx-probe","Driver":"docker-container","Nodes":[{"Name":"agx-probe0","Endpoint":"unix:///var/run/docker.sock","Flags":["--allow-insecure-entitlement","network.host"],"DriverOpts":{"network":"host"},"Status":"error","Err":"listing workers: failed to list workers: Unavailable: connection error","Platforms":["linux/amd64","linux/arm64","linux/riscv64"]}]}"#;

fn report_with(facts: crate::docker::builder_facts::BuilderFacts) -> Report {
    Report {
        checks: ok_checks(),
        builders: vec![facts],
    }
}

#[test]
fn u_runs_the_doctor_again_one_run_at_a_time() {
    let mut app = demo_app();
    assert_eq!(key(&mut app, '3'), [Effect::RunDoctor]);
    assert!(app.doctor_running);
    assert_eq!(key(&mut app, 'u'), [], "one run at a time");
    app.now = Duration::from_secs(65);
    update(&mut app, Msg::Doctor(default_builder_report()));
    assert!(!app.doctor_running);
    assert_eq!(app.doctor_at, Duration::from_secs(65));
    assert_eq!(app.doctor.as_ref().unwrap().checks.len(), 5);
    assert_eq!(key(&mut app, 'u'), [Effect::RunDoctor]);
    // Leaving and coming back does not ask again: the report is still there.
    key(&mut app, '1');
    update(&mut app, Msg::Doctor(default_builder_report()));
    assert_eq!(key(&mut app, '3'), []);
}

#[test]
fn a_failed_check_is_named_in_the_status_line() {
    let mut app = demo_app();
    let mut report = default_builder_report();
    report.checks.push(Check::fail(
        "registry localhost:5000",
        "nothing answers at 127.0.0.1:5000",
        "start the registry",
    ));
    update(&mut app, Msg::Doctor(report));
    assert_eq!(
        status_text(&app),
        "doctor: registry localhost:5000 failed; press 3 for the builder pane"
    );
    let tabs = crate::console::layout::tabs(&app);
    assert!(
        tabs.iter().any(|(_, label)| label == " 3 Builder ⚠ "),
        "{tabs:?}"
    );
}

#[test]
fn doctor_text_is_sanitized() {
    let mut app = demo_app();
    let mut report = default_builder_report();
    report.checks[0].why = "Docker \x1b]0;owned\x07answers\x1b[2J".into();
    if let Found::Present(b) = &mut report.builders[0].found {
        b.nodes[0].flags = vec!["--debug\x1b[1A".into()];
    }
    update(&mut app, Msg::Doctor(report));
    let report = app.doctor.as_ref().unwrap();
    assert_eq!(report.checks[0].why, "Docker answers");
    assert_eq!(report.checks[0].level, CheckLevel::Ok);
    let Found::Present(b) = &report.builders[0].found else {
        panic!()
    };
    assert_eq!(b.nodes[0].flags, ["--debug"]);
}

#[test]
fn a_builder_that_refuses_host_networking_is_reported_with_the_fix() {
    let mut app = demo_app();
    update(&mut app, Msg::Doctor(multinode_report()));
    let w = app.builder_warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("node rbx0 of builder rbx"), "{}", w[0]);
    assert!(
        w[0].contains("fix: recreate builder rbx with --buildkitd-flags"),
        "the fix comes from docker::entitlement: {}",
        w[0]
    );
    assert!(status_text(&app).contains("press 3 for the builder pane"));
}

#[test]
fn the_docker_driver_allows_host_networking() {
    let mut app = demo_app();
    update(&mut app, Msg::Doctor(default_builder_report()));
    assert_eq!(
        app.builder_warnings(),
        ["no node of builder default lists linux/riscv64, which cells build for"]
    );
}

#[test]
fn a_remote_daemon_cannot_be_checked_so_it_is_not_warned_about() {
    let mut app = demo_app();
    let mut b = sample_builder("inspect-multinode.txt");
    b.driver = "remote".into();
    let mut facts = undeclared(None, b, &["linux/amd64"]);
    facts.unknowns =
        vec!["builder rbx uses the remote driver, whose daemon flags buildx cannot see".into()];
    update(&mut app, Msg::Doctor(report_with(facts.clone())));
    assert_eq!(app.builder_warnings(), Vec::<String>::new());
    let notes: Vec<String> = findings(&app.plan, app.wants_network_host, &facts)
        .into_iter()
        .filter(|f| f.severity == Severity::Note)
        .map(|f| f.text)
        .collect();
    assert_eq!(notes.len(), 1, "said once, not twice: {notes:?}");
    assert!(
        notes[0].starts_with("whether builder rbx allows network.host cannot be checked"),
        "{}",
        notes[0]
    );
}

#[test]
fn a_node_in_error_is_judged_on_the_flags_ls_reports() {
    let mut app = demo_app();
    let mut b = parse_inspect(INSPECT_NODE_IN_ERROR).unwrap();
    let listed = parse_ls_json(LS_NODE_IN_ERROR).unwrap();
    fill_from_listing(&mut b, &listed[0]);
    update(
        &mut app,
        Msg::Doctor(report_with(undeclared(Some("agx-probe"), b, &[]))),
    );
    let w = app.builder_warnings();
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].starts_with("node agx-probe0 of builder agx-probe: listing workers"),
        "only the node's own error: {w:?}"
    );
}

#[test]
fn a_node_in_error_without_flags_cannot_be_checked() {
    let mut app = demo_app();
    let b = parse_inspect(INSPECT_NODE_IN_ERROR).unwrap();
    let facts = undeclared(None, b, &[]);
    update(&mut app, Msg::Doctor(report_with(facts.clone())));
    let w = app.builder_warnings();
    assert!(
        !w.iter().any(|w| w.contains("network.host")),
        "no entitlement warning on flags buildx did not show: {w:?}"
    );
    assert!(findings(&app.plan, app.wants_network_host, &facts)
        .iter()
        .any(|f| f.severity == Severity::Note
            && f.text.contains("cannot be checked while it is in error")));
}

#[test]
fn a_routed_builder_that_is_missing_names_its_columns() {
    let mut plan = demo_plan();
    for c in plan
        .cells
        .iter_mut()
        .filter(|c| c.platform.arch_tag() == "arm64")
    {
        c.builder = Some("arm-native".into());
    }
    let mut app = app_for(plan, 120, 40);
    let mut report = default_builder_report();
    let mut missing = undeclared(
        Some("arm-native"),
        sample_builder("inspect-default.txt"),
        &[],
    );
    missing.found = Found::Missing;
    report.builders.push(missing);
    update(&mut app, Msg::Doctor(report));
    assert!(app.builder_warnings().contains(
        &"builder arm-native does not exist, so cells for linux/arm64 cannot build".to_string()
    ));
}
