use super::*;
use FailureClass::{Infra, Permanent, Transient};

fn reference(name: &str) -> String {
    crate::samples::text(name)
}

/// The `## ` sections of errors-sample.txt, each with its text.
fn error_samples() -> Vec<(String, String)> {
    let text = reference("errors-sample.txt");
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            sections.push((title.to_string(), String::new()));
        } else if let Some((_, body)) = sections.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    sections
}

fn section(title_start: &str) -> String {
    error_samples()
        .into_iter()
        .find(|(t, _)| t.starts_with(title_start))
        .unwrap_or_else(|| panic!("no section {title_start}"))
        .1
}

#[test]
fn every_error_sample() {
    let expected: &[(&str, FailureClass, &str)] = &[
        ("unknown builder", Permanent, "no builder"),
        (
            "daemon unreachable",
            Infra,
            "cannot connect to the docker daemon",
        ),
        ("push-by-digest", Permanent, "unrecognized"),
        (
            "failed RUN",
            Permanent,
            "did not complete successfully: exit code",
        ),
        (
            "Dockerfile syntax error",
            Permanent,
            "dockerfile parse error",
        ),
        ("missing Dockerfile", Permanent, "failed to read dockerfile"),
        ("COPY source missing", Permanent, "not found"),
        ("base image tag missing", Permanent, "not found"),
        ("RUN needing network", Permanent, "not found"),
        ("SIGINT", Permanent, "unrecognized"),
        ("imagetools", Permanent, "not found"),
        ("bake --set", Permanent, "unrecognized"),
        ("create --append", Permanent, "unrecognized"),
        ("docker-container bootstrap", Permanent, "unrecognized"),
    ];
    let samples = error_samples();
    assert_eq!(samples.len(), expected.len());
    for (title, class, reason) in expected {
        let body = section(title);
        let got = classify(&body);
        assert_eq!(
            (got.class, got.reason),
            (*class, *reason),
            "{title}: {body}"
        );
    }
}

#[test]
fn daemon_sample_lines_one_by_one() {
    for line in section("daemon unreachable").lines() {
        if line.contains("ERROR: Cannot connect") {
            let got = classify(line);
            assert_eq!(
                (got.class, got.cause),
                (Infra, Some(crate::model::InfraCause::EngineGone)),
                "{line}"
            );
        }
    }
}

#[test]
fn cancel_is_recognized() {
    let cancel = section("SIGINT");
    assert!(is_canceled(&cancel));
    for name in ["sig-INT.err", "sig-TERM.err"] {
        assert!(is_canceled(&reference(name)), "{name}");
    }
    let vertex_error = "process \"/bin/sh -c echo start $CACHEBUST; sleep 30; echo end\" did not complete successfully: exit code: 137: context canceled: context canceled";
    assert!(is_canceled(vertex_error));
    assert!(is_canceled(
        "ERROR: failed to solve: Canceled: context canceled"
    ));
    for (title, _) in error_samples()
        .iter()
        .filter(|(t, _)| !t.starts_with("SIGINT"))
    {
        assert!(!is_canceled(&section(title)), "{title}");
    }
    assert!(!is_canceled(&reference("plain-fail.err")));
    // Bake cancels the other targets when one fails; that failure is the story.
    let bake = reference("bake-run.err");
    assert!(bake.contains("#10 CANCELED"));
    assert!(!is_canceled(&bake));
    assert_eq!(classify(&bake).class, Permanent);
    assert!(!is_canceled(
        "process \"sh -c kill -9 $$\" did not complete successfully: exit code: 137"
    ));
}

#[test]
fn rawjson_trailers() {
    let (_, fail) = decode("rawjson-fail-raw.txt");
    let got = classify(&fail);
    assert_eq!(got.class, Permanent);
    assert_eq!(got.reason, "did not complete successfully: exit code");
    assert!(!is_canceled(&fail));
    let (_, canceled) = decode("rawjson-canceled-raw.txt");
    assert!(is_canceled(&canceled));
    assert_eq!(classify(&canceled).class, Permanent);
    assert_eq!(classify(&reference("plain-fail.err")).class, Permanent);
}

fn decode(name: &str) -> (usize, String) {
    let mut decoder = crate::build::runner::rawjson::RawJsonDecoder::new();
    let n = decoder.push(reference(name).as_bytes()).len();
    let (rest, trailer) = decoder.finish();
    (n + rest.len(), trailer)
}

