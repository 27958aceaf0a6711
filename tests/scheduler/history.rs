//! Green attempts land in history.json with their step times; others do not.

use std::sync::Arc;
use std::time::Duration;

use archgrid::build::history::{History, StepTime};
use archgrid::model::CellStatus;

use super::fake::{Fake, Script};
use super::{cancel_when_running, idx, plan, run_recording, settings};

const FLAKY: &str = "ERROR: failed to solve: failed to do request: Head \"http://127.0.0.1:5000/v2/x\": read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer";
const BROKEN: &str = "ERROR: failed to solve: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3";

#[tokio::test(start_paused = true)]
async fn a_green_attempt_lands_in_history_with_its_step_times_and_a_failed_one_does_not() {
    let p = plan(
        &[
            ("app", &[]),
            ("broken", &[]),
            ("hung", &[]),
            ("cached", &[]),
        ],
        &["linux/amd64"],
    );
    let step = |name: &str, duration: Duration, cached: bool| StepTime {
        name: name.into(),
        duration,
        cached,
    };
    let steps = [
        step("[1/2] FROM alpine", Duration::from_millis(1500), true),
        step("[2/2] RUN make", Duration::from_secs(61), false),
    ];
    let mut fake = Fake::new(Duration::from_secs(90))
        // The failed first attempt reported its steps too; only the green one counts.
        .script("app@linux/amd64", vec![Script::Fail(FLAKY), Script::Green])
        .script("broken@linux/amd64", vec![Script::Fail(BROKEN)])
        .script("hung@linux/amd64", vec![Script::Hang])
        .script("cached@linux/amd64", vec![Script::CacheHit]);
    for cell in p.cells.iter() {
        fake = fake.steps(&cell.id(), &steps);
    }
    let dir = tempfile::tempdir().unwrap();
    let history = Arc::new(History::load(dir.path()));
    let hung = idx(&p, "hung@linux/amd64");
    let run = run_recording(
        p.clone(),
        fake,
        settings(4, 2),
        Some(history.clone()),
        cancel_when_running(hung),
    )
    .await;
    assert!(run.statuses[idx(&p, "app@linux/amd64")].is_green());
    assert!(run.statuses[idx(&p, "broken@linux/amd64")].is_failed());
    assert_eq!(run.statuses[hung], CellStatus::Canceled);

    // The scheduler has ended: what it recorded is on disk, as a later run reads it.
    let reread = History::load(dir.path());
    let runs = |id: &str| reread.read(|h| h.runs(id).to_vec());
    let app = runs("app@linux/amd64");
    assert_eq!(app.len(), 1, "{app:?}");
    assert_eq!(app[0].steps, steps);
    assert_eq!(app[0].total, Duration::from_secs(90));
    assert!(!app[0].cached);
    assert!(runs("broken@linux/amd64").is_empty());
    assert!(runs("hung@linux/amd64").is_empty());
    let cached = runs("cached@linux/amd64");
    assert_eq!(cached.len(), 1);
    assert!(cached[0].cached);
    // The front end's handle on the same history sees the same, to the nanosecond.
    let live = history.read(|h| h.runs("app@linux/amd64").to_vec());
    assert_eq!(live.len(), 1);
    assert_eq!(
        (&live[0].steps, live[0].total),
        (&steps.to_vec(), app[0].total)
    );
}
