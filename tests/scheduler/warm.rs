//! Cache-warming builds: a cell that reads a dependency only late builds its earlier steps,
//! cache only, while that dependency still builds; its real build always runs after it.

use std::path::PathBuf;
use std::time::Duration;

use archgrid::build::scheduler::Event;
use archgrid::model::CellStatus;
use archgrid::plan::{Plan, Warm};

use super::fake::{Fake, Script};
use super::{idx, plan, run_until_settled, settings};

/// base → api, and worker FROM base reading api only by `COPY --from`.
fn copy_from_plan() -> Plan {
    let mut p = plan(
        &[
            ("base", &[]),
            ("api", &["base"]),
            ("worker", &["base", "api"]),
        ],
        &["linux/arm64"],
    );
    let (api, worker) = (idx(&p, "api@linux/arm64"), idx(&p, "worker@linux/arm64"));
    p.cells[worker].warm = Some(Warm {
        late: vec![api],
        cut: 4,
        dockerfile: PathBuf::from("/nonexistent/warm.Dockerfile"),
        log_file: PathBuf::from("/nonexistent/warm.log"),
        argv: vec![],
    });
    p
}

fn statuses_of(events: &[Event], cell: usize) -> Vec<CellStatus> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Status { cell: c, status } if *c == cell => Some(status.clone()),
            _ => None,
        })
        .collect()
}

fn word(s: &CellStatus) -> &'static str {
    s.word()
}

#[tokio::test(start_paused = true)]
async fn the_early_steps_warm_while_the_late_dependency_builds() {
    let p = copy_from_plan();
    let (api, worker) = (idx(&p, "api@linux/arm64"), idx(&p, "worker@linux/arm64"));
    // api takes 30 s, the warming build 10 s.
    let fake = Fake::new(Duration::from_secs(10)).script(
        "api@linux/arm64",
        vec![Script::GreenAfter(Duration::from_secs(30))],
    );
    let log = fake.log.clone();
    let run = run_until_settled(p, fake, settings(2, 1), |_, _| {}).await;
    let l = log.lock().unwrap();
    let started: Vec<(String, bool)> = l
        .started
        .iter()
        .map(|(id, _, opts)| (id.clone(), opts.warm))
        .collect();
    assert_eq!(
        started,
        [
            ("base@linux/arm64".to_string(), false),
            ("api@linux/arm64".to_string(), false),
            ("worker@linux/arm64".to_string(), true),
            ("worker@linux/arm64".to_string(), false),
        ]
    );
    assert_eq!(
        l.max_running, 2,
        "the warming build counts against the limit"
    );
    let at = |cell: usize, want: fn(&CellStatus) -> bool| {
        run.events
            .iter()
            .position(
                |e| matches!(e, Event::Status { cell: c, status } if *c == cell && want(status)),
            )
            .unwrap()
    };
    assert!(at(worker, |s| matches!(s, CellStatus::Warming)) < at(api, CellStatus::is_green));
    let words: Vec<&str> = statuses_of(&run.events, worker).iter().map(word).collect();
    assert_eq!(words, ["queued", "warming", "queued", "running", "green"]);
    assert!(run.statuses[worker].is_green());
}

#[tokio::test(start_paused = true)]
async fn the_attempt_starts_as_soon_as_the_late_dependency_is_green_even_while_warming() {
    let p = copy_from_plan();
    let worker = idx(&p, "worker@linux/arm64");
    // api takes 4 s, the warming build 10 s: the attempt joins the warming build's steps.
    let fake = Fake::new(Duration::from_secs(10)).script(
        "api@linux/arm64",
        vec![Script::GreenAfter(Duration::from_secs(4))],
    );
    let log = fake.log.clone();
    let run = run_until_settled(p, fake, settings(2, 1), |_, _| {}).await;
    let words: Vec<&str> = statuses_of(&run.events, worker).iter().map(word).collect();
    assert_eq!(words, ["queued", "warming", "running", "green"]);
    let l = log.lock().unwrap();
    assert_eq!(
        l.finished,
        [
            "base@linux/arm64",
            "api@linux/arm64",
            "worker@linux/arm64",
            "worker@linux/arm64"
        ],
        "the warming build ended while the attempt ran, and changed nothing"
    );
    // Once the attempt runs, the front ends see its output only.
    let hello = run
        .events
        .iter()
        .filter(|e| matches!(e, Event::Build { cell, .. } if *cell == worker))
        .count();
    assert_eq!(
        hello, 2,
        "one line from the warming build, one from the attempt"
    );
}

#[tokio::test(start_paused = true)]
async fn one_at_a_time_the_late_dependency_goes_first_and_nothing_warms() {
    let p = copy_from_plan();
    let fake = Fake::new(Duration::from_secs(10));
    let log = fake.log.clone();
    run_until_settled(p, fake, settings(1, 1), |_, _| {}).await;
    let l = log.lock().unwrap();
    assert!(
        l.started.iter().all(|(_, _, opts)| !opts.warm),
        "api is on the longer path, and once it is green there is nothing to warm for"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_late_dependency_blocks_the_warming_cell_and_its_build_never_runs() {
    let p = copy_from_plan();
    let worker = idx(&p, "worker@linux/arm64");
    let fake = Fake::new(Duration::from_secs(10)).script(
        "api@linux/arm64",
        vec![Script::Fail(
            "ERROR: process \"/bin/sh -c make\" did not complete successfully: exit code: 2",
        )],
    );
    let log = fake.log.clone();
    let run = run_until_settled(p, fake, settings(2, 1), |_, _| {}).await;
    assert!(matches!(run.statuses[worker], CellStatus::Blocked { .. }));
    let l = log.lock().unwrap();
    let worker_runs: Vec<bool> = l
        .started
        .iter()
        .filter(|(id, _, _)| id == "worker@linux/arm64")
        .map(|(_, _, opts)| opts.warm)
        .collect();
    assert_eq!(
        worker_runs,
        [true],
        "warmed, then blocked without a real build"
    );
}

#[tokio::test(start_paused = true)]
async fn a_run_without_the_cache_has_nothing_to_warm() {
    let p = copy_from_plan();
    let fake = Fake::new(Duration::from_secs(10));
    let log = fake.log.clone();
    let mut s = settings(2, 1);
    s.no_cache = true;
    run_until_settled(p, fake, s, |_, _| {}).await;
    assert!(log.lock().unwrap().started.iter().all(|(_, _, o)| !o.warm));
}
