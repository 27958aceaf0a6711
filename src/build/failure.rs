//! What a failed build says, cause first.
//!
//! buildx ends a failed build with the Dockerfile excerpt and an `ERROR:` line; with plain
//! progress it also frames the failing step's last output (`------\n > [3/3] RUN …:\n…\n------`),
//! and with rawjson progress the runner appends that output itself ([`with_step_output`]).
//! The `ERROR:` line of a failed RUN starts with the whole command, so cut to a grid cell's
//! width it never reaches the part that matters: [`summarize`] puts BuildKit's verdict
//! (`exit 3`, `failed to create endpoint …`) first and the command after it.
//!
//! Everything here comes from the build and is untrusted: the structure is read from the raw
//! lines, and every piece handed out is sanitized.

use crate::build::buildkit_error::{is_error_line, run_failure, strip_error_prefixes};
use crate::model::sanitize::sanitize_line;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureSummary {
    /// One line, cause first: `exit 3 in RUN printf …` for a RUN that exited non-zero,
    /// `network bridge not found in RUN …` for one the engine could not run; otherwise the
    /// engine's own sentence without buildx's `ERROR:`/`failed to solve:` prefixes.
    pub cause: String,
    /// The step that failed as BuildKit named it (`[3/3] RUN echo …`), when known.
    pub step: Option<String>,
    /// The failing step's last output lines (at most [`OUTPUT_LINES`]), without the elapsed
    /// time plain progress puts before each.
    pub output: Vec<String>,
    /// The Dockerfile excerpt as buildx printed it: `Dockerfile:6`, the `--------------------`
    /// frames and the lines between them, the failing one marked `>>>`.
    pub excerpt: Vec<String>,
    /// The failed RUN's command, at most [`COMMAND_MAX`] chars, without the `/bin/sh -c`
    /// BuildKit adds to a shell-form RUN.
    pub command: Option<String>,
}

/// Output lines of the failed step kept in a summary.
pub const OUTPUT_LINES: usize = 10;
/// A command longer than this is cut, with an ellipsis, to this many chars.
pub const COMMAND_MAX: usize = 80;
/// An engine's sentence longer than this keeps its first and last parts.
const SENTENCE_MAX: usize = 200;

/// The lines the runner appends to buildx's text; with rawjson progress buildx does not
/// repeat what the failed step printed, and that is often the reason.
const STEP_LINE: &str = "failed step: ";
const OUTPUT_HEADER: &str = "last output of the failed step:";
const OUTPUT_INDENT: &str = "  ";

/// buildx's frame around the Dockerfile excerpt, and plain progress's around step output.
const EXCERPT_FRAME: &str = "--------------------";
const OUTPUT_FRAME: &str = "------";

/// `text`, then the failed step's name and its last output lines, in the form [`summarize`]
/// reads back.
pub fn with_step_output(text: String, step: Option<&str>, tail: &[&str]) -> String {
    let mut out = text;
    if let Some(step) = step {
        out.push('\n');
        out.push_str(STEP_LINE);
        // The step line must stay one line, or its second half would read as buildx's.
        out.extend(
            step.chars()
                .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
        );
    }
    if !tail.is_empty() {
        out.push('\n');
        out.push_str(OUTPUT_HEADER);
        for line in tail {
            out.push('\n');
            out.push_str(OUTPUT_INDENT);
            out.push_str(line);
        }
    }
    out
}

/// Reads the failure text of an attempt (`AttemptOutcome::Failed`'s, as state.json keeps it)
/// or of any buildx command that failed.
pub fn summarize(text: &str) -> FailureSummary {
    let parts = Parts::of(text);
    let step = parts.step.map(|s| sanitize_line(s).trim().to_string());
    let decisive = parts
        .rest
        .iter()
        .rev()
        .find(|l| is_error_line(l))
        .map(|l| strip_error_prefixes(l))
        .or_else(|| {
            parts
                .rest
                .iter()
                .rev()
                .map(|l| l.trim())
                .find(|l| !l.is_empty())
        })
        .unwrap_or("");
    let (cause, command) = cause_of(decisive, step.as_deref());
    FailureSummary {
        cause,
        step,
        output: without_elapsed(&parts.output)
            .into_iter()
            .map(|l| sanitize_line(l).trim_end().to_string())
            .collect(),
        excerpt: parts
            .excerpt
            .iter()
            .map(|l| sanitize_line(l).trim_end().to_string())
            .collect(),
        command,
    }
}

