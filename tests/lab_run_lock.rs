//! One run per matrix: a second `archgrid build` in the same folder is refused while the first
//! runs, and a run killed with SIGKILL blocks no one after it.

mod support;

use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use archgrid::build::lock::Holder;
use support::lab::{self, archgrid, fixture, fresh_tag};

/// How long a started run may take to hold the lock.
const LOCK_TAKEN_WITHIN: Duration = Duration::from_secs(30);

/// `archgrid ARGS` in `dir`, its output in files beside the matrix so no pipe fills up.
fn start(dir: &Path, args: &[&str], name: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_archgrid"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(File::create(dir.join(format!("{name}.out"))).unwrap())
        .stderr(File::create(dir.join(format!("{name}.err"))).unwrap())
        .spawn()
        .expect("start archgrid")
}

fn output_of(dir: &Path, name: &str) -> String {
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}")));
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        read("out").unwrap_or_default(),
        read("err").unwrap_or_default()
    )
}

fn holder(dir: &Path) -> Option<Holder> {
    let text = std::fs::read_to_string(dir.join(".archgrid/lock")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Waits until `child` holds the lock in `dir`.
fn wait_for_lock(dir: &Path, child: &mut Child, name: &str) -> Holder {
    let deadline = Instant::now() + LOCK_TAKEN_WITHIN;
    loop {
        if let Some(h) = holder(dir).filter(|h| h.pid == child.id()) {
            return h;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "the run ended ({status}) before it was seen holding the lock:\n{}",
                output_of(dir, name)
            );
        }
        assert!(
            Instant::now() < deadline,
            "no lock held by pid {} after {}s:\n{}",
            child.id(),
            LOCK_TAKEN_WITHIN.as_secs(),
            output_of(dir, name)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_build_is_refused_while_the_first_runs_and_the_first_ends_green() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("lock"));
    let dir = dir.path();
    // --no-cache: every cell builds for real, so the first run outlasts the second's start.
    let mut first = start(dir, &["build", "--no-cache"], "first");
    let held = wait_for_lock(dir, &mut first, "first");
    assert_eq!(held.command, "archgrid build --no-cache");

    let asked = Instant::now();
    let second = archgrid(dir, &["build"]);
    let took = asked.elapsed();
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run ended before the second was refused; the test proves nothing:\n{}",
        output_of(dir, "first")
    );
    assert_eq!(second.code, 2, "{}", second.all());
    // Refused while the first still runs, as asserted above, is the point; how fast depends
    // on how loaded the machine is.
    eprintln!("refused after {took:?}");
    let first_line = second.stderr.lines().next().unwrap_or_default();
    assert!(
        first_line.starts_with(&format!(
            "error: another archgrid run (pid {}, started ",
            first.id()
        )),
        "{}",
        second.all()
    );
    assert!(
        first_line.ends_with(", command archgrid build --no-cache) holds .archgrid/lock"),
        "{}",
        second.all()
    );
    assert!(
        second
            .stderr
            .contains("  hint: wait for it to end, or stop it ("),
        "{}",
        second.all()
    );
    assert!(second.stdout.is_empty(), "{}", second.all());

    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{}", output_of(dir, "first"));
    assert!(
        output_of(dir, "first").contains("10/10 cells green"),
        "{}",
        output_of(dir, "first")
    );
    // A run that ended leaves the file, with no one named in it.
    assert_eq!(
        std::fs::read_to_string(dir.join(".archgrid/lock")).unwrap(),
        ""
    );
}

#[test]
fn a_run_killed_with_sigkill_leaves_its_lock_file_and_blocks_no_one() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("lockkill"));
    let dir = dir.path();
    let mut killed = start(dir, &["build", "--no-cache"], "killed");
    wait_for_lock(dir, &mut killed, "killed");
    // Child::kill is SIGKILL: no destructor, no handler runs.
    killed.kill().unwrap();
    killed.wait().unwrap();
    let left = holder(dir).expect("the killed run's details stay in the file");
    assert_eq!(left.pid, killed.id());

    let next = archgrid(dir, &["build"]);
    assert_eq!(next.code, 0, "{}", next.all());
    assert!(next.stdout.contains("10/10 cells green"), "{}", next.all());
}
