//! A cache-warming build on the lab: worker reads api only by `COPY --from`, so its long RUN
//! starts while api still builds, and its real build uses that RUN instead of running it again.

mod support;

use support::lab::{self, archgrid, fixture, fresh_tag};

#[test]
fn the_steps_before_copy_from_run_once_while_the_dependency_builds() {
    lab::ensure();
    let tag = fresh_tag("warm");
    let dir = fixture("warm", &tag);
    let dockerfile = dir.path().join("worker/Dockerfile");
    let text = std::fs::read_to_string(&dockerfile).unwrap();
    std::fs::write(&dockerfile, text.replace("NONCE", &tag)).unwrap();

    let plan = archgrid(dir.path(), &["plan"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(
        plan.stdout
            .contains("warms: the steps before worker/Dockerfile:3 while api builds"),
        "{}",
        plan.all()
    );

    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = |what: &str| {
        lines
            .iter()
            .position(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no line with {what:?} in\n{}", out.all()))
    };
    let warming = at("[worker linux/arm64] warming the cache: the steps before");
    assert!(
        out.stdout
            .contains("worker/Dockerfile:3 build while api@linux/arm64 builds"),
        "{}",
        out.all()
    );
    let worker_run = lines
        .iter()
        .position(|l| l.starts_with("[worker linux/arm64] step") && l.contains("RUN"))
        .unwrap_or_else(|| panic!("worker's RUN never showed:\n{}", out.all()));
    let api_green = at("[api linux/arm64] green in");
    assert!(
        warming < worker_run && worker_run < api_green,
        "worker's RUN began before api was green:\n{}",
        out.all()
    );

    // The build cache holds that RUN once: the real build did not run it again.
    let du = lab::docker(&["buildx", "du", "--verbose"]);
    assert_eq!(du.code, 0, "{}", du.all());
    let records = du
        .stdout
        .lines()
        .filter(|l| l.starts_with("Description:") && l.contains(&format!("worker {tag}")))
        .count();
    assert_eq!(records, 1, "{}", du.stdout);

    let warm_log = dir.path().join(".archgrid/logs/worker-arm64.warm.log");
    let warm_log = std::fs::read_to_string(&warm_log).unwrap();
    assert!(warm_log.contains("--output type=cacheonly"), "{warm_log}");
    assert!(!warm_log.contains("--push"), "{warm_log}");
    let real = lab::docker(&[
        "run",
        "--rm",
        "--platform",
        "linux/arm64",
        &format!("localhost:5000/archgrid-test-warm/worker:{tag}-arm64"),
        "cat",
        "/worker.out",
        "/api.out",
    ]);
    assert_eq!(real.code, 0, "{}", real.all());
    assert_eq!(real.stdout, format!("worker {tag} 600000\napi 100000\n"));
}
