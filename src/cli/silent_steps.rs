//! Headless lines about steps that print nothing for a long time: an emulated compile can be
//! silent for many minutes, and a CI system kills a job whose log stops moving.

use std::io::Write;
use std::time::Duration;

use tokio::time::Instant;

use crate::build::runner::StepSummary;
use crate::model::format_duration;
use crate::model::sanitize::sanitize_line;
use crate::plan::Plan;

/// How long a step runs before a line says so, and how often after that.
pub const STILL_EVERY: Duration = Duration::from_secs(60);
/// A step's name is the whole command of a RUN; the line shows its start.
const STEP_CHARS: usize = 60;

#[derive(Debug, Clone)]
struct Current {
    step: String,
    number: usize,
    total: usize,
    since: Instant,
    lines: u32,
}

impl Current {
    fn due(&self) -> Instant {
        self.since + STILL_EVERY * (self.lines + 1)
    }
}

/// The step each running cell is in, and since when.
#[derive(Debug, Clone)]
pub struct SilentSteps {
    cells: Vec<Option<Current>>,
}

impl SilentSteps {
    pub fn new(cells: usize) -> SilentSteps {
        SilentSteps {
            cells: vec![None; cells],
        }
    }

    /// The cell's progress: a new current step starts its clock, the same one keeps it.
    pub fn steps(&mut self, cell: usize, summary: &StepSummary, now: Instant) {
        let Some(slot) = self.cells.get_mut(cell) else {
            return;
        };
        let Some(step) = &summary.current else {
            *slot = None;
            return;
        };
        let number = (summary.done + 1).min(summary.total.max(1));
        match slot {
            Some(current) if &current.step == step => {
                current.number = number;
                current.total = summary.total;
            }
            _ => {
                *slot = Some(Current {
                    step: step.clone(),
                    number,
                    total: summary.total,
                    since: now,
                    lines: 0,
                })
            }
        }
    }

    /// The cell's status changed: whatever step it was in is over.
    pub fn stopped(&mut self, cell: usize) {
        if let Some(slot) = self.cells.get_mut(cell) {
            *slot = None;
        }
    }

    /// When the next line is due; `None` while no cell is in a step.
    pub fn next_due(&self) -> Option<Instant> {
        self.cells.iter().flatten().map(Current::due).min()
    }

    /// A line for each cell whose step has run another [`STILL_EVERY`] by `now`:
    /// `[api linux/arm64] still in step 5/6 [build 5/6] RUN make 240.0s`.
    pub fn remind(&mut self, out: &mut dyn Write, plan: &Plan, now: Instant) {
        for (cell, slot) in self.cells.iter_mut().enumerate() {
            let Some(current) = slot else { continue };
            if current.due() > now {
                continue;
            }
            current.lines = (now.saturating_duration_since(current.since).as_secs()
                / STILL_EVERY.as_secs()) as u32;
            let _ = writeln!(
                out,
                "{} still in step {}/{} {} {}",
                plan.cells[cell].label(),
                current.number,
                current.total,
                cut(&sanitize_line(&current.step)),
                format_duration(now.saturating_duration_since(current.since))
            );
        }
    }
}

fn cut(step: &str) -> String {
    if step.chars().count() <= STEP_CHARS {
        return step.to_string();
    }
    let mut short: String = step.chars().take(STEP_CHARS - 1).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(step: Option<&str>, done: usize) -> StepSummary {
        StepSummary {
            total: 6,
            done,
            current: step.map(str::to_string),
            ..StepSummary::default()
        }
    }

    #[test]
    fn a_long_step_name_is_cut_and_cleaned() {
        let long = format!("[5/6] RUN \x1b[31mmake{}", " all".repeat(40));
        let shown = cut(&sanitize_line(&long));
        assert_eq!(shown.chars().count(), STEP_CHARS);
        assert!(shown.starts_with("[5/6] RUN make all"), "{shown}");
        assert!(shown.ends_with('…'));
        assert_eq!(cut("RUN make"), "RUN make");
    }

    #[tokio::test(start_paused = true)]
    async fn the_same_step_keeps_its_clock_and_a_new_one_restarts_it() {
        let t0 = Instant::now();
        let mut steps = SilentSteps::new(2);
        assert_eq!(steps.next_due(), None);
        steps.steps(1, &summary(Some("[5/6] RUN make"), 4), t0);
        assert_eq!(steps.next_due(), Some(t0 + STILL_EVERY));
        // Progress in other steps, the same one still current.
        steps.steps(1, &summary(Some("[5/6] RUN make"), 4), t0 + STILL_EVERY / 2);
        assert_eq!(steps.next_due(), Some(t0 + STILL_EVERY));
        let t1 = t0 + Duration::from_secs(50);
        steps.steps(1, &summary(Some("[6/6] RUN test"), 5), t1);
        assert_eq!(steps.next_due(), Some(t1 + STILL_EVERY));
        steps.steps(1, &summary(None, 6), t1);
        assert_eq!(steps.next_due(), None);
        steps.steps(0, &summary(Some("[1/6] FROM x"), 0), t1);
        steps.stopped(0);
        assert_eq!(steps.next_due(), None);
    }
}
