//! Reports of a run for CI: a JUnit XML file (a test case per cell) and a JSON report. Both
//! front ends fill a [`Recorder`] from the scheduler's events and hand it over when the run ends.

pub mod json;
pub mod junit;
mod log_tail;
mod write;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::build::scheduler::Event;
use crate::build::state::{failure_excerpt, AttemptRecord};
use crate::model::CellStatus;
use crate::plan::Plan;

pub use log_tail::{log_tail, TAIL_LINES};
pub use write::{Destinations, Kind, ReportError};

/// What a report is made from: the plan, how each cell ended and the attempts this run made.
#[derive(Debug, Clone, Copy)]
pub struct RunReport<'a> {
    pub plan: &'a Plan,
    /// Each cell's last status, by cell index.
    pub statuses: &'a [CellStatus],
    /// The attempts each cell made in this run, by cell index. A cell skipped as up to date
    /// made none: the attempts state.json keeps from earlier runs are not this run's.
    pub attempts: &'a [Vec<AttemptRecord>],
    pub started: SystemTime,
    pub duration: Duration,
    /// The code the process exits with.
    pub exit_code: i32,
}

impl RunReport<'_> {
    /// The time a cell spent building in this run, over all its attempts; `None` when it made
    /// none.
    pub fn build_time(&self, cell: usize) -> Option<Duration> {
        let attempts = self.attempts.get(cell)?;
        (!attempts.is_empty()).then(|| attempts.iter().map(|a| a.duration).sum())
    }

    /// The cell whose own failure blocked `cell`, following blocked dependencies down.
    pub fn first_unbuilt(&self, cell: usize) -> usize {
        let mut at = cell;
        // A chain of blocked cells is at most as long as the plan; the bound keeps a status
        // that names itself from looping.
        for _ in 0..self.plan.cells.len() {
            match self.statuses.get(at) {
                Some(CellStatus::Blocked { by }) if *by != at => at = *by,
                _ => break,
            }
        }
        at
    }
}

/// Each cell's status and attempts as the scheduler's events tell them, and when the run started
/// and last changed.
#[derive(Debug, Clone)]
pub struct Recorder {
    plan: Arc<Plan>,
    started: SystemTime,
    clock: Instant,
    last_event: Instant,
    statuses: Vec<CellStatus>,
    attempts: Vec<Vec<AttemptRecord>>,
}

impl Recorder {
    /// A run of `plan` that starts now from `initial`, the statuses the scheduler is given.
    pub fn new(plan: Arc<Plan>, initial: &[CellStatus]) -> Recorder {
        let clock = Instant::now();
        Recorder {
            plan,
            started: SystemTime::now(),
            clock,
            last_event: clock,
            statuses: initial.to_vec(),
            attempts: vec![Vec::new(); initial.len()],
        }
    }

    pub fn observe(&mut self, event: &Event) {
        self.last_event = Instant::now();
        match event {
            Event::Status { cell, status } => {
                if let Some(slot) = self.statuses.get_mut(*cell) {
                    *slot = status.clone();
                }
            }
            Event::AttemptEnded { cell, record } => {
                let (Some(list), Some(c)) =
                    (self.attempts.get_mut(*cell), self.plan.cells.get(*cell))
                else {
                    return;
                };
                // The report shows the log's tail; a failure's text is kept only as short as
                // state.json keeps it, for a log that cannot be read.
                let mut record = record.clone();
                record.text = record.text.map(|t| failure_excerpt(&t, &c.log_file));
                list.push(record);
            }
            _ => {}
        }
    }

    pub fn statuses(&self) -> &[CellStatus] {
        &self.statuses
    }

    pub fn attempts(&self) -> &[Vec<AttemptRecord>] {
        &self.attempts
    }

    /// The report of the run so far: it lasted until the last event the scheduler sent, so a
    /// console left open after the grid settled does not count the idle time.
    pub fn report(&self, exit_code: i32) -> RunReport<'_> {
        RunReport {
            plan: &self.plan,
            statuses: &self.statuses,
            attempts: &self.attempts,
            started: self.started,
            duration: self.last_event.saturating_duration_since(self.clock),
            exit_code,
        }
    }
}

/// An instant as RFC 3339 in UTC, to the millisecond: `2026-05-04T10:20:30.123Z`.
pub fn rfc3339(t: SystemTime) -> String {
    match jiff::Timestamp::try_from(t) {
        Ok(ts) => format!("{ts:.3}"),
        Err(_) => "1970-01-01T00:00:00.000Z".to_string(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
