//! The scheduler with a fake runner: order, bounds, retries, blocking, commands.

mod fake;
mod history;
mod load;
mod outages;
mod priority;
mod warm;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use archgrid::build::history::History;
use archgrid::build::scheduler::{self, Command, Event, Limit, Settings};
use archgrid::config::RetryPolicy;
use archgrid::model::{CellStatus, FailureClass, Outcome, Platform};
use archgrid::plan::{Cell, Edge, Plan};
use fake::{Fake, Script};
use tokio::sync::mpsc;
use tokio::time::Instant;

fn platform(s: &str) -> Platform {
    s.parse().unwrap()
}

/// A plan from (component, deps) pairs over the given platforms, cells in dependency order.
fn plan(components: &[(&str, &[&str])], platforms: &[&str]) -> Plan {
    let platforms: Vec<Platform> = platforms.iter().map(|p| platform(p)).collect();
    let mut cells: Vec<Cell> = Vec::new();
    for (name, deps) in components {
        for p in &platforms {
            let index = cells.len();
            let deps = deps
                .iter()
                .map(|d| {
                    cells
                        .iter()
                        .find(|c| c.component == *d && &c.platform == p)
                        .unwrap()
                        .index
                })
                .collect::<Vec<usize>>();
            let edges = deps.iter().copied().map(Edge::declared).collect();
            cells.push(Cell {
                index,
                component: name.to_string(),
                platform: p.clone(),
                image: format!("r/{name}:t-{}", p.arch_tag()),
                argv: vec![],
                deps,
                edges,
                reads: Vec::new(),
                context: PathBuf::from("/nonexistent"),
                dockerfile: PathBuf::from("/nonexistent/Dockerfile"),
                builder: None,
                docker_context: None,
                metadata_file: PathBuf::from("/nonexistent/m.json"),
                log_file: PathBuf::from("/nonexistent/l.log"),
                chain: 0,
                steps: 1,
                emulated: false,
                warm: None,
            });
        }
    }
    // chain lengths, as Plan::new computes them
    for i in (0..cells.len()).rev() {
        let chain = cells[i].chain;
        for d in cells[i].deps.clone() {
            cells[d].chain = cells[d].chain.max(chain + 1);
        }
    }
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(cells[i].chain), i));
    Plan {
        project: "t".into(),
        tag: "t".into(),
        registry: None,
        components: components.iter().map(|(n, _)| n.to_string()).collect(),
        platforms,
        cells,
        order,
        dep_findings: Vec::new(),
        strict_deps: false,
        state_dir: PathBuf::from("/nonexistent"),
    }
}

fn settings(concurrency: usize, attempts: u32) -> Settings {
    Settings {
        concurrency: Limit::Fixed(concurrency),
        platform_limits: BTreeMap::new(),
        routed: BTreeSet::new(),
        retry: RetryPolicy {
            attempts,
            backoff: Duration::from_secs(5),
            engine_wait: Duration::from_secs(60),
        },
        no_cache: false,
    }
}

struct Run {
    statuses: Vec<CellStatus>,
    events: Vec<Event>,
}

/// How long a test may wait on the scheduler, in the test's clock: far more than any test's
/// builds and backoffs take. The tests run with time paused, so when the scheduler waits for
/// something that will never come, the clock jumps straight to the deadline and the test fails
/// at once instead of hanging.
const BOUND: Duration = Duration::from_secs(300);

fn deadline() -> Instant {
    Instant::now() + BOUND
}

/// Awaits `fut` until `deadline` at the latest; past it, fails saying what it was waiting for.
async fn by<T>(
    deadline: Instant,
    what: impl FnOnce() -> String,
    fut: impl Future<Output = T>,
) -> T {
    match tokio::time::timeout_at(deadline, fut).await {
        Ok(value) => value,
        Err(_) => panic!("still waiting after {BOUND:?} for {}", what()),
    }
}

