//! Decides whether a failed build is worth retrying.
//!
//! # The rule
//!
//! 1. Only the error lines decide: lines that start with `ERROR` (buildx's own `ERROR: ...`,
//!    or `#6 ERROR: ...` in plain progress) or `Error:`/`error:`. Text without such lines
//!    (a vertex's error string, a CLI usage error) is read whole. The Dockerfile excerpt and
//!    the step output buildx prints around the error are never read, because a RUN step can
//!    print anything, `i/o timeout` included.
//! 2. Within those lines, patterns that describe the build itself (a RUN that exited
//!    non-zero, a parse error, a missing file or image, an auth refusal) are checked first
//!    and win: `apt-get` failing on a flaky mirror still exits non-zero, and retrying a
//!    broken Dockerfile would only fail again more slowly.
//! 3. Then patterns of network, registry and daemon trouble make the failure transient.
//! 4. Anything else is permanent: an unknown failure is retried by a person, not in a loop.
//!
//! A cancel is neither: callers check [`is_canceled`] before [`classify`].

use crate::model::sanitize::sanitize_line;
use crate::model::FailureClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub class: FailureClass,
    /// The pattern that matched, or the name of the rule that decided.
    pub reason: &'static str,
}

/// Lowercase patterns about the build itself, checked before any transient one.
const PERMANENT: &[&str] = &[
    "did not complete successfully: exit code",
    "dockerfile parse error",
    "failed to read dockerfile",
    "401 unauthorized",
    "403 forbidden",
    "insufficient_scope",
    "requested access to the resource is denied",
    "no builder",
    "unknown flag",
    "not found",
];

/// Lowercase patterns of trouble outside the build that a later attempt may not meet.
const TRANSIENT: &[&str] = &[
    "deadlineexceeded",
    "deadline exceeded",
    "i/o timeout",
    "tls handshake timeout",
    "connection reset by peer",
    "toomanyrequests",
    "429 too many requests",
    "failed to fetch oauth token",
    "failed to authorize",
    "client.timeout exceeded",
    "cannot connect to the docker daemon",
    "broken pipe",
    "503 service unavailable",
    "502 bad gateway",
    // A registry under concurrent pushes of the same blob answers 500 now and then; the same
    // push a moment later goes through.
    "500 internal server error",
    "504 gateway timeout",
    "unexpected eof",
];

/// Signs that a refused connection was to a registry, where it usually means a registry
/// restarting; a refused connection to a builder endpoint is a configuration problem.
const REGISTRY_CONTEXT: &[&str] = &[
    "/v2/",
    "registry",
    "failed to do request",
    "failed to resolve source metadata",
    "failed to push",
    "failed to copy",
    "failed to fetch",
    "failed to authorize",
    "pushing",
    "pulling",
];

const SHORT_REASON_MAX: usize = 120;

pub fn classify(text: &str) -> Classification {
    let decisive = decisive_text(text).to_lowercase();
    let permanent = |reason| Classification {
        class: FailureClass::Permanent,
        reason,
    };
    let transient = |reason| Classification {
        class: FailureClass::Transient,
        reason,
    };
    if let Some(p) = PERMANENT.iter().find(|p| decisive.contains(*p)) {
        return permanent(p);
    }
    if let Some(p) = TRANSIENT.iter().find(|p| decisive.contains(*p)) {
        return transient(p);
    }
    if has_bare_eof(&decisive) {
        return transient(": EOF");
    }
    if decisive.contains("connection refused") {
        if REGISTRY_CONTEXT.iter().any(|c| decisive.contains(c)) {
            return transient("connection refused (registry)");
        }
        return permanent("connection refused (not a registry)");
    }
    permanent("unrecognized")
}

/// The build was stopped rather than failing: buildx reports `context canceled` when it is
/// interrupted, and the step it was running dies with exit code 137. `#N CANCELED` lines
/// alone do not count: bake cancels sibling targets when one of them fails.
pub fn is_canceled(text: &str) -> bool {
    let decisive = decisive_text(text).to_lowercase();
    decisive.contains("context canceled")
        || (decisive.contains("exit code: 137") && decisive.contains("cancel"))
}

/// One printable line for a grid cell: the last error line without its `ERROR:` and
/// `failed to solve:` prefixes, else the last non-empty line; at most 120 chars.
pub fn short_reason(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .find(|l| is_error_line(l))
        .map(strip_error_prefixes)
        .or_else(|| text.lines().rev().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("");
    shorten(sanitize_line(line).trim())
}

fn decisive_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| is_error_line(l)).collect();
    if lines.is_empty() {
        text.to_string()
    } else {
        lines.join("\n")
    }
}

fn is_error_line(line: &str) -> bool {
    let rest = without_step_number(line.trim_start());
    rest.starts_with("ERROR") || rest.starts_with("Error:") || rest.starts_with("error:")
}

/// Drops plain progress's `#12 ` prefix.
fn without_step_number(line: &str) -> &str {
    let Some(rest) = line.strip_prefix('#') else {
        return line;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[digits..].strip_prefix(' ') {
        Some(after) if digits > 0 => after,
        _ => line,
    }
}

fn strip_error_prefixes(line: &str) -> &str {
    let mut rest = without_step_number(line.trim());
    for prefix in ["ERROR:", "ERROR", "Error:", "error:"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
            break;
        }
    }
    while let Some(r) = rest.strip_prefix("failed to solve:") {
        rest = r.trim_start();
    }
    rest
}

