use std::collections::BTreeMap;
use std::time::Duration;

use crate::build::eta::{grid_finish, Finish, Pending};
use crate::model::Platform;
use crate::plan::sample;

fn s(secs: u64) -> Option<Duration> {
    Some(Duration::from_secs(secs))
}

fn finish(left: u64, unknown: usize, last: usize) -> Finish {
    Finish {
        left: Duration::from_secs(left),
        unknown,
        last: Some(last),
    }
}

/// base ← app, and docs on its own, in that order.
fn base_app_docs() -> crate::plan::Plan {
    sample::plan(
        &[
            ("base", &[], &[]),
            ("app", &["base"], &[]),
            ("docs", &[], &[]),
        ],
        &["linux/amd64"],
    )
}

/// base 10 s, app 20 s, docs 5 s.
fn base_app_docs_queued() -> [Pending; 3] {
    [s(10), s(20), s(5)].map(Pending::Queued)
}

#[test]
fn one_at_a_time_everything_runs_in_turn() {
    let plan = base_app_docs();
    let (queued, none) = (base_app_docs_queued(), BTreeMap::new());
    // base, then app as soon as base ended, since it comes first in the plan; docs last.
    assert_eq!(grid_finish(&plan, &queued, 1, &none), finish(35, 0, 2));
}

#[test]
fn two_at_a_time_dependencies_still_wait() {
    let plan = base_app_docs();
    let (queued, none) = (base_app_docs_queued(), BTreeMap::new());
    // base and docs together; app after base, on the slow path.
    assert_eq!(grid_finish(&plan, &queued, 2, &none), finish(30, 0, 1));
    // base already running with 4 s left, docs without an estimate.
    let now = [
        Pending::Running(s(4)),
        Pending::Queued(s(20)),
        Pending::Queued(None),
    ];
    assert_eq!(grid_finish(&plan, &now, 2, &none), finish(24, 1, 1));
    // A dependency that will not run holds nothing up; the scheduler says what it blocks.
    let built = [Pending::Nothing, Pending::Queued(s(20)), Pending::Nothing];
    assert_eq!(grid_finish(&plan, &built, 1, &none), finish(20, 0, 1));
    let nothing = [Pending::Nothing; 3];
    assert_eq!(
        grid_finish(&plan, &nothing, 2, &none),
        Finish {
            left: Duration::ZERO,
            unknown: 0,
            last: None
        }
    );
}

#[test]
fn a_platform_limit_holds_its_column_to_its_bound() {
    let plan = sample::plan(
        &[("a", &[], &[]), ("b", &[], &[]), ("c", &[], &[])],
        &["linux/amd64", "linux/arm64"],
    );
    let arm64: Platform = "linux/arm64".parse().unwrap();
    let queued = vec![Pending::Queued(s(10)); plan.cells.len()];
    let unlimited = BTreeMap::new();
    assert_eq!(
        grid_finish(&plan, &queued, 8, &unlimited).left,
        Duration::from_secs(10)
    );
    let one_arm64 = BTreeMap::from([(arm64.clone(), 1)]);
    let done = grid_finish(&plan, &queued, 8, &one_arm64);
    let c_arm64 = plan.find("c", &arm64).unwrap().index;
    assert_eq!(done, finish(30, 0, c_arm64));
}
