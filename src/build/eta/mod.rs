//! How long a running cell and the whole grid have left, from the history of green attempts
//! ([`super::history`]). Pure: the caller passes what it measured, and the time it is.
//!
//! A cell's own history comes first, step by step by name: step counts and names shift as
//! BuildKit discovers vertices, so no `n/m` count is used. Without its own history, the same
//! component on another platform is scaled by how much slower or faster the target platform
//! has been for the components built on both. An attempt that runs slower than its history
//! revises what is left upward; it is never revised down, since the first steps are often
//! quick for reasons that do not carry over to the rest.

mod grid;
mod pace;
mod profile;

use std::time::Duration;

use super::history::HistoryFile;
use crate::model::Platform;
use crate::plan::Plan;

pub use super::history::StepTime;
pub use grid::{grid_finish, Finish, Pending};

/// What a running cell has done so far in this attempt.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Steps that ended, as [`super::history::AttemptSteps`] collects them.
    pub done: &'a [StepTime],
    /// The step running now, as the last [`super::runner::StepSummary`] names it.
    pub current: Option<&'a str>,
    /// How long the current step has run.
    pub in_current: Duration,
    /// How long the attempt has run.
    pub elapsed: Duration,
}

/// What an estimate rests on.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// The cell's own green attempts.
    SameCell,
    /// The same component's attempts on `from`, times how long the cell's platform takes
    /// for what `from` takes 1.
    Scaled { from: Platform, factor: f64 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Estimate {
    Left {
        remaining: Duration,
        basis: Basis,
        /// This attempt runs slower than its basis, and what is left was stretched to match.
        revised: bool,
    },
    /// No history to go on: "no estimate yet".
    Unknown,
}

/// Expected duration of a whole attempt of `cell`, when history allows one.
pub fn expected(history: &HistoryFile, plan: &Plan, cell: usize) -> Option<(Duration, Basis)> {
    profile::for_cell(history, plan, cell).map(|(profile, basis)| (profile.total, basis))
}

/// How long the running `cell` has left, given what it did so far.
pub fn estimate(history: &HistoryFile, plan: &Plan, cell: usize, progress: &Progress) -> Estimate {
    match profile::for_cell(history, plan, cell) {
        Some((profile, basis)) => {
            let left = pace::left(&profile, progress);
            Estimate::Left {
                remaining: left.remaining,
                basis,
                revised: left.revised,
            }
        }
        None => Estimate::Unknown,
    }
}

#[cfg(test)]
mod tests;