/// Go's `io.EOF` printed at the end of a wrapped error (`...: EOF`): a connection that was
/// dropped mid-response.
fn has_bare_eof(lowercase: &str) -> bool {
    lowercase.match_indices(": eof").any(|(at, m)| {
        lowercase[at + m.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_')
    })
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= SHORT_REASON_MAX {
        return line.to_string();
    }
    // A failed RUN's command can be long, and what matters is the exit code after it.
    const HEAD: &str = "process \"";
    const TAIL: &str = "\" did not complete successfully:";
    if let Some(tail_at) = line.rfind(TAIL).filter(|&at| at >= HEAD.len()) {
        if line.starts_with(HEAD) {
            let (cmd, tail) = (&line[HEAD.len()..tail_at], &line[tail_at..]);
            let fixed = HEAD.len() + tail.chars().count() + 1;
            if fixed + 10 <= SHORT_REASON_MAX && cmd.chars().count() > SHORT_REASON_MAX - fixed {
                let cmd: String = cmd.chars().take(SHORT_REASON_MAX - fixed).collect();
                return format!("{HEAD}{cmd}\u{2026}{tail}");
            }
        }
    }
    let mut out: String = line.chars().take(SHORT_REASON_MAX - 1).collect();
    out.push('\u{2026}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureClass::{Permanent, Transient};

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
                Transient,
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
                assert_eq!(classify(line).class, Transient, "{line}");
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
            "ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            "ERROR: failed to solve: failed to push r/x: write tcp 1.2.3.4:5: write: broken pipe",
            "ERROR: failed to solve: failed to fetch anonymous token: unexpected status: 503 Service Unavailable",
            "ERROR: failed to solve: failed to copy: httpReadSeeker: failed open: 502 Bad Gateway",
            "ERROR: failed to solve: failed to push 127.0.0.1:5000/x:1: unexpected status from PUT request to http://127.0.0.1:5000/v2/x/manifests/1: 500 Internal Server Error",
            "ERROR: failed to solve: rpc error: code = DeadlineExceeded desc = context deadline exceeded",
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
        let trailer = "Dockerfile:3\n   3 | >>> RUN echo toomanyrequests\nERROR: something without a known cause";
        assert_eq!(classify(trailer).reason, "unrecognized");
    }

    #[test]
    fn short_reasons() {
        let (_, fail) = decode("rawjson-fail-raw.txt");
        assert_eq!(
            short_reason(&fail),
            "process \"/bin/sh -c echo \\\"about to fail\\\" && echo oops >&2 && exit 3\" did not complete successfully: exit code: 3"
        );
        let (_, canceled) = decode("rawjson-canceled-raw.txt");
        assert_eq!(short_reason(&canceled), "Canceled: context canceled");
        assert_eq!(
            short_reason(&section("unknown builder")),
            "no builder \"nosuchbuilder\" found"
        );
        assert_eq!(
            short_reason(&section("Dockerfile syntax error")),
            "dockerfile parse error on line 3: unknown instruction: COPYY (did you mean COPY?)"
        );
        assert_eq!(
            short_reason("#6 ERROR: process \"x\" did not complete successfully: exit code: 2\n---\nDockerfile:1"),
            "process \"x\" did not complete successfully: exit code: 2"
        );
        assert_eq!(short_reason("warming up\nlast words  \n\n"), "last words");
        assert_eq!(short_reason(""), "");
        assert_eq!(
            short_reason("ERROR: \x1b]0;pwned\x07bad\ttab"),
            "bad     tab"
        );
    }

    #[test]
    fn short_reason_is_bounded() {
        let long = format!(
            "ERROR: failed to solve: failed to solve: {}",
            "x".repeat(300)
        );
        let got = short_reason(&long);
        assert_eq!(got.chars().count(), 120);
        assert!(got.starts_with("xxx") && got.ends_with('\u{2026}'));
        let run = format!(
            "ERROR: failed to solve: process \"/bin/sh -c apt-get update && apt-get install -y {}\" did not complete successfully: exit code: 100",
            "pkg ".repeat(60)
        );
        let got = short_reason(&run);
        assert_eq!(got.chars().count(), 120);
        assert!(
            got.starts_with("process \"/bin/sh -c apt-get update"),
            "{got}"
        );
        assert!(
            got.ends_with("\" did not complete successfully: exit code: 100"),
            "{got}"
        );
        // A long error after a short command is cut at its end like any other line.
        let long_tail = format!(
            "ERROR: process \"true\" did not complete successfully: {}",
            "y".repeat(200)
        );
        let got = short_reason(&long_tail);
        assert_eq!(got.chars().count(), 120);
        assert!(got.starts_with("process \"true\" did not") && got.ends_with("yy\u{2026}"));
        let wide = format!("ERROR: {}", "\u{1f600}".repeat(200));
        assert_eq!(short_reason(&wide).chars().count(), 120);
    }
}
