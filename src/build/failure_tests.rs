//! Failure summaries of the real buildx 0.13.1 texts in tests/fixtures/buildx-0.13.1/.

use super::*;
use crate::build::runner::classify::classify;
use crate::build::runner::failure_facts::FailureFacts;
use crate::build::runner::progress::ProgressTracker;
use crate::build::runner::rawjson::RawJsonDecoder;
use crate::model::{FailureClass, InfraCause};

fn reference(name: &str) -> String {
    crate::samples::text(name)
}

/// A `## ` section of errors-sample.txt.
fn section(title_start: &str) -> String {
    let text = reference("errors-sample.txt");
    let mut body = None::<String>;
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            if body.is_some() {
                break;
            }
            if title.starts_with(title_start) {
                body = Some(String::new());
            }
        } else if let Some(body) = &mut body {
            body.push_str(line);
            body.push('\n');
        }
    }
    body.unwrap_or_else(|| panic!("no section {title_start}"))
}

/// The failure text the runner hands the scheduler for a captured rawjson stream: buildx's
/// trailer, then the failed step and its last output, as `BuildxRunner` assembles them.
fn runner_text(name: &str) -> String {
    let mut decoder = RawJsonDecoder::new();
    let mut tracker = ProgressTracker::new();
    let mut facts = FailureFacts::default();
    let mut statuses = decoder.push(&crate::samples::bytes(name));
    let (rest, trailer) = decoder.finish();
    statuses.extend(rest);
    for status in &statuses {
        for ev in tracker.apply(status) {
            facts.observe(&ev);
        }
    }
    for ev in tracker.finish() {
        facts.observe(&ev);
    }
    let text = facts.failure_text(&trailer, Some(1));
    facts.with_step_output(text)
}

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|l| l.to_string()).collect()
}

#[test]
fn a_run_that_exited_plain_progress() {
    let got = summarize(&reference("plain-fail.err"));
    let run = r#"echo "about to fail 7941"; echo oops >&2; exit 3"#;
    assert_eq!(got.cause, format!("exit 3 in RUN {run}"));
    assert_eq!(
        got.step.as_deref(),
        Some(format!("[3/3] RUN {run}").as_str())
    );
    assert_eq!(got.command.as_deref(), Some(run));
    assert_eq!(got.output, strings(&["about to fail 7941", "oops"]));
    assert_eq!(
        got.excerpt,
        strings(&[
            "Dockerfile.fail:6",
            "--------------------",
            r#"   4 |     RUN ["/bin/busybox", "--install", "-s", "/bin"]"#,
            "   5 |     ARG CACHEBUST=1",
            r#"   6 | >>> RUN echo "about to fail $CACHEBUST"; echo oops >&2; exit 3"#,
            "   7 |",
            "--------------------",
        ])
    );
    // The same text without plain progress's step lines reads the same.
    assert_eq!(summarize(&section("failed RUN")), got);
}

#[test]
fn a_run_that_exited_rawjson_progress() {
    let run = r#"echo "about to fail" && echo oops >&2 && exit 3"#;
    for name in ["rawjson-fail-raw.txt", "rawjson-sample-fail.txt"] {
        let got = summarize(&runner_text(name));
        assert_eq!(got.cause, format!("exit 3 in RUN {run}"), "{name}");
        assert_eq!(
            got.step.as_deref(),
            Some(format!("[stage-1 2/2] RUN {run}").as_str()),
            "{name}"
        );
        assert_eq!(got.output, strings(&["about to fail", "oops"]), "{name}");
        assert_eq!(
            got.excerpt.first().map(String::as_str),
            Some("Dockerfile.samplefail:9")
        );
        assert!(
            got.excerpt
                .iter()
                .any(|l| l == &format!("   9 | >>> RUN {run}")),
            "{name}: {:?}",
            got.excerpt
        );
        assert_eq!(got.excerpt.len(), 7, "{name}: {:?}", got.excerpt);
    }
}

