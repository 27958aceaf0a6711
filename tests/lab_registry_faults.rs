//! The lab registry stopped under a running command. A binary of its own: every test here holds
//! the lab lock exclusively, so no build of any test process pushes while the registry is down.

mod support;

use std::fs::File;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::lab::{self, archgrid, docker, fixture, fresh_tag};

const REGISTRY_PID: &str = "/var/lib/archgrid-lab/run/registry.pid";
const DEMO_REGISTRY: &str = "localhost:5000/archgrid-demo";
const DEMO: [&str; 5] = ["base", "app", "worker", "frontend", "gateway"];
/// How long the registry stays down once publish has started.
const DOWN_FOR: Duration = Duration::from_secs(20);
/// From the registry's return to publish's end: every list, created and verified.
const FINISHES_WITHIN: Duration = Duration::from_secs(300);

/// The lab registry, stopped; dropped, `scripts/lab up` starts it again, also when the test
/// panics.
struct RegistryDown {
    restarted: bool,
}

impl RegistryDown {
    fn stop() -> RegistryDown {
        let pid = std::fs::read_to_string(REGISTRY_PID)
            .unwrap_or_else(|e| panic!("cannot read {REGISTRY_PID}: {e}"));
        let down = RegistryDown { restarted: false };
        let killed = Command::new("kill")
            .args(["-TERM", pid.trim()])
            .status()
            .expect("run kill");
        assert!(killed.success(), "kill -TERM {} failed", pid.trim());
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(lab::REGISTRY).is_ok() {
            assert!(
                Instant::now() < deadline,
                "the registry still accepts connections 30s after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        down
    }

    fn restart(&mut self) {
        self.restarted = true;
        let out = Command::new(lab::repo().join("scripts/lab"))
            .arg("up")
            .output()
            .expect("run scripts/lab up");
        assert!(
            out.status.success(),
            "scripts/lab up failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for RegistryDown {
    fn drop(&mut self) {
        if !self.restarted {
            self.restarted = true;
            let up = Command::new(lab::repo().join("scripts/lab"))
                .arg("up")
                .status();
            if !up.is_ok_and(|s| s.success()) {
                eprintln!("could not start the registry again; run scripts/lab up");
            }
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn cell_digest(dir: &Path, id: &str) -> String {
    let state = support::state::read(dir);
    state.cells[id]
        .digest
        .clone()
        .unwrap_or_else(|| panic!("no digest for {id}"))
}

/// The images of a list as the registry serves it, attestations left out: (platform, digest).
fn list_images(reference: &str) -> Vec<(String, String)> {
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

#[test]
fn a_publish_issued_during_a_registry_outage_finishes_after_it_returns() {
    // Declared first, so the registry is back before the lab lock is shared again.
    let _alone = lab::exclusive_lab(Duration::from_secs(1800), "stops the registry");
    let tag = fresh_tag("regdown");
    let dir = fixture("demo", &tag);
    let dir = dir.path();
    let built = archgrid(dir, &["build"]);
    assert_eq!(built.code, 0, "{}", built.all());

    let mut down = RegistryDown::stop();
    let (out, err) = (dir.join("publish.out"), dir.join("publish.err"));
    let mut publish = Command::new(env!("CARGO_BIN_EXE_archgrid"))
        .arg("publish")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(File::create(&out).unwrap())
        .stderr(File::create(&err).unwrap())
        .spawn()
        .expect("start archgrid publish");
    let output = || format!("--- stdout\n{}\n--- stderr\n{}", read(&out), read(&err));
    std::thread::sleep(DOWN_FOR);
    assert!(
        publish.try_wait().unwrap().is_none(),
        "publish ended while the registry was down:\n{}",
        output()
    );
    let waiting = read(&out);
    assert_eq!(
        waiting
            .matches("registry localhost:5000 unreachable since ")
            .count(),
        1,
        "{}",
        output()
    );
    assert!(
        waiting.contains(", waiting (up to 15m, [retry] engine_wait)\n"),
        "{}",
        output()
    );

    down.restart();
    let back = Instant::now();
    let status = loop {
        if let Some(status) = publish.try_wait().unwrap() {
            break status;
        }
        if back.elapsed() > FINISHES_WITHIN {
            let _ = publish.kill();
            panic!(
                "publish still ran {}s after the registry came back:\n{}",
                FINISHES_WITHIN.as_secs(),
                output()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!(
        "publish finished {:.1}s after the registry came back",
        back.elapsed().as_secs_f64()
    );
    assert_eq!(status.code(), Some(0), "{}", output());
    let stdout = read(&out);
    assert!(
        stdout.contains("registry localhost:5000 answers again after "),
        "{}",
        output()
    );
    // The first command of the first list met the outage; the rest ran with the registry back.
    assert!(
        stdout.contains("[base] retried 1× after: connection refused (registry)\n"),
        "{}",
        output()
    );
    assert!(
        stdout.contains("published: 5 pushed, 0 unchanged"),
        "{}",
        output()
    );
    for comp in DEMO {
        let reference = format!("{DEMO_REGISTRY}/{comp}:{tag}");
        assert!(
            stdout.contains(&format!("[{comp}] created {reference}\n")),
            "{}",
            output()
        );
        let mut want: Vec<(String, String)> = ["linux/amd64", "linux/arm64"]
            .iter()
            .map(|p| (p.to_string(), cell_digest(dir, &format!("{comp}@{p}"))))
            .collect();
        want.sort();
        assert_eq!(list_images(&reference), want, "{reference}");
    }
}
