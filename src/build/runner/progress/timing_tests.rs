//! `StepEnded` against buildx's own rawjson captures: each step that completed cleanly ends
//! once, with BuildKit's timing and its cache flag.

use std::time::Duration;

use super::*;
use crate::build::runner::rawjson::RawJsonDecoder;

const CAPTURES: [&str; 7] = [
    "rawjson-raw-full.txt",
    "rawjson-cacheonly-raw.txt",
    "rawjson-sample.txt",
    "rawjson-pull-raw.txt",
    "rawjson-fail-raw.txt",
    "rawjson-sample-fail.txt",
    "rawjson-canceled-raw.txt",
];

fn run(name: &str) -> (Vec<BuildEvent>, ProgressTracker) {
    let mut decoder = RawJsonDecoder::new();
    let mut tracker = ProgressTracker::new();
    let mut events = Vec::new();
    for chunk in crate::samples::bytes(name).chunks(512) {
        for status in decoder.push(chunk) {
            events.extend(tracker.apply(&status));
        }
    }
    for status in decoder.finish().0 {
        events.extend(tracker.apply(&status));
    }
    events.extend(tracker.finish());
    (events, tracker)
}

fn ended(events: &[BuildEvent]) -> Vec<(&str, Duration, bool)> {
    events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::StepEnded {
                step,
                duration,
                cached,
            } => Some((step.as_str(), *duration, *cached)),
            _ => None,
        })
        .collect()
}

#[test]
fn every_step_that_completed_cleanly_ends_once() {
    for name in CAPTURES {
        let (events, tracker) = run(name);
        let mut ended: Vec<&str> = ended(&events).iter().map(|e| e.0).collect();
        let mut clean: Vec<&str> = tracker
            .vertices
            .values()
            .filter(|v| v.completed && v.error.is_none())
            .map(|v| v.name.as_str())
            .collect();
        ended.sort();
        clean.sort();
        assert!(!ended.is_empty(), "{name}");
        assert_eq!(ended, clean, "{name}");
    }
}

#[test]
fn cache_hits_are_flagged_and_took_no_real_time() {
    for name in CAPTURES {
        let (events, tracker) = run(name);
        let ended = ended(&events);
        let mut flagged: Vec<&str> = ended.iter().filter(|e| e.2).map(|e| e.0).collect();
        let mut cached = tracker.cached_steps();
        flagged.sort();
        cached.sort();
        assert_eq!(flagged, cached, "{name}");
        for (step, duration, is_cached) in ended {
            if is_cached {
                assert!(duration < Duration::from_millis(1), "{name}: {step}");
            }
        }
    }
    let (events, _) = run("rawjson-pull-raw.txt");
    assert!(ended(&events).iter().all(|e| !e.2));
}

#[test]
fn durations_come_from_the_vertex_timestamps() {
    let (events, _) = run("rawjson-raw-full.txt");
    let ended = ended(&events);
    let run_step = "[stage-1 1/2] RUN echo \"cachebust=891\" &&     echo \"arch=$(uname -m)\" && echo warn-on-stderr >&2";
    let of = |step: &str| ended.iter().find(|e| e.0 == step).unwrap().1;
    // 09:54:07.077979987 to 09:54:07.203801062 in the capture.
    assert_eq!(of(run_step), Duration::from_nanos(125_821_075));
    // 09:54:07.555937679 to 09:54:07.637144588.
    assert_eq!(
        of("pushing 127.0.0.1:5000/research/sample:arm64 with docker"),
        Duration::from_nanos(81_206_909)
    );
    // The build's steps all ran within the second the capture spans.
    let total: Duration = ended.iter().map(|e| e.1).sum();
    assert!(total > Duration::ZERO && total < Duration::from_secs(1));
}

#[test]
fn a_step_ends_after_its_last_output_line() {
    let (events, _) = run("rawjson-raw-full.txt");
    let step = "[stage-1 1/2] RUN echo \"cachebust=891\" &&     echo \"arch=$(uname -m)\" && echo warn-on-stderr >&2";
    let last_log = events
        .iter()
        .rposition(|e| matches!(e, BuildEvent::Log { step: s, .. } if s == step))
        .unwrap();
    let end = events
        .iter()
        .position(|e| matches!(e, BuildEvent::StepEnded { step: s, .. } if s == step))
        .unwrap();
    assert!(last_log < end);
}

#[test]
fn failed_and_canceled_steps_do_not_end() {
    for (name, step) in [
        (
            "rawjson-fail-raw.txt",
            "[stage-1 2/2] RUN echo \"about to fail\" && echo oops >&2 && exit 3",
        ),
        (
            "rawjson-canceled-raw.txt",
            "[3/3] RUN echo start 1506; sleep 30; echo end",
        ),
    ] {
        let (events, _) = run(name);
        assert!(ended(&events).iter().all(|e| e.0 != step), "{name}");
        assert!(events
            .iter()
            .any(|e| matches!(e, BuildEvent::StepError { step: s, .. } if s == step)));
    }
}

#[test]
fn timestamps_of_any_fraction_length_are_read() {
    assert_eq!(
        step_duration(
            Some("2026-11-22T09:54:07.07346587Z"),
            "2026-11-22T09:54:08.1Z"
        ),
        Duration::from_nanos(1_026_534_130)
    );
    assert_eq!(
        step_duration(Some("2026-11-22T09:54:07Z"), "2026-11-22T09:55:19.5Z"),
        Duration::from_millis(72_500)
    );
    // A cache hit may come without a start; a clock that went back is no time either.
    assert_eq!(step_duration(None, "2026-11-22T09:54:07Z"), Duration::ZERO);
    assert_eq!(
        step_duration(Some("2026-11-22T09:54:08Z"), "2026-11-22T09:54:07Z"),
        Duration::ZERO
    );
    assert_eq!(step_duration(Some("t0"), "t1"), Duration::ZERO);
}