#[test]
fn without_the_step_the_command_comes_from_the_process() {
    // buildx's trailer alone, as state.json kept it before steps were recorded.
    let (_, trailer) = {
        let mut decoder = RawJsonDecoder::new();
        decoder.push(&crate::samples::bytes("rawjson-fail-raw.txt"));
        decoder.finish()
    };
    let got = summarize(&trailer);
    assert_eq!(
        got.cause,
        r#"exit 3 in RUN echo "about to fail" && echo oops >&2 && exit 3"#
    );
    assert_eq!((got.step, got.output), (None, Vec::new()));
    // A vertex's error as the runner joins it when buildx printed no trailer.
    let got = summarize(
        "[2/2] RUN make: process \"/bin/sh -c make\" did not complete successfully: exit code: 2",
    );
    assert_eq!(got.cause, "exit 2 in RUN make");
    assert_eq!(got.step.as_deref(), Some("[2/2] RUN make"));
}

#[test]
fn a_run_the_engine_could_not_start_leads_with_the_engine() {
    let got = summarize(&runner_text("infra/bridge-missing.rawjson.err"));
    let engine = "failed to create endpoint c1wiy7q5n09dcp60f1p0ne1fx on network bridge: adding \
                  interface veth049a9f4 to bridge docker0 failed: Device does not exist";
    assert!(
        got.cause.starts_with(&format!(
            "{engine} in RUN [\"/bin/busybox\", \"sh\", \"-c\""
        )),
        "{}",
        got.cause
    );
    let command = got.command.unwrap();
    assert_eq!(command.chars().count(), COMMAND_MAX);
    assert!(command.ends_with('\u{2026}'), "{command}");
    assert_eq!(
        got.excerpt.first().map(String::as_str),
        Some("Dockerfile:4")
    );

    let got = summarize(&section("RUN needing network"));
    assert_eq!(
        got.cause,
        "network bridge not found in RUN /bin/busybox --install -s /bin"
    );
}

#[test]
fn a_foreign_binary_shows_what_runc_said() {
    let got = summarize(&runner_text("infra/exec-format-arm64.rawjson.err"));
    assert!(
        got.cause.starts_with("exit 1 in RUN [\"/bin/busybox\""),
        "{}",
        got.cause
    );
    assert_eq!(
        got.output,
        strings(&["exec /bin/busybox: exec format error"])
    );
}

#[test]
fn engine_sentences_without_buildx_prefixes() {
    let cases = [
        (
            "infra/no-space.rawjson.err",
            "write /var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/3/fs/blob: no space left on device",
        ),
        (
            "infra/daemon-killed.rawjson.err",
            "Unavailable: error reading from server: EOF",
        ),
        (
            "infra/daemon-down.err",
            "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
        ),
        (
            "infra/containerd-timeout.rawjson.err",
            "failed to read dockerfile: failed to create lease: connection error: desc = \"transport: error while dialing: dial unix:///var/run/docker/containerd/containerd.sock: timeout\": unavailable",
        ),
    ];
    for (name, cause) in cases {
        assert_eq!(summarize(&runner_text(name)).cause, cause, "{name}");
    }
}

#[test]
fn a_dockerfile_that_does_not_parse() {
    let got = summarize(&section("Dockerfile syntax error"));
    assert_eq!(
        got.cause,
        "dockerfile parse error on line 3: unknown instruction: COPYY (did you mean COPY?)"
    );
    assert_eq!(got.command, None);
}

#[test]
fn a_base_image_that_is_not_there() {
    let got = summarize(&section("base image tag missing"));
    assert_eq!(
        got.cause,
        "127.0.0.1:5000/research/doesnotexist:v9: not found"
    );
    // When the registry could not be asked, the image is named before why.
    let got = summarize(
        "ERROR: failed to solve: alpine:3.19: failed to resolve source metadata for docker.io/library/alpine:3.19: failed to do request: Head \"https://registry-1.docker.io/v2/library/alpine/manifests/3.19\": dial tcp: lookup registry-1.docker.io: i/o timeout",
    );
    assert!(
        got.cause
            .starts_with("docker.io/library/alpine:3.19: failed to do request: Head "),
        "{}",
        got.cause
    );
}

#[test]
fn a_copy_source_that_is_not_there() {
    let got = summarize(&reference("bake-run.err"));
    assert_eq!(
        got.cause,
        "\"/broken.txt\": not found in COPY broken.txt /component.txt"
    );
    assert_eq!(
        got.step.as_deref(),
        Some("[app-broken-linux-arm64 1/2] COPY broken.txt /component.txt")
    );
    assert!(got.output.is_empty());
    assert_eq!(
        got.excerpt.first().map(String::as_str),
        Some("Dockerfile.app:3")
    );
    assert_eq!(
        summarize(&section("COPY source missing")).cause,
        "\"/broken.txt\": not found"
    );
}

