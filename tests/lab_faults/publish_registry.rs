//! A publish issued while the lab registry is stopped finishes once it is back.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::faults;
use crate::support::lab::{self, archgrid, fixture, fresh_tag, list_images};
use crate::support::state::digest as cell_digest;

const DEMO_REGISTRY: &str = "localhost:5000/archgrid-demo";
const DEMO: [&str; 5] = ["base", "app", "worker", "frontend", "gateway"];
/// How long the registry stays down once publish has started.
const DOWN_FOR: Duration = Duration::from_secs(20);
/// From the registry's return to publish's end: every list, created and verified.
const FINISHES_WITHIN: Duration = Duration::from_secs(300);

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
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

    let down = faults::stop_registry();
    let (out, err) = (dir.join("publish.out"), dir.join("publish.err"));
    let mut publish = crate::Background(Some(
        Command::new(env!("CARGO_BIN_EXE_archgrid"))
            .arg("publish")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .expect("start archgrid publish"),
    ));
    let output = || format!("--- stdout\n{}\n--- stderr\n{}", read(&out), read(&err));
    std::thread::sleep(DOWN_FOR);
    assert!(
        publish.child().try_wait().unwrap().is_none(),
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
        waiting.contains(", waiting (up to 15m00s, [retry] engine_wait)\n"),
        "{}",
        output()
    );

    down.now();
    let back = Instant::now();
    let status = loop {
        if let Some(status) = publish.child().try_wait().unwrap() {
            break status;
        }
        if back.elapsed() > FINISHES_WITHIN {
            let _ = publish.child().kill();
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
