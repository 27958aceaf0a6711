//! Engines and registries that stop answering: the grid waits for them and goes on by itself.

use std::time::Duration;

use archgrid::build::outage::Resource;
use archgrid::model::{CellStatus, FailureClass};
use archgrid::plan::Plan;

use archgrid::build::scheduler::{Command, Event};

use super::fake::{Fake, Script};
use super::{idx, plan, run_until_settled, settings};

fn eight_cells() -> Plan {
    plan(
        &[
            ("base", &[]),
            ("api", &["base"]),
            ("worker", &["base"]),
            ("web", &["api"]),
        ],
        &["linux/amd64", "linux/arm64"],
    )
}

fn starts_of(fake: &Fake, id: &str) -> Vec<u32> {
    let log = fake.log.lock().unwrap();
    log.started
        .iter()
        .filter(|(c, _, _)| c == id)
        .map(|(_, attempt, _)| *attempt)
        .collect()
}

fn unreachable_events(events: &[archgrid::build::scheduler::Event]) -> Vec<Resource> {
    events
        .iter()
        .filter_map(|e| match e {
            archgrid::build::scheduler::Event::Unreachable { resource, .. } => {
                Some(resource.clone())
            }
            _ => None,
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn an_engine_outage_holds_the_grid_and_it_goes_on_by_itself() {
    let p = eight_cells();
    let fake = Fake::new(Duration::from_secs(10));
    let engine = fake.clone();
    // Killed 12 s in, while api and worker build; back 25 s later.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(12)).await;
        engine.engine(None, false);
        tokio::time::sleep(Duration::from_secs(25)).await;
        engine.engine(None, true);
    });
    let run = run_until_settled(p.clone(), fake.clone(), settings(4, 2), |_, _| {}).await;
    assert!(
        run.statuses.iter().all(CellStatus::is_green),
        "{:?}",
        run.statuses
    );
    assert_eq!(unreachable_events(&run.events), [Resource::Engine(None)]);
    let answered: Vec<Duration> = run
        .events
        .iter()
        .filter_map(|e| match e {
            archgrid::build::scheduler::Event::Answers { resource, after } => {
                assert_eq!(resource, &Resource::Engine(None));
                Some(*after)
            }
            _ => None,
        })
        .collect();
    assert_eq!(answered.len(), 1);
    assert!(
        answered[0] >= Duration::from_secs(24) && answered[0] <= Duration::from_secs(30),
        "{answered:?}"
    );
    // Green before the kill: built once.
    for id in ["base@linux/amd64", "base@linux/arm64"] {
        assert_eq!(starts_of(&fake, id), [1], "{id}");
    }
    // Killed mid-build, and started into the dead engine: each went again as attempt 1, so
    // the outage spent none of the retry budget.
    for id in ["api@linux/amd64", "worker@linux/arm64", "web@linux/arm64"] {
        let starts = starts_of(&fake, id);
        assert!(starts.iter().all(|&a| a == 1), "{id}: {starts:?}");
    }
    assert!(starts_of(&fake, "api@linux/amd64").len() >= 2);
    let failed_attempts = run
        .events
        .iter()
        .filter(|e| matches!(e, archgrid::build::scheduler::Event::AttemptEnded { record, .. } if record.given_back && record.class == Some(FailureClass::Infra)))
        .count();
    assert!(failed_attempts >= 2, "the killed builds are on record");
}

#[tokio::test(start_paused = true)]
async fn a_dead_engine_fails_the_waiting_cells_after_engine_wait() {
    let p = eight_cells();
    let fake = Fake::new(Duration::from_secs(1));
    fake.engine(None, false);
    let mut s = settings(4, 3);
    s.retry.engine_wait = Duration::from_secs(60);
    let run = run_until_settled(p.clone(), fake.clone(), s, |_, _| {}).await;
    for (i, status) in run.statuses.iter().enumerate() {
        match status {
            CellStatus::Blocked { .. } => assert!(!p.cells[i].deps.is_empty()),
            CellStatus::Failed { class, reason, .. } => {
                assert_eq!(*class, FailureClass::Infra);
                assert!(
                    reason.starts_with("engine did not answer for 1m00s"),
                    "{reason}"
                );
            }
            other => panic!("{}: {other:?}", p.cells[i].id()),
        }
        if let CellStatus::Failed { .. } = status {
            // Only the cells that could have started fail; their dependents are blocked.
            assert!(p.cells[i].deps.is_empty(), "{}", p.cells[i].id());
        }
    }
    assert!(run.events.iter().any(|e| matches!(
        e,
        archgrid::build::scheduler::Event::GaveUp {
            resource: Resource::Engine(None),
            ..
        }
    )));
    // Asked every couple of seconds while it waited, not in a tight loop.
    let asked = fake.probes.lock().unwrap().len();
    assert!((20..=40).contains(&asked), "{asked} probes");
}

#[tokio::test(start_paused = true)]
async fn a_routed_column_waits_while_the_others_go_on() {
    let mut p = eight_cells();
    for cell in p
        .cells
        .iter_mut()
        .filter(|c| c.platform.to_string() == "linux/arm64")
    {
        cell.docker_context = Some("arm-box".into());
    }
    let fake = Fake::new(Duration::from_secs(5));
    fake.engine(Some("arm-box"), false);
    let engine = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(40)).await;
        engine.engine(Some("arm-box"), true);
    });
    let run = run_until_settled(p.clone(), fake.clone(), settings(4, 1), |_, _| {}).await;
    assert!(
        run.statuses.iter().all(CellStatus::is_green),
        "{:?}",
        run.statuses
    );
    assert_eq!(
        unreachable_events(&run.events),
        [Resource::Engine(Some("arm-box".into()))]
    );
    let log = fake.log.lock().unwrap();
    let finished = |id: &str| log.finished.iter().position(|c| c == id).unwrap();
    // The whole amd64 column was done before arm64 got its engine back.
    assert!(finished("web@linux/amd64") < finished("base@linux/arm64"));
}

