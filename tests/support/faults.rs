//! Real faults induced on the lab: the engine killed, its bridge deleted, the registry stopped.
//! Each comes with a guard that brings the lab back through `scripts/lab up` when dropped, so a
//! failing test still leaves a working lab for the next one. Callers hold
//! `lab::exclusive_lab` for as long as the fault lasts.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::lab;

fn run_dir() -> PathBuf {
    let state =
        std::env::var("ARCHGRID_LAB_STATE").unwrap_or_else(|_| "/var/lib/archgrid-lab".into());
    PathBuf::from(state).join("run")
}

/// The pid a lab pidfile names, checked to be that program: a stale file must not make a test
/// signal an unrelated process.
fn pid_of(file: &str, program: &str) -> i32 {
    let path = run_dir().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; this test needs an engine and registry that `scripts/lab up` started",
            path.display()
        )
    });
    let pid: i32 = text
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}: {text:?}", path.display()));
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    assert_eq!(
        comm.trim(),
        program,
        "{} names pid {pid}, which is not {program}",
        path.display()
    );
    pid
}

fn signal(pid: i32, signal: &str) {
    let out = Command::new("kill")
        .args([signal, &pid.to_string()])
        .output()
        .expect("run kill");
    assert!(
        out.status.success(),
        "kill {signal} {pid}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn alive(pid: i32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn wait_gone(pid: i32, what: &str) {
    // dockerd stops its containers first, each within its stop timeout.
    let deadline = Instant::now() + Duration::from_secs(90);
    while alive(pid) {
        assert!(Instant::now() < deadline, "{what} ({pid}) did not exit");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `scripts/lab up`, which starts whatever is not running; panics with its output if it fails.
pub fn lab_up() {
    let out = Command::new(lab::repo().join("scripts/lab"))
        .arg("up")
        .output()
        .expect("run scripts/lab up");
    assert!(
        out.status.success(),
        "scripts/lab up: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Brings the lab back on drop.
pub struct Restore {
    restored: bool,
}

impl Restore {
    pub fn now(mut self) {
        self.restored = true;
        lab_up();
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        if !self.restored {
            lab_up();
        }
    }
}

/// `kill -9` of the lab's dockerd, as a crash or an OOM kill would.
pub fn kill_engine() -> Restore {
    let pid = pid_of("dockerd.pid", "dockerd");
    signal(pid, "-KILL");
    wait_gone(pid, "dockerd");
    Restore { restored: false }
}

/// Stops the lab's registry.
pub fn stop_registry() -> Restore {
    let pid = pid_of("registry.pid", "docker-registry");
    signal(pid, "-TERM");
    wait_gone(pid, "the registry");
    Restore { restored: false }
}

/// Deletes the engine's default bridge device; the restore stops dockerd cleanly so that
/// `scripts/lab up` starts one that creates docker0 again.
pub fn delete_bridge() -> RestartEngine {
    let pid = pid_of("dockerd.pid", "dockerd");
    let out = Command::new("ip")
        .args(["link", "delete", "docker0"])
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "ip link delete docker0: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    RestartEngine(pid)
}

pub struct RestartEngine(i32);

impl Drop for RestartEngine {
    fn drop(&mut self) {
        let pid = self.0;
        signal(pid, "-TERM");
        wait_gone(pid, "dockerd");
        lab_up();
    }
}
