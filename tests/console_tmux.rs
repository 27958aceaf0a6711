//! The real console in tmux against the lab engine, as a person uses it: watch the grid, cancel
//! a running cell, fix and retry one failed cell, open the help, quit.

mod support;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use archgrid::build::state::StateFile;
use archgrid::model::{Outcome, RecordedStatus};
use support::lab::{self, fixture, fresh_tag};
use support::state::{outcomes, status};
use support::tmux::Tmux;

fn state(dir: &std::path::Path) -> StateFile {
    support::state::read(dir)
}

fn attempts(st: &StateFile, id: &str) -> usize {
    support::state::attempts(st, id).len()
}

fn buildx_processes() -> Vec<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-af", "docker-buildx|buildx build"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.contains("pgrep"))
        .map(str::to_string)
        .collect()
}

/// The buildx processes building `image` (the `docker buildx build` archgrid started and the
/// plugin it runs both carry the image's tag).
fn buildx_building(image: &str) -> Vec<String> {
    buildx_processes()
        .into_iter()
        .filter(|l| l.contains(image))
        .collect()
}

/// Milliseconds since the epoch, as state.json records when an attempt started.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// When each recorded attempt of `id` started, in milliseconds since the epoch.
fn starts_ms(st: &StateFile, id: &str) -> Vec<u64> {
    support::state::attempts(st, id)
        .iter()
        .map(|a| a.started.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64)
        .collect()
}

/// The selected cell is named in the log pane's border.
fn selected(screen: &str, id: &str) -> bool {
    screen.contains(&format!("{id} · "))
}

