//! The real faults of a long run, induced on the lab while archgrid builds: the engine killed
//! and restarted, the registry stopped during pushes, the bridge device deleted. Every test here
//! holds the lab lock exclusively: no other test builds while the lab is broken.

#[path = "../support/mod.rs"]
mod support;

mod doctor_bridge;
mod publish_registry;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use archgrid::model::{FailureClass, Outcome, RecordedStatus};
use support::faults;
use support::lab::{self, fixture, fresh_tag};
use support::tmux::Tmux;

const ALONE: Duration = Duration::from_secs(1800);

/// A background archgrid, killed if the test fails before it ends, so no build outlives it.
struct Background(Option<Child>);

impl Background {
    fn child(&mut self) -> &mut Child {
        self.0.as_mut().expect("still running")
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `archgrid ARGS` in `dir`, started in the background with its output piped.
fn start(dir: &Path, args: &[&str]) -> Background {
    let child = Command::new(env!("CARGO_BIN_EXE_archgrid"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start archgrid");
    Background(Some(child))
}

/// Waits for the run up to `limit`; kills it past that and fails with what it printed.
fn finish(mut run: Background, limit: Duration) -> lab::Output {
    let mut child = run.0.take().expect("still running");
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (mut stdout, mut stderr) = (String::new(), String::new());
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut stdout)
                .unwrap();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return lab::Output {
                code: status.code().unwrap_or(-1),
                stdout,
                stderr,
            };
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out: lab::Output = child.wait_with_output().unwrap().into();
            panic!("archgrid did not finish within {limit:?}:\n{}", out.all());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until state.json records every cell of `ids` green; fails after two minutes.
fn wait_green(dir: &Path, ids: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let st = support::state::read(dir);
        let green = |id: &&str| support::state::status(&st, id) == Some(RecordedStatus::Green);
        if ids.iter().all(green) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{ids:?} not green after 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// How many times the headless output says `[component platform] started`.
fn starts(out: &lab::Output, cell: &str) -> usize {
    let prefix = format!("[{cell}] started");
    out.stdout
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .count()
}

#[test]
fn a_run_waits_out_a_killed_engine_and_ends_green() {
    let _alone = lab::exclusive_lab(ALONE, "kills the engine");
    let dir = fixture("naps", &fresh_tag("engine-kill"));
    let started = Instant::now();
    let run = start(dir.path(), &["build", "--no-cache"]);
    // Ten cells: base on both platforms (a few seconds), then eight naps of 8 s, four at a time.
    // The kill comes once base is green on both, and at least 10 s in: naps are running then.
    wait_green(dir.path(), &["base@linux/amd64", "base@linux/arm64"]);
    if let Some(rest) = Duration::from_secs(10).checked_sub(started.elapsed()) {
        std::thread::sleep(rest);
    }
    let engine = faults::kill_engine();
    std::thread::sleep(Duration::from_secs(25));
    engine.now();
    let out = finish(run, Duration::from_secs(600));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("10/10 cells green"), "{}", out.all());
    assert!(
        out.stdout.contains("engine unreachable since 00:0"),
        "the wait is shown: {}",
        out.all()
    );
    assert!(
        out.stdout.contains("engine answers again after"),
        "{}",
        out.all()
    );
    assert!(!out.stdout.contains("FAILED"), "{}", out.all());
    // Green before the kill, never built again.
    for cell in ["base linux/amd64", "base linux/arm64"] {
        assert_eq!(starts(&out, cell), 1, "{cell}: {}", out.all());
    }
    // The builds the kill ended were given their attempt back.
    let st = support::state::read(dir.path());
    let given_back = st
        .cells
        .values()
        .flat_map(|c| &c.attempts)
        .filter(|a| a.outcome == Outcome::Failed && a.given_back)
        .count();
    assert!(given_back >= 1, "{}", out.all());
    for (id, cell) in &st.cells {
        assert_eq!(cell.status, Some(RecordedStatus::Green), "{id}");
    }
}

#[test]
fn pushes_wait_out_a_stopped_registry() {
    let _alone = lab::exclusive_lab(ALONE, "stops the registry");
    let dir = fixture("naps", &fresh_tag("registry-stop"));
    // Short naps: most cells reach their push while the registry is away.
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix)
        .unwrap()
        .replace("NAP = \"8\"", "NAP = \"2\"");
    std::fs::write(&matrix, text).unwrap();
    let run = start(dir.path(), &["build", "--no-cache"]);
    std::thread::sleep(Duration::from_secs(3));
    let registry = faults::stop_registry();
    std::thread::sleep(Duration::from_secs(20));
    registry.now();
    let out = finish(run, Duration::from_secs(600));
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("10/10 cells green"), "{}", out.all());
    assert!(
        out.stdout
            .contains("registry localhost:5000 unreachable since"),
        "{}",
        out.all()
    );
}

#[test]
fn a_missing_bridge_is_infra_not_the_dockerfile() {
    let _alone = lab::exclusive_lab(ALONE, "deletes the engine's bridge");
    let dir = fixture("naps", &fresh_tag("bridge"));
    let bridge = faults::delete_bridge();
    let out = lab::archgrid(dir.path(), &["build", "--no-cache", "--only", "base"]);
    drop(bridge);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("failed (infra: the engine could not attach the build to its network; see doctor's \"bridge network\" check)"),
        "{}",
        out.all()
    );
    let st = support::state::read(dir.path());
    for id in ["base@linux/amd64", "base@linux/arm64"] {
        let attempts = support::state::attempts(&st, id);
        assert_eq!(attempts.len(), 1, "{id}: not retried blindly");
        assert_eq!(attempts[0].class, Some(FailureClass::Infra), "{id}");
    }
    assert!(
        out.stdout
            .contains("doctor (run after the first infra failure)"),
        "{}",
        out.all()
    );
}

#[test]
fn the_console_shows_the_engine_outage_and_recovers() {
    let _alone = lab::exclusive_lab(ALONE, "kills the engine");
    let dir = fixture("naps", &fresh_tag("console-kill"));
    let t = Tmux::start("archgrid-faults", dir.path(), 140, 40);
    t.type_line(&format!("{} --no-cache", env!("CARGO_BIN_EXE_archgrid")));
    t.wait_for("naps running", Duration::from_secs(120), |s| {
        s.contains("alpha") && s.contains("napping")
    });
    let engine = faults::kill_engine();
    let screen = t.wait_for(
        "the header to show the wait",
        Duration::from_secs(60),
        |s| s.contains("engine unreachable since") && s.contains("waiting"),
    );
    assert!(screen.contains("⏸"), "waiting cells are marked: {screen}");
    std::thread::sleep(Duration::from_secs(5));
    let later = t.screen();
    assert_ne!(
        header(&screen),
        header(&later),
        "the wait keeps ticking:\n{screen}\n{later}"
    );
    engine.now();
    t.wait_for("the grid to go green", Duration::from_secs(300), |s| {
        s.contains("10/10 green") && !s.contains("unreachable since")
    });
    t.keys(&["q"]);
}

fn header(screen: &str) -> String {
    screen.lines().take(2).collect::<Vec<_>>().join("\n")
}