/// Drives the scheduler until it settles, sending `commands` when `when` matches an event.
async fn run_until_settled(
    plan: Plan,
    fake: Fake,
    settings: Settings,
    react: impl FnMut(&Event, &mpsc::UnboundedSender<Command>),
) -> Run {
    run_recording(plan, fake, settings, None, react).await
}

/// [`run_until_settled`], recording green attempts in `history`.
async fn run_recording(
    plan: Plan,
    fake: Fake,
    settings: Settings,
    history: Option<Arc<History>>,
    mut react: impl FnMut(&Event, &mpsc::UnboundedSender<Command>),
) -> Run {
    let n = plan.cells.len();
    let mut handle = scheduler::spawn(
        Arc::new(plan),
        Arc::new(fake),
        settings,
        vec![CellStatus::Queued; n],
        None,
        history,
    );
    let mut statuses = vec![CellStatus::Queued; n];
    let mut events = Vec::new();
    let until = deadline();
    loop {
        let ev = by(
            until,
            || format!("the scheduler to settle; cells stand at {statuses:?}"),
            handle.events.recv(),
        )
        .await
        .expect("the scheduler ended before it settled");
        if let Event::Status { cell, status } = &ev {
            statuses[*cell] = status.clone();
        }
        react(&ev, &handle.commands);
        let settled = matches!(ev, Event::Settled);
        events.push(ev);
        if settled {
            break;
        }
    }
    drop(handle.commands);
    drop(handle.events);
    by(
        until,
        || "the scheduler task to end once the front end is gone".into(),
        handle.task,
    )
    .await
    .unwrap();
    Run { statuses, events }
}

/// A reaction that cancels `target` as soon as it runs.
fn cancel_when_running(target: usize) -> impl FnMut(&Event, &mpsc::UnboundedSender<Command>) {
    move |ev, cmds| {
        if let Event::Status {
            cell,
            status: CellStatus::Running { .. },
        } = ev
        {
            if *cell == target {
                cmds.send(Command::Cancel(target)).unwrap();
            }
        }
    }
}

fn idx(plan: &Plan, id: &str) -> usize {
    plan.cells.iter().find(|c| c.id() == id).unwrap().index
}

#[tokio::test(start_paused = true)]
async fn dependencies_start_after_their_own_platform_only() {
    let p = plan(
        &[("base", &[]), ("app", &["base"])],
        &["linux/amd64", "linux/arm64"],
    );
    let fake = Fake::new(Duration::from_secs(1)).script("base@linux/arm64", vec![Script::Green]);
    let log = fake.log.clone();
    let run = run_until_settled(p, fake, settings(8, 1), |_, _| {}).await;
    assert!(
        run.statuses.iter().all(CellStatus::is_green),
        "{:?}",
        run.statuses
    );
    let l = log.lock().unwrap();
    let pos = |id: &str| l.started.iter().position(|(s, _, _)| s == id).unwrap();
    let fin = |id: &str| l.finished.iter().position(|s| s == id).unwrap();
    // every app cell starts after its own platform's base finished
    assert!(pos("app@linux/arm64") >= 2);
    assert!(fin("base@linux/arm64") < fin("app@linux/arm64"));
    assert!(fin("base@linux/amd64") < fin("app@linux/amd64"));
}

#[tokio::test(start_paused = true)]
async fn concurrency_bound_is_never_exceeded() {
    let comps: Vec<(String, Vec<&str>)> = (0..12).map(|i| (format!("c{i}"), vec![])).collect();
    let comps_ref: Vec<(&str, &[&str])> = comps
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let p = plan(&comps_ref, &["linux/amd64", "linux/arm64", "linux/arm/v7"]);
    let fake = Fake::new(Duration::from_millis(700));
    let log = fake.log.clone();
    let run = run_until_settled(p, fake, settings(5, 1), |_, _| {}).await;
    assert_eq!(run.statuses.iter().filter(|s| s.is_green()).count(), 36);
    let l = log.lock().unwrap();
    assert_eq!(l.max_running, 5, "bound reached but never exceeded");
    assert_eq!(l.started.len(), 36);
}

