//! The buildx runner against a stand-in `docker` program: argv reaches the child intact, the
//! rawjson stream becomes events, failures keep their text, cancel ends the whole group.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use archgrid::build::failure::summarize;
use archgrid::build::runner::{AttemptOutcome, BuildEvent, BuildxRunner, RunOpts, Runner};
use archgrid::model::redact::Redactor;
use archgrid::model::FailureClass;
use archgrid::plan::Cell;
use tokio::sync::{mpsc, watch};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/buildx-0.13.1");

/// A `docker` stand-in: records its argv NUL-separated, replays a captured stderr, writes the
/// metadata file it was given, then runs `tail` (for cancel tests) and exits with `code`.
fn fake_docker(dir: &Path, stderr_sample: &str, code: i32, hang: bool) -> PathBuf {
    let script = dir.join("docker");
    let argv = dir.join("argv");
    let body = format!(
        r#"#!/bin/bash
printf '%s\0' "$@" > '{argv}'
cat '{sample}' >&2
prev=""
for a in "$@"; do
  if [ "$prev" = "--metadata-file" ]; then
    printf '{{"containerimage.descriptor":{{"digest":"sha256:feed"}},"containerimage.digest":"sha256:other"}}' > "$a"
  fi
  prev="$a"
done
if [ {hang} = 1 ]; then
  echo $$ > '{dir}/pid'
  sleep 300 &
  echo $! > '{dir}/child'
  wait
fi
exit {code}
"#,
        argv = argv.display(),
        sample = stderr_sample,
        dir = dir.display(),
        hang = hang as u8,
    );
    std::fs::write(&script, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// A runner whose `docker` is the stand-in replaying the named reference sample.
fn fake_runner(dir: &Path, sample: &str, code: i32, hang: bool, grace: Duration) -> BuildxRunner {
    let docker = fake_docker(dir, &format!("{REFERENCE}/{sample}"), code, hang);
    BuildxRunner {
        docker,
        grace,
        ..BuildxRunner::default()
    }
}

fn cell(dir: &Path, argv: Vec<String>) -> Arc<Cell> {
    Arc::new(Cell {
        index: 0,
        component: "app".into(),
        platform: "linux/arm64".parse().unwrap(),
        image: "r/app:t-arm64".into(),
        argv,
        deps: vec![],
        edges: vec![],
        reads: vec![],
        context: dir.to_path_buf(),
        dockerfile: dir.join("Dockerfile"),
        builder: None,
        docker_context: None,
        metadata_file: dir.join("meta/app-arm64.json"),
        log_file: dir.join("logs/app-arm64.log"),
        chain: 0,
        steps: 1,
        emulated: false,
        warm: None,
    })
}

fn argv_for(dir: &Path) -> Vec<String> {
    vec![
        "buildx".into(),
        "build".into(),
        "--build-arg".into(),
        "GREETING=hello \"quoted\" $HOME world".into(),
        "--metadata-file".into(),
        dir.join("meta/app-arm64.json").display().to_string(),
        "--tag".into(),
        "with space".into(),
        dir.display().to_string(),
    ]
}

async fn run(
    runner: BuildxRunner,
    cell: Arc<Cell>,
    opts: RunOpts,
    cancel_after: Option<Duration>,
) -> (AttemptOutcome, Vec<BuildEvent>) {
    let (tx, mut rx) = mpsc::channel(16);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let collect = tokio::spawn(async move {
        let mut events = Vec::new();
        while let Some(ev) = rx.recv().await {
            events.push(ev);
        }
        events
    });
    if let Some(after) = cancel_after {
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            let _ = cancel_tx.send(true);
            // keep the sender alive until the attempt ends
            tokio::time::sleep(Duration::from_secs(30)).await;
        });
    } else {
        std::mem::forget(cancel_tx);
    }
    let outcome = runner.run(cell, 1, opts, tx, cancel_rx).await;
    (outcome, collect.await.unwrap())
}

fn recorded_argv(dir: &Path) -> Vec<String> {
    let bytes = std::fs::read(dir.join("argv")).unwrap();
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8(s.to_vec()).unwrap())
        .collect()
}

