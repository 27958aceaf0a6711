//! How buildx and BuildKit word a failure, one line at a time: which lines are errors, the
//! prefixes they carry, and the sentence BuildKit writes for a RUN whose process failed:
//! `process "<command>" did not complete successfully: <why>`.
//!
//! Classification reads these lines to decide about retries, the failure summary to tell a
//! person what broke; both must agree on where the user's command ends and BuildKit's words
//! begin, so that a command reading `exit code: 7` or `no space left on device` is never
//! taken for the engine's verdict.

const PROCESS_HEAD: &str = "process \"";
const PROCESS_TAIL: &str = " did not complete successfully";

/// `ERROR …` (buildx's own `ERROR: …`, or `#6 ERROR: …` in plain progress), `Error:` or
/// `error:`.
pub fn is_error_line(line: &str) -> bool {
    let rest = without_step_number(line.trim_start());
    rest.starts_with("ERROR") || rest.starts_with("Error:") || rest.starts_with("error:")
}

/// Drops plain progress's `#12 ` prefix.
pub fn without_step_number(line: &str) -> &str {
    let Some(rest) = line.strip_prefix('#') else {
        return line;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[digits..].strip_prefix(' ') {
        Some(after) if digits > 0 => after,
        _ => line,
    }
}

/// The error itself, without `ERROR:` and buildx's `failed to solve:` (which it may repeat).
pub fn strip_error_prefixes(line: &str) -> &str {
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

/// BuildKit's sentence for a RUN whose process failed, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunFailure<'a> {
    /// What came before `process "`: buildx's prefixes, or the step's name in a vertex error
    /// as the runner joins it (`[2/2] RUN …: process "…"`).
    pub before: &'a str,
    /// The process as BuildKit ran it, unquoted: `/bin/sh -c …` for a shell-form RUN.
    pub process: String,
    /// BuildKit's words after the command: `exit code: 3`, `network bridge not found`.
    pub why: &'a str,
}

impl RunFailure<'_> {
    /// The exit code, when the process ran and exited non-zero, and what BuildKit said after it
    /// (`context canceled` for a build that was stopped).
    pub fn exit_code(&self) -> Option<(i64, &str)> {
        let rest = self.why.strip_prefix("exit code: ")?;
        let digits = rest
            .bytes()
            .enumerate()
            .take_while(|&(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'))
            .count();
        let code = rest[..digits].parse().ok()?;
        let after = rest[digits..].trim_start_matches(':').trim();
        Some((code, after))
    }

    /// The command as the Dockerfile gave it: BuildKit runs a shell-form RUN as `/bin/sh -c`.
    pub fn command(&self) -> &str {
        self.process
            .strip_prefix("/bin/sh -c ")
            .unwrap_or(&self.process)
    }
}

/// Finds `process "<command>" did not complete successfully: <why>` in one line.
///
/// BuildKit quotes the command the way Go does, so a `"` the user wrote reads `\"` inside it:
/// the command ends at the first unescaped quote. The last such sentence in the line is taken,
/// since only a step name (the user's text, unquoted) can come before it. A line whose quoting
/// does not parse (a redacted value can cut an escape in two) falls back to the first
/// `process "` and the last ` did not complete successfully`.
pub fn run_failure(line: &str) -> Option<RunFailure<'_>> {
    let strict = line
        .rmatch_indices(PROCESS_HEAD)
        .find_map(|(at, _)| quoted_failure(line, at));
    strict.or_else(|| {
        let start = line.find(PROCESS_HEAD)?;
        let tail = line.rfind(&format!("\"{PROCESS_TAIL}"))?;
        let body = line.get(start + PROCESS_HEAD.len()..tail)?;
        Some(RunFailure {
            before: &line[..start],
            process: unquote(body),
            why: why_after(&line[tail + 1 + PROCESS_TAIL.len()..]),
        })
    })
}

fn quoted_failure(line: &str, at: usize) -> Option<RunFailure<'_>> {
    let body_start = at + PROCESS_HEAD.len();
    let mut escaped = false;
    let mut end = None;
    for (i, c) in line[body_start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                end = Some(body_start + i);
                break;
            }
            _ => {}
        }
    }
    let end = end?;
    let after = line[end + 1..].strip_prefix(PROCESS_TAIL)?;
    if !(after.is_empty() || after.starts_with(':')) {
        return None;
    }
    Some(RunFailure {
        before: &line[..at],
        process: unquote(&line[body_start..end]),
        why: why_after(after),
    })
}