#[tokio::test(start_paused = true)]
async fn per_platform_limit_holds() {
    let comps: Vec<(String, Vec<&str>)> = (0..6).map(|i| (format!("c{i}"), vec![])).collect();
    let comps_ref: Vec<(&str, &[&str])> = comps
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let p = plan(&comps_ref, &["linux/amd64", "linux/arm64"]);
    let fake = Fake::new(Duration::from_millis(300));
    let log = fake.log.clone();
    let mut s = settings(8, 1);
    s.platform_limits.insert(platform("linux/arm64"), 2);
    run_until_settled(p, fake, s, |_, _| {}).await;
    let l = log.lock().unwrap();
    assert_eq!(l.max_per_platform["linux/arm64"], 2);
    assert!(l.max_per_platform["linux/amd64"] > 2);
}

#[tokio::test(start_paused = true)]
async fn longest_chain_starts_first() {
    let p = plan(
        &[
            ("solo", &[]),
            ("base", &[]),
            ("mid", &["base"]),
            ("top", &["mid"]),
        ],
        &["linux/amd64"],
    );
    let fake = Fake::new(Duration::from_secs(1));
    let log = fake.log.clone();
    run_until_settled(p, fake, settings(1, 1), |_, _| {}).await;
    let l = log.lock().unwrap();
    assert_eq!(l.started[0].0, "base@linux/amd64");
}

