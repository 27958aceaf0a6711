use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::build::history::GreenRun;
use crate::plan::sample;
use crate::plan::Plan;

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn step(name: &str, s: f64, cached: bool) -> StepTime {
    StepTime {
        name: name.into(),
        duration: secs(s),
        cached,
    }
}

fn green(steps: Vec<StepTime>, total: f64) -> GreenRun {
    GreenRun {
        when: UNIX_EPOCH,
        total: secs(total),
        cached: false,
        steps,
    }
}

const DEF: &str = "[internal] load build definition from Dockerfile";
const FROM: &str = "[1/3] FROM docker.io/library/alpine:3.20";
const MAKE: &str = "[2/3] RUN make";
const TEST: &str = "[3/3] RUN make test";
const EXPORT: &str = "exporting to image";

/// An attempt of app: the base cached, make and its tests run, then the export.
fn app_run(make: f64, total: f64) -> GreenRun {
    green(
        vec![
            step(DEF, 0.1, false),
            step(FROM, 2.0, false),
            step(MAKE, make, false),
            step(TEST, 20.0, false),
            step(EXPORT, 5.0, false),
        ],
        total,
    )
}

/// A cache hit: every step from the cache, in next to no time.
fn cache_hit() -> GreenRun {
    GreenRun {
        cached: true,
        ..green(
            vec![
                step(DEF, 0.1, false),
                step(MAKE, 0.0, true),
                step(TEST, 0.0, true),
            ],
            1.0,
        )
    }
}

fn with(runs: &[(&str, Vec<GreenRun>)]) -> HistoryFile {
    let mut history = HistoryFile::default();
    for (id, runs) in runs {
        for run in runs {
            history.record(id, run.clone());
        }
    }
    history
}

fn progress<'a>(
    done: &'a [StepTime],
    current: Option<&'a str>,
    in_current: f64,
    elapsed: f64,
) -> Progress<'a> {
    Progress {
        done,
        current,
        in_current: secs(in_current),
        elapsed: secs(elapsed),
    }
}

/// The estimate of `cell`, which must have one: what is left and whether it was revised.
fn left(history: &HistoryFile, plan: &Plan, cell: usize, progress: Progress) -> (Duration, bool) {
    match estimate(history, plan, cell, &progress) {
        Estimate::Left {
            remaining, revised, ..
        } => (remaining, revised),
        Estimate::Unknown => panic!("no estimate"),
    }
}

fn amd64_only() -> Plan {
    sample::plan(&[("app", &[], &[])], &["linux/amd64", "linux/arm64"])
}

/// Three builds of app on amd64 (make took 60, 70 and 65 s) and a cache hit in between.
fn app_history() -> HistoryFile {
    with(&[(
        "app@linux/amd64",
        vec![
            app_run(60.0, 88.0),
            cache_hit(),
            app_run(70.0, 98.0),
            app_run(65.0, 93.0),
        ],
    )])
}

#[test]
fn the_cells_own_history_by_step() {
    let (plan, history) = (amd64_only(), app_history());
    // The cache hit counts for neither the total nor make's median.
    assert_eq!(
        expected(&history, &plan, 0),
        Some((secs(93.0), Basis::SameCell))
    );
    let done = [step(DEF, 0.1, false), step(FROM, 2.0, false)];
    let estimate = estimate(&history, &plan, 0, &progress(&done, Some(MAKE), 15.0, 17.1));
    assert_eq!(
        estimate,
        Estimate::Left {
            // make's median less its 15 s so far, then the tests and the export.
            remaining: secs(65.0 - 15.0 + 20.0 + 5.0),
            basis: Basis::SameCell,
            revised: false,
        }
    );
    // Later in the build, only the export is left.
    let done = [
        step(DEF, 0.1, false),
        step(FROM, 2.0, false),
        step(MAKE, 64.0, false),
        step(TEST, 19.0, false),
    ];
    let (remaining, revised) = left(&history, &plan, 0, progress(&done, Some(EXPORT), 1.0, 86.0));
    assert_eq!((remaining, revised), (secs(4.0), false));
}

#[test]
fn no_history_is_no_estimate() {
    let plan = amd64_only();
    let none = HistoryFile::default();
    let done = [step(DEF, 0.1, false)];
    let now = progress(&done, Some(MAKE), 1.0, 2.0);
    for cell in 0..plan.cells.len() {
        assert_eq!(expected(&none, &plan, cell), None);
        assert_eq!(estimate(&none, &plan, cell, &now), Estimate::Unknown);
    }
    // Only cache hits say nothing of a real build.
    let hits = with(&[("app@linux/amd64", vec![cache_hit(), cache_hit()])]);
    assert_eq!(estimate(&hits, &plan, 0, &now), Estimate::Unknown);
    // Another platform's history without any component built on both: no factor to scale by.
    let other = app_history();
    assert!(expected(&other, &plan, 0).is_some());
    assert_eq!(expected(&other, &plan, 1), None);
    assert_eq!(estimate(&other, &plan, 1, &now), Estimate::Unknown);
}

