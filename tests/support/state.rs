//! state.json read back as archgrid's own types, so tests compare statuses and outcomes as
//! values rather than as words.

use std::path::Path;

use archgrid::build::state::{AttemptRecord, CellRecord, StateFile};
use archgrid::model::{Outcome, RecordedStatus};

/// The state a run left in `dir`; empty while the file does not exist yet.
pub fn read(dir: &Path) -> StateFile {
    std::fs::read_to_string(dir.join(".archgrid/state.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

pub fn record<'a>(st: &'a StateFile, id: &str) -> Option<&'a CellRecord> {
    st.cells.get(id)
}

/// How `id` last ended, if it has.
pub fn status(st: &StateFile, id: &str) -> Option<RecordedStatus> {
    record(st, id).and_then(|r| r.status)
}

pub fn attempts<'a>(st: &'a StateFile, id: &str) -> &'a [AttemptRecord] {
    record(st, id).map_or(&[], |r| r.attempts.as_slice())
}

pub fn outcomes(st: &StateFile, id: &str) -> Vec<Outcome> {
    attempts(st, id).iter().map(|a| a.outcome).collect()
}

/// The digest state.json records for cell `id` in `dir`; fails when there is none.
pub fn digest(dir: &Path, id: &str) -> String {
    read(dir)
        .cells
        .get(id)
        .and_then(|c| c.digest.clone())
        .unwrap_or_else(|| panic!("no digest for {id}"))
}