#[tokio::test]
async fn argv_reaches_the_child_unchanged_and_success_reads_the_digest() {
    let dir = tempfile::tempdir().unwrap();
    let runner = fake_runner(
        dir.path(),
        "rawjson-raw-full.txt",
        0,
        false,
        Duration::from_secs(2),
    );
    let argv = argv_for(dir.path());
    let (outcome, events) = run(
        runner,
        cell(dir.path(), argv.clone()),
        RunOpts::default(),
        None,
    )
    .await;
    assert_eq!(recorded_argv(dir.path()), argv);
    assert_eq!(
        outcome,
        AttemptOutcome::Green {
            digest: Some("sha256:feed".into()),
            cached: false
        }
    );
    assert!(events
        .iter()
        .any(|e| matches!(e, BuildEvent::Steps(s) if s.total == 9 && s.done == 9)));
    let log = std::fs::read_to_string(dir.path().join("logs/app-arm64.log")).unwrap();
    assert!(log.contains("# attempt 1"), "{log}");
    assert!(
        log.contains("'GREETING=hello \"quoted\" $HOME world'"),
        "{log}"
    );
    // Every step ends under the number it started with: the two base steps from the cache,
    // the others with BuildKit's time for them, as buildx's plain output has it.
    let number = |step: &str| {
        let line = log
            .lines()
            .find(|l| l.starts_with('#') && l.contains(step))
            .unwrap();
        line.split_once(' ').unwrap().0.to_string()
    };
    let ended: Vec<&str> = log
        .lines()
        .filter(|l| l.ends_with(" CACHED") || l.contains(" DONE "))
        .collect();
    assert_eq!(ended.len(), 9, "{log}");
    assert!(
        log.contains(&format!("{} CACHED\n", number("[base 1/2] COPY"))),
        "{log}"
    );
    // 125.8 ms in the capture.
    let run = number("[stage-1 1/2] RUN");
    assert!(log.contains(&format!("{run} DONE 0.1s\n")), "{log}");
}

#[tokio::test]
async fn no_cache_is_one_more_argument_before_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let runner = fake_runner(
        dir.path(),
        "rawjson-raw-full.txt",
        0,
        false,
        Duration::from_secs(2),
    );
    let argv = argv_for(dir.path());
    run(
        runner,
        cell(dir.path(), argv.clone()),
        RunOpts {
            no_cache: true,
            warm: false,
        },
        None,
    )
    .await;
    let got = recorded_argv(dir.path());
    assert_eq!(got.len(), argv.len() + 1);
    assert_eq!(got[got.len() - 2], "--no-cache");
    assert_eq!(got.last(), argv.last());
}

#[tokio::test]
async fn a_failed_run_keeps_the_trailer_as_failure_text() {
    let dir = tempfile::tempdir().unwrap();
    let runner = fake_runner(
        dir.path(),
        "rawjson-fail-raw.txt",
        1,
        false,
        Duration::from_secs(2),
    );
    let (outcome, events) = run(
        runner,
        cell(dir.path(), argv_for(dir.path())),
        RunOpts::default(),
        None,
    )
    .await;
    match outcome {
        AttemptOutcome::Failed {
            text,
            classification,
            exit_code,
        } => {
            assert!(text.contains(">>> RUN echo \"about to fail\""), "{text}");
            assert!(text.contains("ERROR: failed to solve:"), "{text}");
            assert_eq!(classification.class, FailureClass::Permanent);
            assert_eq!(exit_code, Some(1));
            // rawjson's trailer does not say which step failed or what it printed; the
            // runner adds both, and the summary reads them back.
            let run = r#"RUN echo "about to fail" && echo oops >&2 && exit 3"#;
            let summary = summarize(&text);
            assert_eq!(summary.cause, format!("exit 3 in {run}"));
            assert_eq!(
                summary.step.as_deref(),
                Some(format!("[stage-1 2/2] {run}").as_str())
            );
            assert_eq!(summary.output, ["about to fail", "oops"]);
        }
        other => panic!("{other:?}"),
    }
    let lines: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::Log { lines, .. } => Some(lines.iter()),
            _ => None,
        })
        .flatten()
        .collect();
    assert!(
        lines.contains(&"about to fail") && lines.contains(&"oops"),
        "{lines:?}"
    );
    let log = std::fs::read_to_string(dir.path().join("logs/app-arm64.log")).unwrap();
    assert!(
        log.contains("oops") && log.contains("ERROR: failed to solve"),
        "{log}"
    );
}