/// The text taken apart: the framed blocks, and the lines around them.
#[derive(Default)]
struct Parts<'a> {
    rest: Vec<&'a str>,
    step: Option<&'a str>,
    output: Vec<&'a str>,
    excerpt: Vec<&'a str>,
}

impl<'a> Parts<'a> {
    fn of(text: &'a str) -> Parts<'a> {
        let lines: Vec<&str> = text.lines().collect();
        let mut parts = Parts::default();
        let body_end = parts.take_runner_section(&lines);
        let body = &lines[..body_end];
        let mut i = 0;
        while i < body.len() {
            let line = body[i];
            let next = body.get(i + 1).copied().unwrap_or("");
            let block = line == OUTPUT_FRAME && next.starts_with(" > ") && next.ends_with(':');
            let excerpt = next == EXCERPT_FRAME && is_file_and_line(line);
            if let Some(end) = block.then(|| closing(body, i + 2, OUTPUT_FRAME)).flatten() {
                // One block per failed step; the first is the failure, the rest were
                // stopped because of it.
                if parts.step.is_none() {
                    parts.step = Some(&next[3..next.len() - 1]);
                    parts.output = body[i + 2..end].to_vec();
                }
                i = end + 1;
            } else if let Some(end) = excerpt
                .then(|| closing(body, i + 2, EXCERPT_FRAME))
                .flatten()
            {
                if parts.excerpt.is_empty() {
                    parts.excerpt = body[i..=end].to_vec();
                }
                i = end + 1;
            } else {
                parts.rest.push(line);
                i += 1;
            }
        }
        // A vertex's own error, as the runner joins it when buildx printed nothing else:
        // `[2/2] RUN …: process "…" did not complete successfully: …`.
        if parts.step.is_none() {
            parts.step = parts
                .rest
                .iter()
                .rev()
                .find_map(|l| run_failure(l))
                .map(|f| f.before.trim_end().trim_end_matches(':'))
                .filter(|before| before.starts_with('['));
        }
        parts
    }

    /// Reads the lines [`with_step_output`] appended and returns where they start. They are
    /// only looked for at the very end, each output line indented, so output that imitates
    /// them is never taken for them.
    fn take_runner_section(&mut self, lines: &[&'a str]) -> usize {
        let mut start = lines.len();
        while start > 0 && lines[start - 1].starts_with(OUTPUT_INDENT) {
            start -= 1;
        }
        if start > 0 && lines[start - 1] == OUTPUT_HEADER {
            self.output = lines[start..]
                .iter()
                .map(|l| &l[OUTPUT_INDENT.len()..])
                .collect();
            start -= 1;
        } else {
            start = lines.len();
        }
        if let Some(step) = start
            .checked_sub(1)
            .and_then(|i| lines[i].strip_prefix(STEP_LINE))
        {
            self.step = Some(step);
            start -= 1;
        }
        start
    }
}

/// The index of the first `frame` line at or after `from`. A frame that never closes frames
/// nothing: what follows it, the `ERROR:` line included, is read as usual.
fn closing(lines: &[&str], from: usize, frame: &str) -> Option<usize> {
    (from..lines.len()).find(|&j| lines[j] == frame)
}

/// `Dockerfile.fail:6`: a file name and a line number, as buildx heads an excerpt.
fn is_file_and_line(line: &str) -> bool {
    line.rsplit_once(':').is_some_and(|(file, n)| {
        !file.is_empty()
            && !file.contains(char::is_whitespace)
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Plain progress puts the seconds since the step started before each line (`0.083 oops`);
/// the runner's lines have none. They go when every line has them, so a step that prints
/// numbers of its own keeps them.
fn without_elapsed<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    let elapsed = |l: &'a str| -> Option<&'a str> {
        let (head, rest) = l.split_once(' ').unwrap_or((l, ""));
        let (secs, frac) = head.split_once('.')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (digits(secs) && digits(frac)).then_some(rest)
    };
    let stripped: Option<Vec<&str>> = lines.iter().map(|l| elapsed(l)).collect();
    let lines = stripped.unwrap_or_else(|| lines.to_vec());
    let skip = lines.len().saturating_sub(OUTPUT_LINES);
    lines[skip..].to_vec()
}

/// The cause line for the decisive error line, and the RUN command when one failed.
fn cause_of(decisive: &str, step: Option<&str>) -> (String, Option<String>) {
    let instruction = step.and_then(instruction_of);
    if let Some(failure) = run_failure(decisive) {
        let command = instruction
            .and_then(|i| i.strip_prefix("RUN "))
            .map(str::to_string)
            .unwrap_or_else(|| sanitize_line(failure.command()));
        let command = shorten(command.trim(), COMMAND_MAX);
        let why = match failure.exit_code() {
            Some((code, more)) => match sanitize_line(more).trim() {
                "" => format!("exit {code}"),
                more => format!("exit {code} ({more})"),
            },
            None => match sentence(&sanitize_line(failure.why)) {
                why if why.is_empty() => "failed".to_string(),
                why => why,
            },
        };
        return (format!("{why} in RUN {command}"), Some(command));
    }
    let mut cause = sentence(&clearest(&sanitize_line(decisive)));
    if let Some(instruction) = instruction {
        if !cause.is_empty() {
            cause = format!("{cause} in {}", shorten(instruction, COMMAND_MAX));
        }
    }
    (cause, None)
}

/// `RUN echo …` of `[stage-1 2/2] RUN echo …`; none for BuildKit's `[internal]` steps and for
/// names without a Dockerfile instruction.
fn instruction_of(step: &str) -> Option<&str> {
    let (bracket, rest) = step.strip_prefix('[')?.split_once("] ")?;
    if bracket == "internal" || bracket.ends_with(" internal") {
        return None;
    }
    let rest = rest.trim();
    (!rest.is_empty()).then_some(rest)
}

/// The engine's sentence with the wrapping that says nothing to a person taken off: a missing
/// image reads `<ref>: not found`, a missing COPY source `"/file": not found`.
fn clearest(sentence: &str) -> String {
    let mut rest = sentence.trim();
    for noise in [
        "failed to compute cache key: ",
        "failed to calculate checksum of ref ",
    ] {
        if let Some(after) = rest.strip_prefix(noise) {
            rest = after;
            // The checksum's ref is BuildKit's own id: `8uo1…::a3a1…: "/broken.txt": not found`.
            if noise.starts_with("failed to calculate") {
                rest = rest.split_once(": ").map_or(rest, |(_, after)| after);
            }
        }
    }
    const RESOLVE: &str = "failed to resolve source metadata for ";
    if let Some(at) = rest.rfind(RESOLVE) {
        let after = &rest[at + RESOLVE.len()..];
        if let Some((image, why)) = after.split_once(": ") {
            return if why.starts_with(image) {
                why.to_string()
            } else {
                format!("{image}: {why}")
            };
        }
    }
    rest.to_string()
}

/// At most [`SENTENCE_MAX`] chars: a Go error chain keeps its first part, where it says what
/// failed, and as many of its last parts, where it says why, as fit.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= SENTENCE_MAX {
        return text.to_string();
    }
    let parts: Vec<&str> = text.split(": ").collect();
    let head = shorten(parts[0], SENTENCE_MAX / 2);
    let mut tail: Vec<&str> = Vec::new();
    let mut used = head.chars().count() + ": \u{2026}".chars().count();
    for part in parts[1..].iter().rev() {
        let len = part.chars().count() + 2;
        if used + len > SENTENCE_MAX {
            break;
        }
        used += len;
        tail.push(part);
    }
    if tail.is_empty() {
        return shorten(text, SENTENCE_MAX);
    }
    tail.reverse();
    format!("{head}: \u{2026}: {}", tail.join(": "))
}

/// At most `max` chars, the last an ellipsis when something was cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('\u{2026}');
    out
}

#[cfg(test)]
#[path = "failure_tests.rs"]
mod tests;
