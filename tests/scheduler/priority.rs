//! The order ready cells start in: expected time from history, longest path first, emulated
//! cells first on a tie; step counts only when nothing was timed.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use archgrid::build::history::{GreenRun, History};
use archgrid::plan::Plan;

use super::fake::Fake;
use super::{idx, plan, run_recording, settings};

fn green(secs: u64) -> GreenRun {
    GreenRun {
        when: SystemTime::UNIX_EPOCH,
        total: Duration::from_secs(secs),
        cached: false,
        steps: Vec::new(),
    }
}

/// With one cell at a time, the order cells started in.
async fn start_order(p: Plan, history: Option<Arc<History>>) -> Vec<String> {
    let fake = Fake::new(Duration::from_secs(1));
    let log = fake.log.clone();
    run_recording(p, fake, settings(1, 1), history, |_, _| {}).await;
    let l = log.lock().unwrap();
    l.started.iter().map(|(id, _, _)| id.clone()).collect()
}

#[tokio::test(start_paused = true)]
async fn expected_time_from_history_wins_over_step_count() {
    let mut p = plan(&[("many_steps", &[]), ("slow", &[])], &["linux/amd64"]);
    let many = idx(&p, "many_steps@linux/amd64");
    p.cells[many].steps = 12;
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(History::load(dir.path()));
    history.record(&p.cells[many], green(5));
    history.record(&p.cells[idx(&p, "slow@linux/amd64")], green(100));
    let order = start_order(p, Some(history)).await;
    assert_eq!(order, ["slow@linux/amd64", "many_steps@linux/amd64"]);
}

#[tokio::test(start_paused = true)]
async fn without_history_step_counts_and_emulation_weigh_cells() {
    let mut p = plan(
        &[("short", &[]), ("long", &[]), ("emulated", &[])],
        &["linux/amd64"],
    );
    let (short, long) = (idx(&p, "short@linux/amd64"), idx(&p, "long@linux/amd64"));
    p.cells[short].steps = 2;
    p.cells[long].steps = 8;
    let e = idx(&p, "emulated@linux/amd64");
    p.cells[e].steps = 2;
    p.cells[e].emulated = true;
    let order = start_order(p, None).await;
    assert_eq!(
        order,
        [
            "emulated@linux/amd64",
            "long@linux/amd64",
            "short@linux/amd64"
        ],
        "2 emulated steps weigh as 20, more than 8 native ones"
    );
}

#[tokio::test(start_paused = true)]
async fn the_longest_path_to_the_end_starts_first() {
    // base then app is a 17 s path, longer than solo's 15 s though base alone is 5 s; big
    // alone beats both. The count of dependents alone would have started base first.
    let p = plan(
        &[
            ("solo", &[]),
            ("base", &[]),
            ("app", &["base"]),
            ("big", &[]),
        ],
        &["linux/amd64"],
    );
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(History::load(dir.path()));
    for (id, secs) in [("solo", 15), ("base", 5), ("app", 12), ("big", 25)] {
        history.record(&p.cells[idx(&p, &format!("{id}@linux/amd64"))], green(secs));
    }
    let order = start_order(p, Some(history)).await;
    assert_eq!(
        order,
        [
            "big@linux/amd64",
            "base@linux/amd64",
            "solo@linux/amd64",
            "app@linux/amd64"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_tie_goes_to_the_emulated_cell() {
    let mut p = plan(&[("app", &[])], &["linux/amd64", "linux/arm64"]);
    let arm = idx(&p, "app@linux/arm64");
    p.cells[arm].emulated = true;
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(History::load(dir.path()));
    for cell in p.cells.clone() {
        history.record(&cell, green(30));
    }
    let order = start_order(p, Some(history)).await;
    assert_eq!(order, ["app@linux/arm64", "app@linux/amd64"]);
}
