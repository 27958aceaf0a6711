//! What a build's event stream says about its failure besides buildx's trailer: which step
//! failed, and what that step printed first and last.

use std::collections::{HashMap, VecDeque};

use super::progress::BuildEvent;
use crate::build::failure::{self, OUTPUT_LINES};

#[derive(Debug, Default)]
pub struct FailureFacts {
    errors: Vec<String>,
    failed_step: Option<String>,
    /// The failed step's error was a cancel: a step BuildKit stopped because another failed.
    failed_step_canceled: bool,
    /// The first output line of each step: runc's own words when a step's command could not
    /// be executed at all.
    first_lines: HashMap<String, String>,
    /// The last output lines of each step: with rawjson progress, buildx's trailer does not
    /// repeat what the failed step printed, and that is often the reason.
    tails: HashMap<String, VecDeque<String>>,
}

impl FailureFacts {
    /// Takes note of one (already masked) event.
    pub fn observe(&mut self, ev: &BuildEvent) {
        match ev {
            BuildEvent::Log { step, lines, .. } => {
                if !self.first_lines.contains_key(step) {
                    let first = lines.iter().next().unwrap_or_default();
                    self.first_lines.insert(step.clone(), first.to_string());
                }
                let tail = match self.tails.get_mut(step) {
                    Some(tail) => tail,
                    None => self.tails.entry(step.clone()).or_default(),
                };
                let skipped = lines.len().saturating_sub(OUTPUT_LINES);
                for line in lines.iter().skip(skipped) {
                    if tail.len() == OUTPUT_LINES {
                        tail.pop_front();
                    }
                    tail.push_back(line.to_string());
                }
            }
            BuildEvent::StepError { step, error } => {
                self.errors.push(format!("{step}: {error}"));
                // When one step fails BuildKit cancels those running beside it; their errors
                // say `context canceled` and are not the story.
                let canceled = error.contains("context canceled");
                if self.failed_step.is_none() || (self.failed_step_canceled && !canceled) {
                    self.failed_step = Some(step.clone());
                    self.failed_step_canceled = canceled;
                }
            }
            BuildEvent::Steps(_)
            | BuildEvent::StepStarted { .. }
            | BuildEvent::StepEnded { .. }
            | BuildEvent::Warning(_) => {}
        }
    }

    pub fn failed_step_first_line(&self) -> Option<&str> {
        self.first_lines
            .get(self.failed_step.as_deref()?)
            .map(String::as_str)
    }

    /// The plain text buildx prints after the JSON stream is the most useful account of a
    /// failure (Dockerfile excerpt and `ERROR:` line); without it, the steps' own errors.
    pub fn failure_text(&self, trailer: &str, code: Option<i32>) -> String {
        if !trailer.trim().is_empty() {
            return trailer.trim().to_string();
        }
        if !self.errors.is_empty() {
            return self.errors.join("\n");
        }
        match code {
            Some(code) => {
                format!("docker buildx build exited with status {code} and printed no error")
            }
            None => "docker buildx build was killed by a signal".to_string(),
        }
    }

    /// `text`, then the failed step and what it printed last.
    pub fn with_step_output(&self, text: String) -> String {
        let tail: Vec<&str> = self
            .failed_step
            .as_deref()
            .and_then(|step| self.tails.get(step))
            .map(|tail| tail.iter().map(String::as_str).collect())
            .unwrap_or_default();
        failure::with_step_output(text, self.failed_step.as_deref(), &tail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(step: &str, error: &str) -> BuildEvent {
        BuildEvent::StepError {
            step: step.into(),
            error: error.into(),
        }
    }

    fn log(step: &str, lines: &str) -> BuildEvent {
        BuildEvent::Log {
            step: step.into(),
            stream: 1,
            lines: lines.into(),
        }
    }

    #[test]
    fn the_step_that_failed_is_not_one_canceled_because_of_it() {
        for order in [[0, 1, 2], [1, 0, 2], [1, 2, 0]] {
            let events = [
                error("[b 2/2] RUN false", "process \"false\" did not complete successfully: exit code: 1"),
                error("[a 1/2] RUN sleep 9", "process \"sleep 9\" did not complete successfully: exit code: 137: context canceled"),
                error("[c 1/1] COPY x /", "Canceled: context canceled"),
            ];
            let mut facts = FailureFacts::default();
            facts.observe(&log("[b 2/2] RUN false", "why it failed"));
            for i in order {
                facts.observe(&events[i]);
            }
            let text = facts.with_step_output("ERROR: x".into());
            assert_eq!(
                text,
                "ERROR: x\nfailed step: [b 2/2] RUN false\nlast output of the failed step:\n  why it failed",
                "{order:?}"
            );
            assert_eq!(facts.failed_step_first_line(), Some("why it failed"));
        }
    }

    #[test]
    fn only_the_last_lines_are_kept() {
        let numbers =
            |range: std::ops::Range<u32>| range.map(|n| n.to_string()).collect::<Vec<_>>();
        // A line per event, and the same lines in events of several lines.
        let one_by_one: Vec<String> = numbers(0..25);
        let batched = [
            numbers(0..3).join("\n"),
            "3".into(),
            numbers(4..25).join("\n"),
        ];
        for events in [&one_by_one[..], &batched[..]] {
            let mut facts = FailureFacts::default();
            for lines in events {
                facts.observe(&log("[1/1] RUN seq 25", lines));
            }
            facts.observe(&error("[1/1] RUN seq 25", "exit code: 1"));
            let text = facts.with_step_output(String::new());
            let kept: Vec<&str> = text.lines().skip(3).map(str::trim).collect();
            assert_eq!(kept, numbers(15..25));
            assert_eq!(facts.failed_step_first_line(), Some("0"));
        }
    }

    #[test]
    fn without_a_trailer_the_steps_errors_tell() {
        let mut facts = FailureFacts::default();
        assert_eq!(
            facts.failure_text(" \n", Some(1)),
            "docker buildx build exited with status 1 and printed no error"
        );
        assert_eq!(
            facts.failure_text("", None),
            "docker buildx build was killed by a signal"
        );
        facts.observe(&error("[1/1] RUN x", "boom"));
        assert_eq!(facts.failure_text("", Some(1)), "[1/1] RUN x: boom");
        assert_eq!(facts.failure_text("\nERROR: y\n", Some(1)), "ERROR: y");
    }
}