#[test]
fn the_cause_comes_from_buildkit_not_from_the_command() {
    // plain-fail.err with its RUN echoing engine words instead of `oops`: the command, the
    // step name and the output carry them, BuildKit's verdict stays `exit code: 3`.
    let words = "no space left on device";
    let text = reference("plain-fail.err")
        .replace("echo oops", &format!("echo '{words}'"))
        .replace(" oops\n", &format!(" {words}\n"));
    assert!(text.contains(&format!("0.086 {words}")), "{text}");
    let got = summarize(&text);
    let run = format!(r#"echo "about to fail 7941"; echo '{words}' >&2; exit 3"#);
    assert_eq!(got.cause, format!("exit 3 in RUN {run}"));
    assert_eq!(got.output, strings(&["about to fail 7941", words]));
    let class = classify(&text);
    assert_eq!((class.class, class.cause), (FailureClass::Permanent, None));

    // rawjson-fail-raw.txt's trailer with a RUN whose command holds BuildKit's own sentence,
    // double quotes and all: BuildKit escapes them inside its quotes, and the verdict is the
    // one after the closing quote.
    let (_, trailer) = {
        let mut decoder = RawJsonDecoder::new();
        decoder.push(&crate::samples::bytes("rawjson-fail-raw.txt"));
        decoder.finish()
    };
    let run = r#"echo "\" did not complete successfully: exit code: 7"; exit 3"#;
    let quoted = r#"echo \"\\\" did not complete successfully: exit code: 7\"; exit 3"#;
    let trailer = trailer
        .replace(
            r#"echo \"about to fail\" && echo oops >&2 && exit 3"#,
            quoted,
        )
        .replace(r#"echo "about to fail" && echo oops >&2 && exit 3"#, run);
    assert!(
        trailer.contains(quoted) && trailer.contains(run),
        "{trailer}"
    );
    let got = summarize(&trailer);
    assert_eq!(got.cause, format!("exit 3 in RUN {run}"));
    let class = classify(&trailer);
    assert_eq!(class.reason, "did not complete successfully: exit code");

    // Output lines are never the cause, even when they look like buildx's.
    let text = with_step_output(
        "ERROR: failed to solve: process \"/bin/sh -c ./build\" did not complete successfully: exit code: 1".into(),
        Some("[2/2] RUN ./build"),
        &["ERROR: failed to solve: no space left on device", "failed step: [9/9] RUN nothing"],
    );
    let got = summarize(&text);
    assert_eq!(got.cause, "exit 1 in RUN ./build");
    assert_eq!(got.step.as_deref(), Some("[2/2] RUN ./build"));
    assert_eq!(got.output.len(), 2);
}

#[test]
fn the_cause_leads_with_the_verdict_however_long_the_command() {
    let run = format!("apt-get update && apt-get install -y {}", "pkg ".repeat(60));
    let text = format!(
        "ERROR: failed to solve: process \"/bin/sh -c {run}\" did not complete successfully: exit code: 100"
    );
    let got = summarize(&text);
    assert!(
        got.cause.starts_with("exit 100 in RUN apt-get update && "),
        "{}",
        got.cause
    );
    let command = got.command.unwrap();
    assert_eq!(command.chars().count(), COMMAND_MAX);
    assert!(command.ends_with('\u{2026}'));
    assert_eq!(got.cause, format!("exit 100 in RUN {command}"));
}

#[test]
fn long_sentences_keep_what_failed_and_why() {
    let chain = format!(
        "ERROR: failed to solve: failed to push r/x:1: {}: dial tcp 127.0.0.1:5000: connect: connection refused",
        "failed to do request: Head \"https://r/v2/x/blobs/sha256:0d49\"".repeat(6)
    );
    let got = summarize(&chain).cause;
    assert!(got.chars().count() <= SENTENCE_MAX, "{got}");
    assert!(got.starts_with("failed to push r/x:1: \u{2026}: "), "{got}");
    assert!(got.ends_with("connect: connection refused"), "{got}");
    let one_part = format!("ERROR: {}", "x".repeat(300));
    let got = summarize(&one_part).cause;
    assert_eq!(got.chars().count(), SENTENCE_MAX);
    assert!(got.ends_with('\u{2026}'));
    let wide = format!("ERROR: {}", "\u{1f600}".repeat(300));
    assert_eq!(summarize(&wide).cause.chars().count(), SENTENCE_MAX);
}

#[test]
fn texts_without_structure() {
    assert_eq!(
        summarize(&section("unknown builder")).cause,
        "no builder \"nosuchbuilder\" found"
    );
    let (_, canceled) = {
        let mut decoder = RawJsonDecoder::new();
        decoder.push(&crate::samples::bytes("rawjson-canceled-raw.txt"));
        decoder.finish()
    };
    assert_eq!(summarize(&canceled).cause, "Canceled: context canceled");
    assert_eq!(
        summarize("warming up\nlast words  \n\n").cause,
        "last words"
    );
    assert_eq!(summarize(""), FailureSummary::default());
    assert_eq!(
        summarize("#6 ERROR: process \"x\" did not complete successfully: exit code: 2\n---\nDockerfile:1").cause,
        "exit 2 in RUN x"
    );
    assert_eq!(
        summarize(&reference("registry-down-imagetools.err")).cause,
        "failed to do request: Head \"http://127.0.0.1:5000/v2/cap/probe/manifests/1\": dial tcp 127.0.0.1:5000: connect: connection refused"
    );
}

#[test]
fn a_frame_that_never_closes_hides_nothing() {
    let text = "------\n > [2/2] RUN make:\n0.1 building\nDockerfile:2\n--------------------\n   2 | >>> RUN make\nERROR: failed to solve: process \"/bin/sh -c make\" did not complete successfully: exit code: 2";
    let got = summarize(text);
    assert_eq!(got.cause, "exit 2 in RUN make");
    assert_eq!((got.step, got.output, got.excerpt), (None, vec![], vec![]));
}

#[test]
fn everything_shown_is_sanitized() {
    let text = with_step_output(
        "Dockerfile:2\n--------------------\n   2 | >>> RUN \x1b[2Jx\n--------------------\nERROR: \x1b]0;pwned\x07bad\ttab".into(),
        Some("[1/1] RUN \x1b[31mx"),
        &["\x1b[2Jcleared", "a\u{202e}b"],
    );
    let got = summarize(&text);
    assert_eq!(got.cause, "bad     tab in RUN x");
    assert_eq!(got.step.as_deref(), Some("[1/1] RUN x"));
    assert_eq!(got.output, strings(&["cleared", "ab"]));
    assert_eq!(got.excerpt[2], "   2 | >>> RUN x");
    let got = summarize("ERROR: failed to solve: process \"/bin/sh -c echo \x1b[2J\" did not complete successfully: exit code: 1\x1b[0m");
    assert_eq!(got.cause, "exit 1 in RUN echo");
    let joined = format!("{got:?}");
    assert!(!joined.contains('\x1b'), "{joined}");
}

#[test]
fn at_most_ten_output_lines_without_plain_progress_times() {
    let mut text = String::from("------\n > [2/2] RUN seq 30:\n");
    for n in 1..=30 {
        text.push_str(&format!("{}.{:03} {n}\n", n / 10, n * 7));
    }
    text.push_str("------\nERROR: failed to solve: process \"/bin/sh -c seq 30\" did not complete successfully: exit code: 1");
    let got = summarize(&text);
    assert_eq!(
        got.output,
        (21..=30).map(|n| n.to_string()).collect::<Vec<_>>()
    );
    // A step that printed numbers itself, on some lines only, keeps them.
    let got = summarize(&with_step_output(
        "ERROR: x".into(),
        Some("[1/1] RUN t"),
        &["1.5 seconds", "done"],
    ));
    assert_eq!(got.output, strings(&["1.5 seconds", "done"]));
}

#[test]
fn infra_causes_still_classify_from_the_same_text() {
    // The summary reads the text the classifier reads; the engine's words survive in both.
    let text = runner_text("infra/bridge-missing.rawjson.err");
    assert_eq!(classify(&text).cause, Some(InfraCause::Network));
    assert!(summarize(&text).cause.contains("Device does not exist"));
}
