use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::plan::sample;

fn app() -> Cell {
    sample::plan(&[("app", &[], &[])], &["linux/arm64"]).cells[0].clone()
}

fn run(when_ms: u64, steps: &[(&str, u64, bool)]) -> GreenRun {
    GreenRun {
        when: UNIX_EPOCH + Duration::from_millis(when_ms),
        total: Duration::from_millis(steps.iter().map(|s| s.1).sum::<u64>() + 100),
        cached: false,
        steps: steps
            .iter()
            .map(|&(name, ms, cached)| StepTime {
                name: name.into(),
                duration: Duration::from_millis(ms),
                cached,
            })
            .collect(),
    }
}

#[test]
fn only_the_last_ten_green_attempts_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let history = History::load(dir.path());
    let cell = app();
    for i in 0..13 {
        history.record(&cell, run(i, &[("RUN make", 1000 + i, false)]));
    }
    let whens: Vec<u64> = history.read(|h| {
        h.runs(&cell.id())
            .iter()
            .map(|r| r.when.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64)
            .collect()
    });
    assert_eq!(whens, (3..13).collect::<Vec<u64>>());
    assert!(history.read(|h| h.runs("other@linux/amd64").is_empty()));
}

#[test]
fn the_writer_thread_puts_it_on_disk_and_a_reload_reads_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let cell = app();
    let first = run(
        1_700_000_000_000,
        &[
            ("[1/2] FROM alpine", 1200, true),
            ("[2/2] RUN make", 61_000, false),
        ],
    );
    let cached = GreenRun {
        cached: true,
        ..run(1_700_000_100_000, &[("[2/2] RUN make", 0, true)])
    };
    let history = History::load(dir.path());
    history.record(&cell, first.clone());
    history.record(&cell, cached.clone());
    history.flush();
    let text = std::fs::read_to_string(History::path_in(dir.path())).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let runs = &json["cells"]["app@linux/arm64"];
    assert_eq!(json["version"], 1);
    assert_eq!(runs[0]["when"], 1_700_000_000_000u64);
    assert_eq!(runs[0]["total"], 62_300);
    assert_eq!(
        runs[0]["steps"][1],
        serde_json::json!({"name": "[2/2] RUN make", "ms": 61_000, "cached": false})
    );
    assert_eq!(runs[0].get("cached"), None);
    assert_eq!(runs[1]["cached"], true);
    // Only history.json is left: the temp file was renamed over it.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["history.json"]);
    drop(history);
    let again = History::load(dir.path());
    assert_eq!(again.read(|h| h.runs(&cell.id()).to_vec()), [first, cached]);
}

#[test]
fn another_version_or_an_unreadable_file_is_an_empty_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = History::path_in(dir.path());
    let cell = app();
    let history = History::load(dir.path());
    history.record(&cell, run(1, &[("RUN make", 5, false)]));
    drop(history);
    assert!(!History::load(dir.path()).read(|h| h.runs(&cell.id()).is_empty()));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("\"version\": 1", "\"version\": 2")).unwrap();
    assert!(History::load(dir.path()).read(|h| h.cells.is_empty()));
    std::fs::write(&path, "{\"version\": 1, \"cells\": ").unwrap();
    assert!(History::load(dir.path()).read(|h| h.cells.is_empty()));
}
