//! The docker and archgrid commands the benchmark runs, each an argument vector.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// Runs `program args` in `dir`, its output to `log`; the exit code and the wall time.
pub fn timed(program: &str, args: &[&str], dir: &Path, log: &Path) -> (i32, f64) {
    let out = std::fs::File::create(log).expect("log file");
    let err = out.try_clone().expect("log file");
    let t0 = Instant::now();
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    (status.code().unwrap_or(-1), t0.elapsed().as_secs_f64())
}

/// Runs a command that must succeed; its stdout.
pub fn must(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    if !out.status.success() {
        panic!(
            "{program} {args:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Empties the build cache and drops the scenario's images from the engine, so every run
/// starts cold; the registry keeps what it has, and both tools overwrite the same tags.
pub fn cold_start(registry: &str, dir: &Path) {
    must("docker", &["buildx", "prune", "--all", "--force"], dir);
    let images = must(
        "docker",
        &["image", "ls", "--format", "{{.Repository}}:{{.Tag}}"],
        dir,
    );
    let ours: Vec<&str> = images
        .lines()
        .filter(|l| l.starts_with(&format!("{registry}/")))
        .collect();
    if !ours.is_empty() {
        let mut args = vec!["image", "rm", "--force"];
        args.extend(ours);
        must("docker", &args, dir);
    }
}
