//! `.archgrid/history.json`: how long each cell's last green attempts took, step by step, so
//! the front ends can tell how long a running cell and the whole grid have left (see
//! [`super::eta`]). Like state.json, it is changed in memory and written by a [`Writer`] off the
//! scheduler's task.
//!
//! Step names are build output, masked by the runner but not sanitized: sanitize before drawing.

mod timings;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::json_writer::{read_versioned, Writer};
use super::state::{millis, unix_ms};
use crate::plan::Cell;

pub use timings::AttemptSteps;

const VERSION: u32 = 1;
/// Green attempts kept per cell: enough for a median that one odd run does not move, few
/// enough that the file stays small and an old Dockerfile's steps leave soon.
pub const KEEP_RUNS: usize = 10;

/// One step of a green attempt, as BuildKit timed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepTime {
    pub name: String,
    #[serde(rename = "ms", with = "millis")]
    pub duration: Duration,
    pub cached: bool,
}

/// One green attempt of one cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GreenRun {
    #[serde(with = "unix_ms")]
    pub when: SystemTime,
    #[serde(with = "millis")]
    pub total: Duration,
    /// Every step came from the cache: how long it took says little about a real build.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
    /// In the order the steps started.
    pub steps: Vec<StepTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryFile {
    pub version: u32,
    /// By cell id (`app@linux/arm64`), oldest first.
    pub cells: BTreeMap<String, Vec<GreenRun>>,
}

impl Default for HistoryFile {
    fn default() -> Self {
        HistoryFile {
            version: VERSION,
            cells: BTreeMap::new(),
        }
    }
}

impl HistoryFile {
    /// The kept green attempts of a cell, oldest first; none for a cell never built green.
    pub fn runs(&self, cell_id: &str) -> &[GreenRun] {
        self.cells.get(cell_id).map_or(&[], Vec::as_slice)
    }

    /// Adds an attempt and forgets the oldest past [`KEEP_RUNS`].
    pub fn record(&mut self, cell_id: &str, run: GreenRun) {
        let runs = self.cells.entry(cell_id.to_string()).or_default();
        runs.push(run);
        let extra = runs.len().saturating_sub(KEEP_RUNS);
        runs.drain(..extra);
    }
}

/// The history of the grid's cells, shared between the scheduler, which records, and the
/// front ends, which read it to estimate while drawing.
#[derive(Debug)]
pub struct History {
    path: PathBuf,
    writer: Writer<HistoryFile>,
}

impl History {
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join("history.json")
    }

    /// A missing or unreadable file, or one of another version, is an empty history: the worst
    /// case is no estimate until a cell was built again.
    pub fn load(state_dir: &Path) -> History {
        let path = Self::path_in(state_dir);
        let file = read_versioned(&path, VERSION).unwrap_or_default();
        History {
            writer: Writer::start(path.clone(), file),
            path,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records a green attempt of `cell`; written to disk soon after, off the caller's thread.
    pub fn record(&self, cell: &Cell, run: GreenRun) {
        let id = cell.id();
        self.writer.change(|file| file.record(&id, run));
    }

    /// Reads the history under its lock; `f` should be quick, as the scheduler may be waiting
    /// to record.
    pub fn read<T>(&self, f: impl FnOnce(&HistoryFile) -> T) -> T {
        self.writer.read(f)
    }

    /// Waits until every attempt recorded so far is on disk.
    pub fn flush(&self) {
        self.writer.flush();
    }
}

#[cfg(test)]
mod tests;
