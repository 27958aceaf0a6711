//! The real console in tmux against the lab engine, as a person uses it: watch the grid, cancel
//! a running cell, fix and retry one failed cell, open the help, quit.

mod support;

use std::time::Duration;

use support::lab::{self, fixture, fresh_tag};
use support::tmux::Tmux;

fn state(dir: &std::path::Path) -> serde_json::Value {
    std::fs::read_to_string(dir.join(".archgrid/state.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

fn attempts(st: &serde_json::Value, id: &str) -> usize {
    st["cells"][id]["attempts"]
        .as_array()
        .map_or(0, |a| a.len())
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
                && s.contains("RUN echo \"slow: started")
                && st["cells"]["app@linux/amd64"]["status"] == "green"
                && st["cells"]["app@linux/arm64"]["status"] == "green"
        },
    );
    assert!(screen.contains("archgrid console"), "{screen}");
    let st = state(dir.path());
    assert_eq!(st["cells"]["flaky@linux/arm64"]["status"], "failed", "{st}");
    for id in [
        "base@linux/amd64",
        "base@linux/arm64",
        "app@linux/amd64",
        "app@linux/arm64",
    ] {
        assert_eq!(st["cells"][id]["status"], "green", "{id}: {st}");
    }

    // Cancel the running cell: rows are base, app, flaky, slow; slow builds only amd64.
    t.keys(&["j", "j", "j"]);
    t.wait_for("slow to be selected", Duration::from_secs(5), |s| {
        selected(s, "slow@linux/amd64")
    });
    t.keys(&["c"]);
    t.wait_for("slow to be canceled", Duration::from_secs(30), |s| {
        s.contains("■") && attempts(&state(dir.path()), "slow@linux/amd64") == 1
    });
    let canceled = state(dir.path());
    assert_eq!(
        canceled["cells"]["slow@linux/amd64"]["status"], "canceled",
        "{canceled}"
    );
    assert_eq!(
        canceled["cells"]["slow@linux/amd64"]["attempts"][0]["outcome"],
        "canceled"
    );

    // Fix flaky and retry just that cell.
    std::fs::write(dir.path().join("flaky/ready"), "yes\n").unwrap();
    t.keys(&["k", "l"]);
    t.wait_for("flaky to be selected", Duration::from_secs(5), |s| {
        selected(s, "flaky@linux/arm64")
    });
    let before = state(dir.path());
    t.keys(&["r"]);
    t.wait_for("flaky to go green", Duration::from_secs(90), |_| {
        state(dir.path())["cells"]["flaky@linux/arm64"]["status"] == "green"
    });
    let after = state(dir.path());
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
            "{id} was rebuilt: {after}"
        );
        assert_eq!(
            after["cells"][id]["status"], before["cells"][id]["status"],
            "{id}"
        );
    }

    // Retry the canceled cell too; then every cell is green.
    t.keys(&["j", "h"]);
    t.wait_for("slow to be selected", Duration::from_secs(5), |s| {
        selected(s, "slow@linux/amd64")
    });
    t.keys(&["r"]);
    t.wait_for("every cell green", Duration::from_secs(120), |s| {
        s.contains("6/6 green")
    });

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
            let cell =
                state(dir.path())["cells"][format!("{component}@linux/{arch}")]["digest"].clone();
            assert_eq!(m["digest"], cell, "{list} {arch}");
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