#[tokio::test(start_paused = true)]
async fn a_registry_that_refuses_holds_the_pushes_until_it_answers() {
    let mut p = eight_cells();
    p.registry = Some("127.0.0.1:5000/proj".into());
    for cell in &mut p.cells {
        cell.image = format!("127.0.0.1:5000/proj/{}", cell.id());
    }
    let fake = Fake::new(Duration::from_secs(3));
    fake.registry_down.send_replace(true);
    let registry = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(20)).await;
        registry.registry_down.send_replace(false);
    });
    // One attempt each: only the wait can carry them through.
    let run = run_until_settled(p, fake, settings(4, 1), |_, _| {}).await;
    assert!(
        run.statuses.iter().all(CellStatus::is_green),
        "{:?}",
        run.statuses
    );
    assert_eq!(
        unreachable_events(&run.events),
        [Resource::Registry("127.0.0.1:5000".into())]
    );
}

#[tokio::test(start_paused = true)]
async fn an_infra_failure_that_is_not_an_outage_fails_once_and_names_its_cause() {
    let bridge = "ERROR: failed to solve: process \"/bin/sh -c make\" did not complete successfully: failed to create endpoint x on network bridge: adding interface veth1 to bridge docker0 failed: Device does not exist";
    let p = plan(&[("base", &[])], &["linux/amd64"]);
    let fake =
        Fake::new(Duration::from_secs(1)).script("base@linux/amd64", vec![Script::Fail(bridge)]);
    let run = run_until_settled(p, fake.clone(), settings(1, 3), |_, _| {}).await;
    assert!(
        matches!(
            &run.statuses[0],
            CellStatus::Failed {
                class: FailureClass::Infra,
                attempts: 1,
                ..
            }
        ),
        "{:?}",
        run.statuses
    );
    assert_eq!(starts_of(&fake, "base@linux/amd64"), [1]);
    assert!(unreachable_events(&run.events).is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_engine_is_asked_now_and_then_while_cells_run_on_it() {
    let p = plan(&[("base", &[])], &["linux/amd64"]);
    let fake = Fake::new(Duration::from_secs(45));
    let run = run_until_settled(p, fake.clone(), settings(1, 1), |_, _| {}).await;
    assert!(run.statuses[0].is_green());
    let asked = fake.probes.lock().unwrap().clone();
    assert!(
        (3..=5).contains(&asked.len()) && asked.iter().all(|r| *r == Resource::Engine(None)),
        "{asked:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_build_that_outlives_its_engine_does_not_spin_the_scheduler() {
    // `api` hangs on, as buildx does against a frozen daemon; the engine stops answering.
    let p = plan(
        &[("base", &[]), ("api", &[]), ("web", &["base"])],
        &["linux/amd64"],
    );
    let fake = Fake::new(Duration::from_secs(30)).script("api@linux/amd64", vec![Script::Hang]);
    let engine = fake.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        engine.freeze(None);
    });
    let mut s = settings(2, 2);
    s.retry.engine_wait = Duration::from_secs(60);
    let api = idx(&p, "api@linux/amd64");
    let run = run_until_settled(p.clone(), fake.clone(), s, |ev, commands| {
        if matches!(ev, Event::GaveUp { .. }) {
            let _ = commands.send(Command::Cancel(api));
        }
    })
    .await;
    assert_eq!(unreachable_events(&run.events), [Resource::Engine(None)]);
    let gave_up: Vec<usize> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::GaveUp { failed, .. } => Some(*failed),
            _ => None,
        })
        .collect();
    // web became ready while the engine was away and waited; api hung on until canceled.
    assert_eq!(gave_up, [1]);
    assert!(matches!(
        run.statuses[idx(&p, "web@linux/amd64")],
        CellStatus::Failed {
            class: FailureClass::Infra,
            ..
        }
    ));
    let asked = fake.probes.lock().unwrap().len();
    assert!(asked < 60, "{asked} probes in about a minute");
}
