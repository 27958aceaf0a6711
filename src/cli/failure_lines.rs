//! A failed attempt as the headless front end prints it: the cause on the attempt's own line,
//! then what the failing step printed last, then where in the Dockerfile, then the log file
//! that holds everything.

use std::path::Path;

use crate::build::failure::summarize;
use crate::build::state::AttemptRecord;
use crate::model::{FailureClass, InfraCause};

/// Lines under the attempt's head line are indented this far, and step output twice as far.
const INDENT: &str = "    ";

/// Every line for one failed attempt; `label` names the cell, `log` is its log file as the
/// user should read it.
pub fn failure_lines(label: &str, record: &AttemptRecord, log: &Path) -> Vec<String> {
    let summary = summarize(record.text.as_deref().unwrap_or_default());
    let cause = match summary.cause.as_str() {
        "" => record.reason.as_deref().unwrap_or("no error text"),
        cause => cause,
    };
    let mut lines = vec![format!(
        "{label} attempt {} {}: {cause}",
        record.attempt,
        failure_words(record.class, record.cause, record.given_back)
    )];
    if !summary.output.is_empty() {
        lines.push(match &summary.step {
            Some(step) => format!("{INDENT}last output of {step}:"),
            None => format!("{INDENT}last output:"),
        });
        lines.extend(
            summary
                .output
                .iter()
                .map(|l| format!("{INDENT}{INDENT}{l}")),
        );
    }
    lines.extend(summary.excerpt.iter().map(|l| format!("{INDENT}{l}")));
    lines.push(format!("{INDENT}log: {}", log.display()));
    lines
}

/// `failed (infra: no space left on the engine's disk; see doctor's "disk" check)`.
fn failure_words(
    class: Option<FailureClass>,
    cause: Option<InfraCause>,
    given_back: bool,
) -> String {
    let class = FailureClass::word_of(class);
    match cause {
        Some(cause) if given_back => {
            format!("ended by an outage ({class}: {cause}); it runs again once that answers")
        }
        Some(cause) => format!(
            "failed ({class}: {cause}; see doctor's \"{}\" check)",
            cause.check()
        ),
        None => format!("failed ({class})"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::model::Outcome;

    fn failed(text: &str, class: FailureClass, cause: Option<InfraCause>) -> AttemptRecord {
        AttemptRecord {
            attempt: 1,
            started: UNIX_EPOCH,
            duration: Duration::from_millis(500),
            outcome: Outcome::Failed,
            class: Some(class),
            cause,
            reason: Some(summarize(text).cause),
            text: Some(text.into()),
            retried: false,
            given_back: false,
        }
    }

    #[test]
    fn cause_first_then_output_then_excerpt_then_log() {
        let text = crate::samples::text("plain-fail.err");
        let got = failure_lines(
            "[broken linux/arm64]",
            &failed(&text, FailureClass::Permanent, None),
            Path::new(".archgrid/logs/broken-linux-arm64.log"),
        );
        let want = [
            r#"[broken linux/arm64] attempt 1 failed (permanent): exit 3 in RUN echo "about to fail 7941"; echo oops >&2; exit 3"#,
            r#"    last output of [3/3] RUN echo "about to fail 7941"; echo oops >&2; exit 3:"#,
            "        about to fail 7941",
            "        oops",
            "    Dockerfile.fail:6",
            "    --------------------",
            r#"       4 |     RUN ["/bin/busybox", "--install", "-s", "/bin"]"#,
            "       5 |     ARG CACHEBUST=1",
            r#"       6 | >>> RUN echo "about to fail $CACHEBUST"; echo oops >&2; exit 3"#,
            "       7 |",
            "    --------------------",
            "    log: .archgrid/logs/broken-linux-arm64.log",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn an_infra_failure_names_its_check() {
        let text = "ERROR: failed to solve: write /var/lib/docker/x: no space left on device";
        let got = failure_lines(
            "[app linux/amd64]",
            &failed(text, FailureClass::Infra, Some(InfraCause::DiskFull)),
            Path::new("app.log"),
        );
        let head = &got[0];
        assert!(
            head.starts_with("[app linux/amd64] attempt 1 failed (infra: ")
                && head.contains("; see doctor's \"disk\" check)")
                && head.ends_with("): write /var/lib/docker/x: no space left on device"),
            "{head}"
        );
        assert_eq!(got[1..], ["    log: app.log".to_string()]);
        let mut record = failed(text, FailureClass::Infra, Some(InfraCause::DiskFull));
        record.given_back = true;
        let got = failure_lines("[app linux/amd64]", &record, Path::new("app.log"));
        assert!(
            got[0].starts_with("[app linux/amd64] attempt 1 ended by an outage (infra: ")
                && got[0].ends_with("; it runs again once that answers: write /var/lib/docker/x: no space left on device"),
            "{}",
            got[0]
        );
    }

    #[test]
    fn a_text_with_nothing_to_read_still_says_something() {
        let mut record = failed("", FailureClass::Permanent, None);
        record.reason = None;
        let got = failure_lines("[a linux/amd64]", &record, Path::new("a.log"));
        assert_eq!(
            got[0],
            "[a linux/amd64] attempt 1 failed (permanent): no error text"
        );
    }
}