#[tokio::test]
async fn cancel_ends_the_child_and_everything_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let runner = fake_runner(
        dir.path(),
        "rawjson-canceled-raw.txt",
        0,
        true,
        Duration::from_millis(500),
    );
    let started = std::time::Instant::now();
    let (outcome, _) = run(
        runner,
        cell(dir.path(), argv_for(dir.path())),
        RunOpts::default(),
        Some(Duration::from_millis(700)),
    )
    .await;
    assert_eq!(outcome, AttemptOutcome::Canceled);
    assert!(started.elapsed() < Duration::from_secs(60));
    let child: i32 = std::fs::read_to_string(dir.path().join("child"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let pid = rustix::process::Pid::from_raw(child).unwrap();
    // the grandchild (sleep) was in the group and is gone too
    let mut alive = true;
    for _ in 0..50 {
        alive = rustix::process::test_kill_process(pid).is_ok();
        if !alive {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!alive, "the build's own child {child} outlived the cancel");
}

#[tokio::test]
async fn a_missing_docker_program_is_a_failure_naming_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let runner = BuildxRunner {
        docker: dir.path().join("no-such-docker"),
        grace: Duration::from_secs(1),
        ..BuildxRunner::default()
    };
    let (outcome, _) = run(
        runner,
        cell(dir.path(), argv_for(dir.path())),
        RunOpts::default(),
        None,
    )
    .await;
    match outcome {
        AttemptOutcome::Failed { text, .. } => assert!(text.contains("app@linux/arm64"), "{text}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_log_file_has_what_arrived_while_the_build_still_runs() {
    let dir = tempfile::tempdir().unwrap();
    let runner = fake_runner(
        dir.path(),
        "rawjson-sample.txt",
        0,
        true,
        Duration::from_millis(500),
    );
    let cell = cell(dir.path(), argv_for(dir.path()));
    let log_file = cell.log_file.clone();
    let (tx, mut rx) = mpsc::channel(16);
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let attempt =
        tokio::spawn(async move { runner.run(cell, 1, RunOpts::default(), tx, cancel_rx).await });
    // The stand-in has replayed its whole sample and now waits; nothing more will arrive.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut seen = String::new();
    while std::time::Instant::now() < deadline {
        seen = std::fs::read_to_string(&log_file).unwrap_or_default();
        if dir.path().join("child").exists() && seen.contains("\n#") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = cancel_tx.send(true);
    assert_eq!(attempt.await.unwrap(), AttemptOutcome::Canceled);
    let whole = std::fs::read_to_string(&log_file).unwrap();
    assert!(
        seen.starts_with("# attempt 1\n$ docker buildx build"),
        "{seen}"
    );
    let steps_seen = seen.lines().filter(|l| l.starts_with("#")).count();
    let steps_whole = whole.lines().filter(|l| l.starts_with("#")).count();
    assert!(
        steps_seen >= 2 && !seen.contains("# exit"),
        "while the build ran, the log held only:\n{seen}\n--- the whole log:\n{whole}"
    );
    assert!(steps_whole > steps_seen, "{whole}");
}

const SECRET: &str = "npm_S3cr3tT0k\u{e9}n";
const NETRC: &str = "machine registry.example\nlogin ci\npassword netrc-Pa55w0rd\n";

/// A rawjson stream in which a step prints the secret in two log messages, split inside the
/// value, and the netrc password on stderr; the step's name, a warning, its error and the
/// trailer name the secret too.
fn leaking_stream() -> (String, String) {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    let (head, tail) = SECRET.split_at(7);
    let step = format!("[2/2] RUN echo {SECRET} && cat /run/secrets/netrc >&2 && exit 1");
    let object = |value: serde_json::Value| format!("{value}\n");
    let log = |stream: i32, text: &str| {
        object(
            serde_json::json!({"logs": [{"vertex": "sha256:bb", "stream": stream, "data": STANDARD.encode(text)}]}),
        )
    };
    let error =
        format!("process \"/bin/sh -c echo {SECRET}\" did not complete successfully: exit code: 1");
    let stream = [
        object(serde_json::json!({"vertexes": [{"digest": "sha256:aa", "name": "[internal] load build definition from Dockerfile", "started": "t0", "completed": "t1"}]})),
        object(serde_json::json!({"vertexes": [{"digest": "sha256:bb", "name": step, "started": "t2"}]})),
        log(1, &format!("token: {head}")),
        log(1, &format!("{tail}!\n")),
        log(2, "password netrc-Pa55w0rd\n"),
        object(serde_json::json!({"warnings": [{"vertex": "sha256:bb", "level": 1, "short": STANDARD.encode(format!("SecretsUsedInArgOrEnv: {SECRET}\n"))}]})),
        object(serde_json::json!({"vertexes": [{"digest": "sha256:bb", "name": step, "started": "t2", "completed": "t3", "error": error}]})),
    ]
    .concat();
    let trailer = format!(
        "Dockerfile:3\n--------------------\n   3 | >>> RUN echo {SECRET}\n--------------------\nERROR: failed to solve: {error}\n"
    );
    (stream, trailer)
}

/// A `docker` stand-in that writes its stderr and stdout in pieces split inside the secret,
/// pausing between them so that each piece is a read of its own.
fn leaking_docker(dir: &Path) -> PathBuf {
    let (stream, trailer) = leaking_stream();
    let full = format!("{stream}{trailer}");
    let cut = full.rfind(SECRET).unwrap() + 5;
    let out = format!("stdout says {SECRET}\nand {SECRET}");
    let out_cut = out.find(SECRET).unwrap() + 3;
    let pieces = [
        ("err1", &full[..cut]),
        ("out1", &out[..out_cut]),
        ("err2", &full[cut..]),
        ("out2", &out[out_cut..]),
    ];
    let mut body = String::from("#!/bin/bash\n");
    for (name, text) in pieces {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let to = if name.starts_with("err") { ">&2" } else { "" };
        body.push_str(&format!("cat '{}' {to}\nsleep 0.2\n", file.display()));
    }
    body.push_str("exit 1\n");
    let script = dir.join("docker");
    std::fs::write(&script, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[tokio::test]
async fn secret_values_are_masked_in_events_log_and_failure_text() {
    let dir = tempfile::tempdir().unwrap();
    let runner = BuildxRunner {
        docker: leaking_docker(dir.path()),
        grace: Duration::from_secs(2),
        redactor: Arc::new(Redactor::new([SECRET.to_string(), NETRC.to_string()])),
    };
    let mut argv = argv_for(dir.path());
    argv.insert(2, format!("TOKEN={SECRET}"));
    argv.insert(2, "--build-arg".into());
    let (outcome, events) = run(runner, cell(dir.path(), argv), RunOpts::default(), None).await;
    let leaks = |text: &str| text.contains("S3cr3t") || text.contains("Pa55w0rd");

    let text = match outcome {
        AttemptOutcome::Failed { text, .. } => text,
        other => panic!("{other:?}"),
    };
    assert!(!leaks(&text), "{text}");
    assert!(text.contains(">>> RUN echo ***\n"), "{text}");
    assert!(
        text.contains("ERROR: failed to solve: process \"/bin/sh -c echo ***\""),
        "{text}"
    );
    let summary = summarize(&text);
    assert_eq!(
        summary.cause,
        "exit 1 in RUN echo *** && cat /run/secrets/netrc >&2 && exit 1"
    );
    assert_eq!(summary.output, ["token: ***!", "***"]);

    let shown = format!("{events:#?}");
    assert!(!leaks(&shown), "{shown}");
    let step = "[2/2] RUN echo *** && cat /run/secrets/netrc >&2 && exit 1";
    let lines: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| match e {
            BuildEvent::Log { step, lines, .. } => Some(lines.iter().map(|l| (step.as_str(), l))),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(lines, [(step, "token: ***!"), (step, "***")]);
    assert!(events
        .iter()
        .any(|e| matches!(e, BuildEvent::Steps(s) if s.current.as_deref() == Some(step))));
    assert!(events.contains(&BuildEvent::Warning("SecretsUsedInArgOrEnv: ***".into())));
    assert!(events.iter().any(|e| matches!(e, BuildEvent::StepError { step: s, error } if s == step && error.contains("echo ***"))));

    let log = std::fs::read_to_string(dir.path().join("logs/app-arm64.log")).unwrap();
    assert!(!leaks(&log), "{log}");
    for expected in [
        "--build-arg 'TOKEN=***'",
        &format!("#2 {step}"),
        "token: ***!",
        "stdout says ***\nand ***",
        "WARNING: SecretsUsedInArgOrEnv: ***",
        "ERROR: failed to solve: process",
    ] {
        assert!(log.contains(expected), "{expected:?} not in\n{log}");
    }
}