fn why_after(after: &str) -> &str {
    after.strip_prefix(':').unwrap_or(after).trim()
}

/// Undoes Go's quoting of `"` and `\`. Other escapes (`\n` of a multi-line command) stay as
/// written, which keeps the command on one line.
fn unquote(quoted: &str) -> String {
    let mut out = String::with_capacity(quoted.len());
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(q @ ('"' | '\\')) => out.push(q),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// The line with a failed RUN's command, and the step name before it, cut out: both are the
/// user's text, and `RUN echo 'no space left on device'` must not read as a full disk.
pub fn without_command(line: &str) -> String {
    match run_failure(line) {
        Some(failure) if failure.why.is_empty() => {
            format!("{PROCESS_HEAD}\u{2026}\"{PROCESS_TAIL}")
        }
        Some(failure) => format!("{PROCESS_HEAD}\u{2026}\"{PROCESS_TAIL}: {}", failure.why),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_ends_at_the_first_unescaped_quote() {
        let line = r#"ERROR: failed to solve: process "/bin/sh -c echo \"x\\\" did not complete successfully: exit code: 7\"; exit 2" did not complete successfully: exit code: 2"#;
        let got = run_failure(line).unwrap();
        assert_eq!(got.before, "ERROR: failed to solve: ");
        assert_eq!(
            got.command(),
            r#"echo "x\" did not complete successfully: exit code: 7"; exit 2"#
        );
        assert_eq!(got.why, "exit code: 2");
        assert_eq!(got.exit_code(), Some((2, "")));
    }

    #[test]
    fn a_step_name_before_the_sentence_is_not_the_sentence() {
        let line = r#"[2/2] RUN echo 'process "x" did not complete successfully: exit code: 9'; exit 1: process "/bin/sh -c echo 'process \"x\" did not complete successfully: exit code: 9'; exit 1" did not complete successfully: exit code: 1"#;
        let got = run_failure(line).unwrap();
        assert!(got.before.starts_with("[2/2] RUN echo 'process"), "{got:?}");
        assert_eq!(got.exit_code(), Some((1, "")));
        assert_eq!(
            without_command(line),
            "process \"\u{2026}\" did not complete successfully: exit code: 1"
        );
    }

    #[test]
    fn what_follows_the_exit_code_is_kept() {
        let line = r#"process "/bin/sh -c sleep 30" did not complete successfully: exit code: 137: context canceled: context canceled"#;
        let got = run_failure(line).unwrap();
        assert_eq!(
            got.exit_code(),
            Some((137, "context canceled: context canceled"))
        );
        let other = r#"process "/bin/busybox --install -s /bin" did not complete successfully: network bridge not found"#;
        let got = run_failure(other).unwrap();
        assert_eq!(got.command(), "/bin/busybox --install -s /bin");
        assert_eq!(
            (got.why, got.exit_code()),
            ("network bridge not found", None)
        );
    }

    #[test]
    fn broken_quoting_falls_back_to_the_outer_quotes() {
        let line = r#"process "/bin/sh -c echo ***\" did not complete successfully: exit code: 4"#;
        let got = run_failure(line).unwrap();
        assert_eq!(got.exit_code(), Some((4, "")));
        assert!(run_failure("process \"unterminated").is_none());
        assert!(run_failure("no process here").is_none());
    }

    #[test]
    fn error_prefixes() {
        assert!(is_error_line("#6 ERROR: boom"));
        assert!(is_error_line("  error: boom"));
        assert!(!is_error_line("#6 0.083 ERROR printed by the step"));
        assert_eq!(
            strip_error_prefixes("ERROR: failed to solve: failed to solve: x"),
            "x"
        );
        assert_eq!(without_step_number("#12 [1/2] COPY"), "[1/2] COPY");
        assert_eq!(without_step_number("#x y"), "#x y");
    }
}