#[test]
fn another_platform_scaled_by_the_observed_emulation_factor() {
    let plan = sample::plan(
        &[("base", &[], &[]), ("lib", &[], &[]), ("app", &[], &[])],
        &["linux/amd64", "linux/arm64", "linux/riscv64"],
    );
    let total = |t: f64| vec![green(vec![step(MAKE, t - 1.0, false)], t)];
    let history = with(&[
        // arm64 took 4 and 3 times as long as amd64 for base and lib: 3.5 times.
        ("base@linux/amd64", total(10.0)),
        ("base@linux/arm64", total(40.0)),
        ("lib@linux/amd64", total(20.0)),
        ("lib@linux/arm64", total(60.0)),
        // riscv64 has app too, but only base to compare with.
        ("base@linux/riscv64", total(100.0)),
        ("app@linux/riscv64", vec![app_run(600.0, 650.0)]),
        (
            "app@linux/amd64",
            vec![
                app_run(60.0, 88.0),
                app_run(70.0, 98.0),
                app_run(65.0, 93.0),
            ],
        ),
    ]);
    let app_arm64 = plan
        .find("app", &"linux/arm64".parse().unwrap())
        .unwrap()
        .index;
    let amd64: Platform = "linux/amd64".parse().unwrap();
    let (total, basis) = expected(&history, &plan, app_arm64).unwrap();
    assert_eq!(
        basis,
        Basis::Scaled {
            from: amd64.clone(),
            factor: 3.5
        }
    );
    assert_eq!(total, secs(93.0 * 3.5));
    // Step by step on the scaled steps: make is expected to take 3.5 × 65 s.
    let done = [step(DEF, 0.35, false), step(FROM, 7.0, false)];
    let (remaining, revised) = left(
        &history,
        &plan,
        app_arm64,
        progress(&done, Some(MAKE), 100.0, 108.0),
    );
    assert!(!revised);
    let want = 3.5 * (65.0 + 20.0 + 5.0) - 100.0;
    assert!(
        (remaining.as_secs_f64() - want).abs() < 1e-6,
        "{remaining:?}"
    );
}

#[test]
fn a_step_that_runs_long_revises_the_estimate_upward() {
    let (plan, history) = (amd64_only(), app_history());
    let done = [step(DEF, 0.1, false), step(FROM, 2.0, false)];
    let at = |t: f64| left(&history, &plan, 0, progress(&done, Some(MAKE), t, t + 2.1));
    // Within make's 65 s the estimate counts down.
    assert_eq!(at(30.0), (secs(35.0 + 25.0), false));
    assert_eq!(at(65.0), (secs(25.0), false));
    // Past it, what is left grows with the overrun and never comes back to the history's.
    let mut before = at(65.0).0;
    for t in [66.0, 80.0, 120.0, 300.0, 1200.0, 5000.0] {
        let (remaining, revised) = at(t);
        assert!(revised, "{t}");
        assert!(
            remaining > before,
            "at {t}s: {remaining:?} after {before:?}"
        );
        before = remaining;
    }
    // Steps that already ran slow stretch what is left before it overruns.
    let slow = [step(DEF, 0.1, false), step(FROM, 12.0, false)];
    let (remaining, revised) = left(&history, &plan, 0, progress(&slow, Some(MAKE), 15.0, 27.1));
    assert!(revised);
    assert!(remaining > secs(75.0), "{remaining:?}");
    // A cache hit that took no time does not make the rest look quicker, nor slower.
    let hit = [step(DEF, 0.1, false), step(FROM, 0.0, true)];
    assert_eq!(
        left(&history, &plan, 0, progress(&hit, Some(MAKE), 15.0, 15.1)),
        (secs(75.0), false)
    );
}

#[test]
fn steps_that_match_nothing_fall_back_to_the_total() {
    let (plan, history) = (amd64_only(), app_history());
    // The Dockerfile changed: only the internal step has a name the history knows.
    let done = [
        step(DEF, 0.1, false),
        step("[1/2] FROM debian:12", 3.0, false),
    ];
    let now = |elapsed: f64| progress(&done, Some("[2/2] RUN ./build.sh"), elapsed - 3.1, elapsed);
    assert_eq!(
        left(&history, &plan, 0, now(30.0)),
        (secs(93.0 - 30.0), false)
    );
    // Nothing but internal steps yet: the total too.
    let early = [step(DEF, 0.1, false)];
    assert_eq!(
        left(&history, &plan, 0, progress(&early, None, 0.0, 0.5)),
        (secs(92.5), false)
    );
    // Past the total, what is left grows.
    let (a, revised) = left(&history, &plan, 0, now(100.0));
    let (b, _) = left(&history, &plan, 0, now(130.0));
    assert!(revised && a > Duration::ZERO && b > a, "{a:?} {b:?}");
    // History without any step times at all is the total too.
    let totals = with(&[("app@linux/amd64", vec![green(Vec::new(), 50.0)])]);
    let done = [step(FROM, 2.0, false)];
    assert_eq!(
        left(&totals, &plan, 0, progress(&done, Some(MAKE), 8.0, 10.0)),
        (secs(40.0), false)
    );
}

mod grid;