#[test]
fn console_builds_cancels_retries_one_cell_publishes_and_quits_clean() {
    lab::ensure();
    let tag = fresh_tag("console");
    let dir = fixture("console", &tag);
    std::fs::write(dir.path().join("slow/nonce"), &tag).unwrap();
    let bin = env!("CARGO_BIN_EXE_archgrid");
    let t = Tmux::start("archgrid-e2e", dir.path(), 160, 48);
    t.type_line(bin);

    // The grid comes up and builds: flaky fails (no marker yet), slow is running.
    let screen = t.wait_for(
        "app green, flaky failed, slow running",
        Duration::from_secs(120),
        |s| {
            let st = state(dir.path());
            s.contains("✘")
                && s.contains("slow: started")
                && status(&st, "app@linux/amd64") == Some(RecordedStatus::Green)
                && status(&st, "app@linux/arm64") == Some(RecordedStatus::Green)
        },
    );
    assert!(screen.contains("archgrid console"), "{screen}");
    let st = state(dir.path());
    assert_eq!(
        status(&st, "flaky@linux/arm64"),
        Some(RecordedStatus::Failed),
        "{st:?}"
    );
    for id in [
        "base@linux/amd64",
        "base@linux/arm64",
        "app@linux/amd64",
        "app@linux/arm64",
    ] {
        assert_eq!(status(&st, id), Some(RecordedStatus::Green), "{id}: {st:?}");
    }

    // Cancel the running cell: rows are base, app, flaky, slow; slow builds only amd64.
    let slow_image = format!("archgrid-test-console/slow:{tag}-amd64");
    assert!(
        !buildx_building(&slow_image).is_empty(),
        "slow is shown running but no buildx builds it: {:?}",
        buildx_processes()
    );
    t.keys(&["j", "j", "j"]);
    t.wait_for("slow to be selected", Duration::from_secs(5), |s| {
        selected(s, "slow@linux/amd64")
    });
    // Its buildx is gone within seconds of the key, not whenever the run ends.
    let pressed = Instant::now();
    t.keys(&["c"]);
    while !buildx_building(&slow_image).is_empty() {
        assert!(
            pressed.elapsed() < Duration::from_secs(5),
            "slow's buildx still runs {:?} after `c`: {:?}",
            pressed.elapsed(),
            buildx_building(&slow_image)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("slow's buildx ended {:?} after `c`", pressed.elapsed());
    t.wait_for("slow to be canceled", Duration::from_secs(30), |s| {
        s.contains("■") && attempts(&state(dir.path()), "slow@linux/amd64") == 1
    });
    let canceled = state(dir.path());
    assert_eq!(
        status(&canceled, "slow@linux/amd64"),
        Some(RecordedStatus::Canceled),
        "{canceled:?}"
    );
    assert_eq!(
        outcomes(&canceled, "slow@linux/amd64").first(),
        Some(&Outcome::Canceled)
    );

    // Fix flaky and retry just that cell.
    std::fs::write(dir.path().join("flaky/ready"), "yes\n").unwrap();
    t.keys(&["k", "l"]);
    t.wait_for("flaky to be selected", Duration::from_secs(5), |s| {
        selected(s, "flaky@linux/arm64")
    });
    let before = state(dir.path());
    let flaky_retried_at = now_ms();
    t.keys(&["r"]);
    t.wait_for("flaky to go green", Duration::from_secs(90), |_| {
        status(&state(dir.path()), "flaky@linux/arm64") == Some(RecordedStatus::Green)
    });
    let after = state(dir.path());
    // The canceled cell stayed canceled: nothing builds it.
    assert!(
        buildx_building(&slow_image).is_empty(),
        "retrying flaky started slow again: {:?}",
        buildx_building(&slow_image)
    );
    assert_eq!(
        attempts(&after, "flaky@linux/arm64"),
        attempts(&before, "flaky@linux/arm64") + 1
    );
    for id in [
        "base@linux/amd64",
        "base@linux/arm64",
        "app@linux/amd64",
        "app@linux/arm64",
        "slow@linux/amd64",
    ] {
        assert_eq!(
            attempts(&after, id),
            attempts(&before, id),
            "{id} was rebuilt: {after:?}"
        );
        assert_eq!(status(&after, id), status(&before, id), "{id}");
    }

    // Retry the canceled cell too; then every cell is green.
    t.keys(&["j", "h"]);
    t.wait_for("slow to be selected", Duration::from_secs(5), |s| {
        selected(s, "slow@linux/amd64")
    });
    let slow_retried_at = now_ms();
    t.keys(&["r"]);
    t.wait_for("every cell green", Duration::from_secs(120), |s| {
        s.contains("6/6 green")
    });

    // Each cell was built exactly as often as the story says: once, except the two that were
    // retried, and each retry started only after its own `r`.
    let built = state(dir.path());
    use Outcome::{Canceled, Failed, Green};
    for (id, want) in [
        ("base@linux/amd64", vec![Green]),
        ("base@linux/arm64", vec![Green]),
        ("app@linux/amd64", vec![Green]),
        ("app@linux/arm64", vec![Green]),
        ("flaky@linux/arm64", vec![Failed, Green]),
        ("slow@linux/amd64", vec![Canceled, Green]),
    ] {
        assert_eq!(attempts(&built, id), want.len(), "{id}: {built:?}");
        assert_eq!(outcomes(&built, id), want, "{id}: {built:?}");
    }
    assert_eq!(built.cells.len(), 6, "{built:?}");
    let flaky_starts = starts_ms(&built, "flaky@linux/arm64");
    assert!(
        flaky_starts[1] >= flaky_retried_at,
        "flaky's second attempt started before its `r`: {flaky_starts:?} < {flaky_retried_at}"
    );
    let slow_starts = starts_ms(&built, "slow@linux/amd64");
    assert!(
        slow_starts[1] >= slow_retried_at,
        "slow's second attempt started before its own `r`: {slow_starts:?} < {slow_retried_at}"
    );

    // Publish: a confirm popup lists each manifest list, then every row is marked.
    t.keys(&["p"]);
    t.wait_for("the publish popup", Duration::from_secs(10), |s| {
        s.contains("Create 4 manifest lists")
    });
    t.keys(&["y"]);
    t.wait_for(
        "every row published and verified",
        Duration::from_secs(120),
        |s| s.matches("✔ verified").count() == 4,
    );
    for (component, platforms) in [
        ("base", vec!["linux/amd64", "linux/arm64"]),
        ("app", vec!["linux/amd64", "linux/arm64"]),
        ("flaky", vec!["linux/arm64"]),
        ("slow", vec!["linux/amd64"]),
    ] {
        let list = format!("localhost:5000/archgrid-test-console/{component}:{tag}");
        let out = support::lab::docker(&["buildx", "imagetools", "inspect", "--raw", &list]);
        assert_eq!(out.code, 0, "{list}: {}", out.all());
        let index: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let mut got: Vec<String> = index["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}/{}",
                    m["platform"]["os"].as_str().unwrap(),
                    m["platform"]["architecture"].as_str().unwrap()
                )
            })
            .collect();
        got.sort();
        assert_eq!(got, platforms, "{list}");
        for m in index["manifests"].as_array().unwrap() {
            let arch = m["platform"]["architecture"].as_str().unwrap();
            let st = state(dir.path());
            let cell = support::state::record(&st, &format!("{component}@linux/{arch}"))
                .and_then(|r| r.digest.clone());
            assert_eq!(m["digest"].as_str(), cell.as_deref(), "{list} {arch}");
        }
    }

    // The help popup lists the bindings.
    t.keys(&["?"]);
    let help = t.wait_for("the help popup", Duration::from_secs(5), |s| {
        s.contains("retry-failed")
    });
    assert!(help.contains("cancel") && help.contains("quit"), "{help}");
    t.keys(&["Escape"]);
    t.wait_for("the help popup to close", Duration::from_secs(5), |s| {
        !s.contains("retry-failed")
    });

    // Quit: nothing runs, so no question; the shell is back and no buildx is left.
    t.keys(&["q"]);
    let shell = t.wait_for("the shell prompt", Duration::from_secs(30), |s| {
        s.lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end() == "e2e$")
    });
    assert!(
        !shell.contains("┌ Grid"),
        "the console is still drawn:\n{shell}"
    );
    assert!(
        buildx_processes().is_empty(),
        "left behind: {:?}",
        buildx_processes()
    );
}
