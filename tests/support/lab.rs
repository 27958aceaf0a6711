//! The lab engine for integration tests: started through `scripts/lab up`, never assumed.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rustix::fs::FlockOperation;

pub const REGISTRY: &str = "127.0.0.1:5000";

/// Every test process that uses the lab holds this file locked shared from its first
/// `ensure()` until it exits; a test that breaks the lab on purpose (switches an emulator off,
/// kills the engine, deletes its bridge, stops the registry) holds it exclusively
/// (`exclusive_lab`). So no build of any test binary, in this run or a concurrent one, runs while
/// a fault is induced under it. A shell takes it with `flock -o /tmp/archgrid-lab.lock …`
/// (`-o`: the command must not inherit the lock, or a daemon it starts would hold it).
pub const LAB_LOCK: &str = "/tmp/archgrid-lab.lock";

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Starts the lab once per test binary. A lab that cannot start fails the test with the
/// script's own words; under CI=true there is no other outcome, and outside CI neither, since a
/// skipped engine test proves nothing.
pub fn ensure() {
    static SHARED: OnceLock<()> = OnceLock::new();
    SHARED.get_or_init(|| {
        flock(lab_lock(), FlockOperation::LockShared)
            .unwrap_or_else(|e| panic!("cannot lock {LAB_LOCK} shared: {e}"))
    });
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let result = UP.get_or_init(|| {
        let out = Command::new(repo().join("scripts/lab"))
            .arg("up")
            .output()
            .map_err(|e| format!("could not run scripts/lab up: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "scripts/lab up failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    });
    if let Err(why) = result {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        panic!(
            "this test needs the lab engine and it is not available{}: {why}",
            if ci { " (CI=true)" } else { "" }
        );
    }
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    pub fn all(&self) -> String {
        format!("--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// Starts the lab's second dockerd (context `archgrid-lab2`) through the script.
pub fn dockerd2_up() {
    let out = Command::new(repo().join("scripts/lab"))
        .args(["dockerd2", "up"])
        .output()
        .expect("run scripts/lab dockerd2 up");
    assert!(
        out.status.success(),
        "scripts/lab dockerd2 up failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the archgrid binary with argument vector `args`, from `dir`.
pub fn archgrid(dir: &Path, args: &[&str]) -> Output {
    archgrid_env(dir, args, &[])
}

pub fn archgrid_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_archgrid"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run archgrid");
    out.into()
}

pub fn docker(args: &[&str]) -> Output {
    let out = Command::new("docker")
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run docker");
    out.into()
}

/// A tag no earlier run used, so registry contents and build state start empty.
pub fn fresh_tag(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{name}-{}-{}", std::process::id(), nanos % 1_000_000_000)
}

/// A private copy of `tests/fixtures/NAME` (or the repo root's demo when NAME is "demo") with a
/// fresh tag, so each test has its own state directory and registry tags.
pub fn fixture(name: &str, tag: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("archgrid-{name}-"))
        .tempdir()
        .unwrap();
    let assets = repo().join("assets");
    let text = if name == "demo" {
        std::fs::read_to_string(repo().join("matrix.toml"))
            .unwrap()
            .replace("= \"assets/", &format!("= \"{}/", assets.display()))
    } else {
        let src = repo().join("tests/fixtures").join(name);
        copy_dir(&src, dir.path());
        std::fs::read_to_string(src.join("matrix.toml"))
            .unwrap()
            .replace("\"../../../assets/", &format!("\"{}/", assets.display()))
    };
    std::fs::write(
        dir.path().join("matrix.toml"),
        with_values(&text, &[("tag", tag)]),
    )
    .unwrap();
    dir
}

/// `text` with each line `KEY = …` that starts a line set to the given string value instead.
pub fn with_values(text: &str, values: &[(&str, &str)]) -> String {
    text.lines()
        .map(|l| {
            let key = l.split_once(" = ").map(|(k, _)| k);
            match values.iter().find(|(k, _)| Some(*k) == key) {
                Some((k, v)) => format!("{k} = \"{v}\""),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Copies the tree at `src` to `dst`, leaving out any `.archgrid` state.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap().flatten() {
        let to = dst.join(entry.file_name());
        if entry.file_name() == ".archgrid" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

fn lab_lock() -> &'static File {
    static FILE: OnceLock<File> = OnceLock::new();
    FILE.get_or_init(|| {
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(LAB_LOCK)
            .unwrap_or_else(|e| panic!("cannot open {LAB_LOCK}: {e}"))
    })
}

fn flock(file: &File, operation: FlockOperation) -> std::io::Result<()> {
    Ok(rustix::fs::flock(file, operation)?)
}

/// The lab lock held exclusively; dropping it goes back to shared. The file lock belongs to the
/// process, so tests of one binary that take it also take a mutex, one after another; a binary
/// that takes it must hold no lab test that does not.
pub struct ExclusiveLab(#[allow(dead_code)] std::sync::MutexGuard<'static, ()>);

/// Waits until no other test process uses the lab, up to `timeout`. Polls, since a blocking
/// request could wait forever behind a process that never ends.
pub fn exclusive_lab(timeout: Duration, why: &str) -> ExclusiveLab {
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let guard = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ensure();
    let deadline = Instant::now() + timeout;
    loop {
        // Converting shared to exclusive on the same descriptor gives the shared lock up
        // first, so two processes asking at once cannot deadlock.
        match flock(lab_lock(), FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => return ExclusiveLab(guard),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if Instant::now() > deadline {
                    panic!(
                        "other test processes kept {LAB_LOCK} for more than {}s; this test \
                         {why} and must run alone",
                        timeout.as_secs()
                    );
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("cannot lock {LAB_LOCK}: {e}"),
        }
    }
}

impl Drop for ExclusiveLab {
    fn drop(&mut self) {
        let _ = flock(lab_lock(), FlockOperation::LockShared);
    }
}

/// The demo's copy in `dir` without `[builder] network = "host"`, so RUN steps use the bridge.
pub fn without_host_network(dir: &Path) {
    let matrix = dir.join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap();
    assert!(text.contains("\nnetwork = \"host\"\n"), "{text}");
    std::fs::write(&matrix, text.replace("\nnetwork = \"host\"\n", "\n")).unwrap();
}

/// The doctor check named `name` in `archgrid doctor`'s output: its verdict line and the two
/// lines after it.
pub fn doctor_check<'a>(stdout: &'a str, name: &str) -> [&'a str; 3] {
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| {
            l.split_once(char::is_whitespace)
                .map(|(_, rest)| rest.trim())
                == Some(name)
        })
        .unwrap_or_else(|| panic!("no check {name:?} in:\n{stdout}"));
    [lines[at], lines[at + 1], lines[at + 2]]
}

/// What doctor's disk check must say on this machine, from df's own measure of the engine's
/// data root: "ok" at 10 GiB free or more, "warn" below. Near the line, where builds running
/// beside the test can move it either way, both are right.
pub fn disk_verdicts() -> &'static [&'static str] {
    const GIB: u64 = 1 << 30;
    let root = docker(&["info", "--format", "{{.DockerRootDir}}"]);
    assert_eq!(root.code, 0, "{}", root.all());
    let df = Command::new("df")
        .args(["--output=avail", "-B1", root.stdout.trim()])
        .output()
        .expect("df runs");
    assert!(
        df.status.success(),
        "{}",
        String::from_utf8_lossy(&df.stderr)
    );
    let free: u64 = String::from_utf8_lossy(&df.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .expect("df prints the free bytes");
    match free {
        f if f < 10 * GIB - GIB / 2 => &["warn"],
        f if f < 10 * GIB + GIB / 2 => &["ok", "warn"],
        _ => &["ok"],
    }
}

/// Asserts the disk check against [`disk_verdicts`] and returns how many ok and warn lines it
/// adds to doctor's tally.
pub fn assert_disk_check(stdout: &str) -> (usize, usize) {
    let [verdict, why, _] = doctor_check(stdout, "disk");
    let said = verdict.split_whitespace().next().unwrap_or_default();
    assert!(
        disk_verdicts().contains(&said),
        "disk: {verdict} (expected one of {:?})\n{why}",
        disk_verdicts()
    );
    assert!(why.contains(" free under "), "{why}");
    if said == "ok" {
        (1, 0)
    } else {
        (0, 1)
    }
}

/// Every check of `doctor --json` is ok, but disk, which is what [`disk_verdicts`] says.
pub fn assert_json_checks_pass(doc: &serde_json::Value) {
    for check in doc["checks"].as_array().expect("checks") {
        let level = check["level"].as_str().expect("level");
        if check["name"] == "disk" {
            assert!(disk_verdicts().contains(&level), "{check}");
        } else {
            assert_eq!(level, "ok", "{doc}");
        }
    }
}

/// The images of a list as the registry serves it, attestations left out: (platform, digest),
/// sorted.
pub fn list_images(reference: &str) -> Vec<(String, String)> {
    let out = docker(&["buildx", "imagetools", "inspect", "--raw", reference]);
    assert_eq!(out.code, 0, "{reference}: {}", out.all());
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut images: Vec<(String, String)> = v["manifests"]
        .as_array()
        .unwrap_or_else(|| panic!("{reference} is not a list: {}", out.stdout))
        .iter()
        .filter(|m| m["platform"]["os"] != "unknown")
        .map(|m| {
            (
                format!(
                    "{}/{}",
                    m["platform"]["os"].as_str().unwrap(),
                    m["platform"]["architecture"].as_str().unwrap()
                ),
                m["digest"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    images.sort();
    images
}
