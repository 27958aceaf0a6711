//! `concurrency = "auto"`: cells start while the CPUs have room, up to the cap; a routed column
//! keeps its own limit whatever this machine's load.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use archgrid::build::load::{Gauge, Load, LoadSource};
use archgrid::build::scheduler::Limit;

use super::fake::{Fake, Log};
use super::{plan, platform, run_until_settled, settings};

/// A machine of 2 CPUs: `other` cores busy with work of its own, and `per_cell` for each cell
/// the fake runs; `None` when it cannot be read.
struct FakeLoad {
    load: Option<(f64, f64)>,
    log: Arc<Mutex<Log>>,
}

impl LoadSource for FakeLoad {
    fn sample(&self) -> Option<Load> {
        let (other, per_cell) = self.load?;
        let running = self.log.lock().unwrap().running as f64;
        Some(Load {
            busy: (other + per_cell * running).min(2.0),
            cores: 2,
        })
    }
    fn cores(&self) -> usize {
        2
    }
}

fn components(n: usize) -> Vec<(String, Vec<&'static str>)> {
    (0..n).map(|i| (format!("c{i}"), vec![])).collect()
}

/// Eight independent cells of `platforms`, 20 s each, under `auto` on a machine loaded as
/// [`FakeLoad`] says; the fake's log.
async fn run(load: Option<(f64, f64)>, platforms: &[&str], routed: &[(&str, usize)]) -> Log {
    let comps = components(8);
    let comps: Vec<(&str, &[&str])> = comps
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let p = plan(&comps, platforms);
    let fake = Fake::new(Duration::from_secs(20));
    let log = fake.log.clone();
    let mut s = settings(1, 1);
    s.concurrency = Limit::auto(Gauge(Arc::new(FakeLoad {
        load,
        log: log.clone(),
    })));
    s.routed = routed
        .iter()
        .map(|(p, _)| platform(p))
        .collect::<BTreeSet<_>>();
    for (p, n) in routed {
        s.platform_limits.insert(platform(p), *n);
    }
    let run = run_until_settled(p, fake, s, |_, _| {}).await;
    assert!(
        run.statuses.iter().all(|s| s.is_green()),
        "{:?}",
        run.statuses
    );
    let taken = std::mem::take(&mut *log.lock().unwrap());
    taken
}

#[tokio::test(start_paused = true)]
async fn cells_that_leave_the_cpus_idle_fill_up_to_the_cap() {
    let log = run(Some((0.0, 0.1)), &["linux/amd64"], &[]).await;
    assert_eq!(log.max_running, 4, "twice the 2 cores, and never more");
}

#[tokio::test(start_paused = true)]
async fn cpu_bound_cells_run_one_per_core() {
    let log = run(Some((0.0, 1.0)), &["linux/amd64"], &[]).await;
    assert_eq!(log.max_running, 2);
}

#[tokio::test(start_paused = true)]
async fn a_machine_busy_with_other_work_runs_one_cell_at_a_time() {
    let log = run(Some((1.9, 0.0)), &["linux/amd64"], &[]).await;
    assert_eq!(
        log.max_running, 1,
        "one always runs, so the grid still ends"
    );
    assert_eq!(log.started.len(), 8);
}

#[tokio::test(start_paused = true)]
async fn without_a_reading_each_running_cell_counts_as_a_core() {
    let log = run(None, &["linux/amd64"], &[]).await;
    assert_eq!(log.max_running, 2, "one per core");
}

#[tokio::test(start_paused = true)]
async fn a_routed_column_keeps_its_own_limit_whatever_the_load_here() {
    let log = run(
        Some((2.0, 0.0)),
        &["linux/amd64", "linux/arm64"],
        &[("linux/arm64", 3)],
    )
    .await;
    assert_eq!(
        log.max_per_platform["linux/amd64"], 1,
        "held by this machine's load"
    );
    assert_eq!(
        log.max_per_platform["linux/arm64"], 3,
        "its own concurrency"
    );
}
