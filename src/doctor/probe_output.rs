//! What a probe build's `--progress plain` output says happened. A RUN probe either ran, met a
//! kernel that cannot execute the binary, could not attach its container to the bridge, or
//! failed otherwise; a fetch probe (`ADD URL`) either got an answer or names why it got none.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum RunResult {
    Ran {
        took: Duration,
    },
    /// The step's own output line, e.g. `exec /probe: exec format error`.
    ExecFormat {
        line: String,
    },
    /// The engine's sentence about the container's network endpoint.
    Bridge {
        sentence: String,
    },
    Failed {
        sentence: String,
    },
    TimedOut,
    /// No generator for this architecture.
    NoProbe,
    /// Not tried, and why (the builder is missing, stopped, or would refuse the build).
    NotProbed {
        why: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum FetchResult {
    /// A 2xx answer: BuildKit stored the body.
    Fetched,
    /// BuildKit got an answer and refused it for its status, which still proves the builder
    /// reached the registry.
    Answered {
        status: u16,
    },
    /// The connection was made but TLS failed.
    Tls {
        sentence: String,
    },
    Unresolved {
        sentence: String,
    },
    Refused {
        sentence: String,
    },
    TimedOut {
        sentence: Option<String>,
    },
    Failed {
        sentence: String,
    },
    NotProbed {
        why: String,
    },
}

/// A RUN probe's verdict from buildx's exit status and stderr.
pub fn run_result(success: bool, stderr: &str, took: Duration) -> RunResult {
    if success {
        return RunResult::Ran { took };
    }
    // With plain progress the kernel's refusal is the step's only output line; the error line
    // itself only says `exit code: 1`.
    if let Some(line) = stderr
        .lines()
        .find(|l| l.contains("exec format error"))
        .map(step_text)
    {
        return RunResult::ExecFormat { line };
    }
    let sentence = sentence(stderr);
    if sentence.contains("failed to create endpoint") || sentence.contains("Device does not exist")
    {
        return RunResult::Bridge { sentence };
    }
    RunResult::Failed { sentence }
}

/// A fetch probe's verdict. The texts are Go's net/http errors as BuildKit passes them on.
pub fn fetch_result(success: bool, stderr: &str) -> FetchResult {
    if success {
        return FetchResult::Fetched;
    }
    let sentence = sentence(stderr);
    if let Some(status) = sentence
        .split("invalid response status ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse().ok())
    {
        return FetchResult::Answered { status };
    }
    let has = |words: &[&str]| words.iter().any(|w| sentence.contains(w));
    if has(&[
        "no such host",
        "server misbehaving",
        "Temporary failure in name resolution",
    ]) {
        FetchResult::Unresolved { sentence }
    } else if has(&["connection refused"]) {
        FetchResult::Refused { sentence }
    } else if has(&["i/o timeout", "deadline exceeded", "handshake timeout"]) {
        FetchResult::TimedOut {
            sentence: Some(sentence),
        }
    } else if has(&[
        "x509:",
        "tls:",
        "HTTP response to HTTPS client",
        "certificate",
    ]) {
        FetchResult::Tls { sentence }
    } else {
        FetchResult::Failed { sentence }
    }
}

/// The engine's own account of the failure: the failed step's `#N ERROR:` line, else buildx's
/// closing `ERROR:` line without the `failed to solve:` lead-in, else the last line printed.
pub fn sentence(stderr: &str) -> String {
    let step = stderr.lines().find_map(|l| {
        let (number, rest) = l.strip_prefix('#')?.split_once(' ')?;
        number.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
        rest.strip_prefix("ERROR: ")
    });
    if let Some(text) = step {
        return text.trim().to_string();
    }
    let closing = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("ERROR: "))
        .map(|l| l.strip_prefix("failed to solve: ").unwrap_or(l));
    if let Some(text) = closing {
        return text.trim().to_string();
    }
    stderr
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map_or_else(
            || "buildx failed and printed nothing".to_string(),
            str::to_string,
        )
}

/// `#5 0.295 exec /probe: exec format error` → `exec /probe: exec format error`: a step's
/// output line without its step number and seconds.
fn step_text(line: &str) -> String {
    let Some(rest) = line
        .strip_prefix('#')
        .and_then(|l| l.split_once(' '))
        .map(|(_, rest)| rest)
    else {
        return line.trim().to_string();
    };
    match rest.split_once(' ') {
        Some((seconds, text)) if seconds.parse::<f64>().is_ok() => text.trim().to_string(),
        _ => rest.trim().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infra(name: &str) -> String {
        crate::samples::text(&format!("infra/{name}"))
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_probe_that_ran() {
        let out = infra("probe-ok-arm64.plain.err");
        assert_eq!(
            run_result(true, &out, SECOND),
            RunResult::Ran { took: SECOND }
        );
    }

    #[test]
    fn exec_format_error_is_the_steps_output_line() {
        let out = infra("probe-exec-format-arm64.plain.err");
        assert_eq!(
            run_result(false, &out, SECOND),
            RunResult::ExecFormat {
                line: "exec /probe: exec format error".into()
            }
        );
    }

    #[test]
    fn a_missing_bridge_device_is_told_apart() {
        let out = infra("probe-bridge-missing.plain.err");
        let RunResult::Bridge { sentence } = run_result(false, &out, SECOND) else {
            panic!("{:?}", run_result(false, &out, SECOND));
        };
        assert!(
            sentence.starts_with(
                "process \"/probe\" did not complete successfully: failed to create endpoint"
            ),
            "{sentence}"
        );
        assert!(
            sentence.ends_with("to bridge docker0 failed: Device does not exist"),
            "{sentence}"
        );
    }

    #[test]
    fn the_rawjson_bridge_capture_classifies_the_same() {
        // The closing ERROR line is all that is plain text in a rawjson stream.
        let out = infra("bridge-missing.rawjson.err");
        assert!(matches!(
            run_result(false, &out, SECOND),
            RunResult::Bridge { .. }
        ));
    }

    #[test]
    fn other_failures_keep_the_engines_words() {
        let out =
            "#0 building with \"nope\" instance\nERROR: failed to solve: no space left on device\n";
        assert_eq!(
            run_result(false, out, SECOND),
            RunResult::Failed {
                sentence: "no space left on device".into()
            }
        );
        assert_eq!(sentence(""), "buildx failed and printed nothing");
        assert_eq!(
            sentence("ERROR: no builder \"x\" found\n"),
            "no builder \"x\" found"
        );
    }

    #[test]
    fn fetches() {
        assert_eq!(
            fetch_result(true, &infra("probe-add-ok.plain.err")),
            FetchResult::Fetched
        );
        assert_eq!(
            fetch_result(false, &infra("probe-add-401.plain.err")),
            FetchResult::Answered { status: 401 }
        );
        assert_eq!(
            fetch_result(false, &infra("probe-add-refused.plain.err")),
            FetchResult::Refused {
                sentence: "Get \"http://127.0.0.1:5999/v2/\": dial tcp 127.0.0.1:5999: connect: \
                           connection refused"
                    .into()
            }
        );
        assert!(matches!(
            fetch_result(false, &infra("probe-add-https-to-http.plain.err")),
            FetchResult::Tls { sentence } if sentence.ends_with("server gave HTTP response to HTTPS client")
        ));
    }

    #[test]
    fn go_resolver_and_timeout_errors() {
        // Go's net package words, as a builder without DNS for the name prints them.
        let dns = "#3 ERROR: Get \"https://registry.example:443/v2/\": dial tcp: lookup \
                   registry.example on 127.0.0.11:53: no such host\n";
        assert!(matches!(
            fetch_result(false, dns),
            FetchResult::Unresolved { .. }
        ));
        let timeout = "#3 ERROR: Get \"https://r.example/v2/\": dial tcp 192.0.2.1:443: i/o \
                       timeout\n";
        assert!(matches!(
            fetch_result(false, timeout),
            FetchResult::TimedOut { sentence: Some(_) }
        ));
    }

    #[test]
    fn step_lines_lose_number_and_seconds() {
        assert_eq!(
            step_text("#5 0.295 exec /probe: exec format error"),
            "exec /probe: exec format error"
        );
        assert_eq!(
            step_text("exec /x: exec format error"),
            "exec /x: exec format error"
        );
    }
}