#[test]
fn transient_texts() {
    let cases = [
        "ERROR: failed to solve: DeadlineExceeded: failed to fetch anonymous token: Get \"https://auth.docker.io/token\": dial tcp 1.2.3.4:443: i/o timeout",
        "ERROR: failed to solve: alpine:3.19: failed to resolve source metadata for docker.io/library/alpine:3.19: failed to do request: Head \"https://registry-1.docker.io/v2/library/alpine/manifests/3.19\": dial tcp: lookup registry-1.docker.io: i/o timeout",
        "ERROR: failed to solve: failed to do request: Head \"https://r/v2/x/manifests/1\": net/http: TLS handshake timeout",
        "ERROR: failed to push r/x:1: failed to copy: read tcp 10.0.0.2:5000: read: connection reset by peer",
        "ERROR: failed to push 127.0.0.1:5000/x:1: failed to do request: Put \"http://127.0.0.1:5000/v2/x/blobs/uploads/\": dial tcp 127.0.0.1:5000: connect: connection refused",
        "ERROR: failed to solve: node:20: failed to resolve source metadata for docker.io/library/node:20: toomanyrequests: You have reached your pull rate limit.",
        "ERROR: failed to solve: failed to copy: httpReadSeeker: failed open: unexpected status code https://r/v2/x/blobs/sha256:ab: 429 Too Many Requests",
        "ERROR: failed to solve: failed to authorize: failed to fetch oauth token: Post \"https://auth.docker.io/token\": EOF",
        "ERROR: failed to solve: failed to copy: unexpected EOF",
        "ERROR: failed to solve: failed to read expected number of bytes: unexpected eof",
        "ERROR: failed to push r/x: failed to do request: Put \"https://r/v2/x\": EOF",
        "ERROR: failed to solve: Get \"https://r/v2/\": net/http: request canceled (Client.Timeout exceeded while awaiting headers)",
        "ERROR: failed to solve: failed to push r/x: write tcp 1.2.3.4:5: write: broken pipe",
        "ERROR: failed to solve: failed to fetch anonymous token: unexpected status: 503 Service Unavailable",
        "ERROR: failed to solve: failed to copy: httpReadSeeker: failed open: 502 Bad Gateway",
        "ERROR: failed to solve: failed to push 127.0.0.1:5000/x:1: unexpected status from PUT request to http://127.0.0.1:5000/v2/x/manifests/1: 500 Internal Server Error",
        "ERROR: failed to solve: rpc error: code = DeadlineExceeded desc = context deadline exceeded",
        "ERROR: failed to solve: failed to push localhost:5000/d/gateway:t-amd64: failed to copy: unexpected status from PUT request to http://localhost:5000/v2/d/gateway/blobs/uploads/b1ff?_state=fUF&digest=sha256%3A69c4: 400 Bad Request",
    ];
    for text in cases {
        assert_eq!(classify(text).class, Transient, "{text}");
    }
}

#[test]
fn permanent_texts() {
    let cases = [
        ("ERROR: failed to solve: failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://auth.docker.io/token: 401 Unauthorized", "401 unauthorized"),
        ("ERROR: failed to push r/x: unexpected status: 403 Forbidden", "403 forbidden"),
        ("ERROR: failed to solve: failed to push ghcr.io/x: denied: insufficient_scope: authorization failed", "insufficient_scope"),
        ("unknown flag: --frobnicate\nSee 'docker buildx build --help'.", "unknown flag"),
        ("ERROR: failed to initialize builder rbx: error during connect: Get \"http://h:2375/v1.45/containers/json\": dial tcp h:2375: connect: connection refused", "connection refused (not a registry)"),
        ("", "unrecognized"),
        ("something odd happened", "unrecognized"),
        ("ERROR: failed to solve: failed to fetch geoip.dat: EOFError in parser", "unrecognized"),
        // Only a push's 400 can be a race; a 400 on the way in blames the request.
        ("ERROR: failed to solve: r/x:1: failed to resolve source metadata for r/x:1: unexpected status from HEAD request to https://r/v2/x/manifests/1: 400 Bad Request", "unrecognized"),
    ];
    for (text, reason) in cases {
        let got = classify(text);
        assert_eq!((got.class, got.reason), (Permanent, reason), "{text}");
    }
}

#[test]
fn build_errors_win_over_transient_words_in_output() {
    // The RUN printed network errors, then exited non-zero: the build is at fault.
    let plain = "#6 [2/2] RUN curl -fsS https://example.invalid || exit 7\n\
        #6 0.312 curl: (28) Connection timed out: i/o timeout\n\
        #6 ERROR: process \"/bin/sh -c curl -fsS https://example.invalid || exit 7\" did not complete successfully: exit code: 7\n\
        ------\n > [2/2] RUN curl:\n0.312 dial tcp: i/o timeout\n0.313 connection reset by peer\n------\n\
        ERROR: failed to solve: process \"/bin/sh -c curl -fsS https://example.invalid || exit 7\" did not complete successfully: exit code: 7";
    assert_eq!(
        classify(plain).reason,
        "did not complete successfully: exit code"
    );
    // The command line itself carries a transient word.
    let step = "[2/2] RUN echo 'i/o timeout' && exit 1: process \"/bin/sh -c echo 'i/o timeout' && exit 1\" did not complete successfully: exit code: 1";
    assert_eq!(classify(step).class, Permanent);
    // Output lines outside the error lines are not read at all.
    let trailer =
        "Dockerfile:3\n   3 | >>> RUN echo toomanyrequests\nERROR: something without a known cause";
    assert_eq!(classify(trailer).reason, "unrecognized");
}