#[tokio::test(start_paused = true)]
async fn failure_blocks_only_dependents() {
    let p = plan(
        &[
            ("base", &[]),
            ("broken", &["base"]),
            ("child", &["broken"]),
            ("solo", &[]),
        ],
        &["linux/amd64", "linux/arm64"],
    );
    let text = "ERROR: failed to solve: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3";
    let fake = Fake::new(Duration::from_millis(500))
        .script("broken@linux/arm64", vec![Script::Fail(text)]);
    let log = fake.log.clone();
    let run = run_until_settled(p.clone(), fake, settings(4, 3), |_, _| {}).await;
    let st = |id: &str| run.statuses[idx(&p, id)].clone();
    // The cell reads BuildKit's verdict first, then the command it came from.
    assert_eq!(
        st("broken@linux/arm64"),
        CellStatus::Failed {
            class: FailureClass::Permanent,
            reason: "exit 3 in RUN exit 3".into(),
            attempts: 1
        }
    );
    assert_eq!(
        st("child@linux/arm64"),
        CellStatus::Blocked {
            by: idx(&p, "broken@linux/arm64")
        }
    );
    for ok in [
        "base@linux/arm64",
        "base@linux/amd64",
        "broken@linux/amd64",
        "child@linux/amd64",
        "solo@linux/arm64",
        "solo@linux/amd64",
    ] {
        assert!(st(ok).is_green(), "{ok}: {:?}", st(ok));
    }
    let l = log.lock().unwrap();
    assert!(
        !l.started.iter().any(|(id, _, _)| id == "child@linux/arm64"),
        "blocked cell never starts"
    );
    // permanent: tried once
    assert_eq!(
        l.started
            .iter()
            .filter(|(id, _, _)| id == "broken@linux/arm64")
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn transient_failure_is_retried_with_doubling_backoff() {
    let p = plan(&[("app", &[])], &["linux/arm64"]);
    let flaky = "ERROR: failed to solve: failed to do request: Head \"http://127.0.0.1:5000/v2/x\": read tcp 127.0.0.1:1->127.0.0.1:5000: read: connection reset by peer";
    let fake = Fake::new(Duration::from_millis(100)).script(
        "app@linux/arm64",
        vec![Script::Fail(flaky), Script::Fail(flaky), Script::Green],
    );
    let log = fake.log.clone();
    let t0 = tokio::time::Instant::now();
    let run = run_until_settled(p, fake, settings(1, 3), |_, _| {}).await;
    assert!(run.statuses[0].is_green());
    let retries: Vec<Duration> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Status {
                status: CellStatus::Retrying { delay, .. },
                ..
            } => Some(*delay),
            _ => None,
        })
        .collect();
    assert_eq!(retries.len(), 2);
    // 5s then 10s, each within ±20% jitter
    assert!(
        retries[0] >= Duration::from_secs(4) && retries[0] <= Duration::from_secs(6),
        "{retries:?}"
    );
    assert!(
        retries[1] >= Duration::from_secs(8) && retries[1] <= Duration::from_secs(12),
        "{retries:?}"
    );
    assert!(t0.elapsed() >= retries[0] + retries[1]);
    let attempts: Vec<u32> = log
        .lock()
        .unwrap()
        .started
        .iter()
        .map(|(_, a, _)| *a)
        .collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    let ended: Vec<_> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::AttemptEnded { record, .. } => Some((record.outcome, record.retried)),
            _ => None,
        })
        .collect();
    assert_eq!(
        ended,
        vec![
            (Outcome::Failed, true),
            (Outcome::Failed, true),
            (Outcome::Green, false)
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn transient_failure_gives_up_after_attempts() {
    let p = plan(&[("app", &[])], &["linux/amd64"]);
    let flaky = "ERROR: failed to solve: DeadlineExceeded: i/o timeout";
    let fake = Fake::new(Duration::from_millis(100)).script(
        "app@linux/amd64",
        vec![
            Script::Fail(flaky),
            Script::Fail(flaky),
            Script::Fail(flaky),
            Script::Green,
        ],
    );
    let log = fake.log.clone();
    let run = run_until_settled(p, fake, settings(1, 3), |_, _| {}).await;
    assert!(
        matches!(run.statuses[0], CellStatus::Failed { attempts: 3, .. }),
        "{:?}",
        run.statuses[0]
    );
    assert_eq!(log.lock().unwrap().started.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn cancel_ends_a_running_cell_and_blocks_its_dependents() {
    let p = plan(
        &[("base", &[]), ("app", &["base"]), ("solo", &[])],
        &["linux/amd64"],
    );
    let fake = Fake::new(Duration::from_millis(100)).script("base@linux/amd64", vec![Script::Hang]);
    let base = idx(&p, "base@linux/amd64");
    let run = run_until_settled(p.clone(), fake, settings(4, 1), cancel_when_running(base)).await;
    assert_eq!(run.statuses[base], CellStatus::Canceled);
    assert_eq!(
        run.statuses[idx(&p, "app@linux/amd64")],
        CellStatus::Blocked { by: base }
    );
    assert!(run.statuses[idx(&p, "solo@linux/amd64")].is_green());
}

#[tokio::test(start_paused = true)]
async fn retry_rebuilds_one_cell_and_unblocks_its_dependents() {
    let p = plan(
        &[("base", &[]), ("app", &["base"]), ("solo", &[])],
        &["linux/amd64", "linux/arm64"],
    );
    let fail = "ERROR: failed to solve: process \"/bin/sh -c test -f /src/ready\" did not complete successfully: exit code: 1";
    let fake = Fake::new(Duration::from_millis(100))
        .script("base@linux/arm64", vec![Script::Fail(fail), Script::Green]);
    let log = fake.log.clone();
    let n = p.cells.len();
    let mut handle = scheduler::spawn(
        Arc::new(p.clone()),
        Arc::new(fake),
        settings(4, 3),
        vec![CellStatus::Queued; n],
        None,
        None,
    );
    let mut statuses = vec![CellStatus::Queued; n];
    let mut settles = 0;
    let until = deadline();
    while let Some(ev) = by(
        until,
        || format!("settle {} of 2; cells stand at {statuses:?}", settles + 1),
        handle.events.recv(),
    )
    .await
    {
        match ev {
            Event::Status { cell, status } => statuses[cell] = status,
            Event::Settled => {
                settles += 1;
                if settles == 1 {
                    let base = idx(&p, "base@linux/arm64");
                    assert!(matches!(statuses[base], CellStatus::Failed { .. }));
                    assert!(matches!(
                        statuses[idx(&p, "app@linux/arm64")],
                        CellStatus::Blocked { .. }
                    ));
                    handle.commands.send(Command::Retry(base)).unwrap();
                } else {
                    break;
                }
            }
            _ => {}
        }
    }
    assert!(statuses.iter().all(CellStatus::is_green), "{statuses:?}");
    let l = log.lock().unwrap();
    // first round: 5 cells started (app@arm64 blocked); second round: only base@arm64 and app@arm64
    let second: Vec<&str> = l.started[5..]
        .iter()
        .map(|(id, _, _)| id.as_str())
        .collect();
    assert_eq!(second, vec!["base@linux/arm64", "app@linux/arm64"]);
}

#[tokio::test(start_paused = true)]
async fn rebuild_without_cache_passes_the_option() {
    let p = plan(&[("app", &[])], &["linux/amd64"]);
    let fake = Fake::new(Duration::from_millis(100));
    let log = fake.log.clone();
    let mut handle = scheduler::spawn(
        Arc::new(p),
        Arc::new(fake),
        settings(1, 1),
        vec![CellStatus::Queued],
        None,
        None,
    );
    let mut settles = 0;
    let until = deadline();
    while let Some(ev) = by(
        until,
        || format!("settle {} of 2 around the rebuild", settles + 1),
        handle.events.recv(),
    )
    .await
    {
        if matches!(ev, Event::Settled) {
            settles += 1;
            if settles == 1 {
                handle
                    .commands
                    .send(Command::Rebuild {
                        cell: 0,
                        no_cache: true,
                    })
                    .unwrap();
            } else {
                break;
            }
        }
    }
    let l = log.lock().unwrap();
    assert_eq!(l.started.len(), 2);
    assert!(!l.started[0].2.no_cache);
    assert!(l.started[1].2.no_cache);
}

#[tokio::test(start_paused = true)]
async fn pause_holds_new_starts_until_resume() {
    let p = plan(&[("a", &[]), ("b", &[]), ("c", &[])], &["linux/amd64"]);
    let fake = Fake::new(Duration::from_secs(1));
    let log = fake.log.clone();
    let mut handle = scheduler::spawn(
        Arc::new(p),
        Arc::new(fake),
        settings(1, 1),
        vec![CellStatus::Queued; 3],
        None,
        None,
    );
    handle.commands.send(Command::Pause).unwrap();
    let mut paused_seen = false;
    let until = deadline();
    while let Some(ev) = by(
        until,
        || {
            format!(
                "the grid to settle while paused or after resume ({} started)",
                log.lock().unwrap().started.len()
            )
        },
        handle.events.recv(),
    )
    .await
    {
        match ev {
            Event::Paused(true) => paused_seen = true,
            Event::Settled => {
                let started = log.lock().unwrap().started.len();
                if started < 3 {
                    assert!(paused_seen);
                    // settled while paused with cells still queued: only the first one ran
                    assert_eq!(started, 1);
                    handle.commands.send(Command::Resume).unwrap();
                } else {
                    break;
                }
            }
            _ => {}
        }
    }
    assert_eq!(log.lock().unwrap().started.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn log_lines_arrive_before_the_attempt_ends() {
    let p = plan(&[("a", &[])], &["linux/amd64"]);
    let run = run_until_settled(
        p,
        Fake::new(Duration::from_millis(10)),
        settings(1, 1),
        |_, _| {},
    )
    .await;
    let log_at = run
        .events
        .iter()
        .position(|e| matches!(e, Event::Build { .. }))
        .unwrap();
    let end_at = run
        .events
        .iter()
        .position(|e| matches!(e, Event::AttemptEnded { .. }))
        .unwrap();
    assert!(log_at < end_at);
}
