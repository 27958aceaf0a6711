//! `.archgrid/state.json`: each cell's last status, attempts, digest and the inputs it was
//! built from, so a second run can skip what is already green. Changes are made in memory and
//! written by a [`Writer`] off the scheduler's task.

mod keys;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::json_writer::{read_versioned, Writer};
use crate::model::{CellStatus, FailureClass, InfraCause, Outcome, RecordedStatus};
use crate::plan::{Cell, Plan};

pub use keys::{input_keys, InputKeys};

const VERSION: u32 = 1;
/// Attempts kept per cell; older ones are dropped so the file stays small.
const KEEP_ATTEMPTS: usize = 20;
/// Failure text kept per attempt. The cause is at the end of buildx's text, so the end is kept;
/// the whole output stays in the cell's log under `.archgrid/logs/`.
pub const KEEP_FAILURE_TEXT: usize = 4 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub attempt: u32,
    #[serde(with = "unix_ms")]
    pub started: SystemTime,
    #[serde(with = "millis")]
    pub duration: Duration,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// What outside the build broke, for an infra failure or a registry that refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<InfraCause>,
    /// One line, cause first: [`crate::build::failure::FailureSummary::cause`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Everything buildx said about the failure, and what the failed step printed last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A failure that was followed by another attempt: a transient one after its backoff, or
    /// one the engine's or registry's outage caused, once it answered again.
    #[serde(default)]
    pub retried: bool,
    /// An outage ended it: the attempt did not count, and the cell waited for the engine or
    /// registry instead of backing off.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub given_back: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    pub image: String,
    /// How the cell last ended; none yet while its first attempt is being retried.
    #[serde(
        default,
        serialize_with = "write_recorded_status",
        deserialize_with = "read_recorded_status"
    )]
    pub status: Option<RecordedStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// Hash of the argv, the context's content, the Dockerfile and the dependencies' inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_key: Option<String>,
    #[serde(default)]
    pub attempts: Vec<AttemptRecord>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateFile {
    pub version: u32,
    pub cells: BTreeMap<String, CellRecord>,
}

#[derive(Debug)]
pub struct StateStore {
    path: PathBuf,
    writer: Writer<StateFile>,
    /// Input keys of this run's cells, by cell id; recorded with each green result.
    keys: BTreeMap<String, String>,
}

impl StateStore {
    pub fn path_in(state_dir: &Path) -> PathBuf {
        state_dir.join("state.json")
    }

    /// A missing or unreadable file is an empty state: the worst case is a rebuild.
    pub fn load(state_dir: &Path) -> StateStore {
        let path = Self::path_in(state_dir);
        let file = read_versioned(&path, VERSION).unwrap_or(StateFile {
            version: VERSION,
            cells: BTreeMap::new(),
        });
        StateStore {
            writer: Writer::start(path.clone(), file),
            path,
            keys: BTreeMap::new(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn set_keys(&mut self, plan: &Plan, keys: &[String]) {
        for (cell, key) in plan.cells.iter().zip(keys) {
            self.keys.insert(cell.id(), key.clone());
        }
    }

    /// How `cell` last ended; `None` when it never did.
    pub fn recorded_status(&self, cell: &Cell) -> Option<RecordedStatus> {
        self.writer
            .read(|f| f.cells.get(&cell.id()).and_then(|r| r.status))
    }

    /// `UpToDate` with its digest when `cell` was green for exactly these inputs in an earlier
    /// run. Only the digest is copied out: a record carries its attempts' failure texts.
    pub fn up_to_date(&self, cell: &Cell, key: &str) -> Option<CellStatus> {
        self.writer.read(|f| {
            f.cells
                .get(&cell.id())
                .filter(|r| {
                    r.status == Some(RecordedStatus::Green) && r.input_key.as_deref() == Some(key)
                })
                .map(|r| CellStatus::UpToDate {
                    digest: r.digest.clone(),
                })
        })
    }

    /// Records how a cell ended. Passing states (queued, running, retrying) are not recorded:
    /// the file says how each cell last ended.
    pub fn set_status(&mut self, cell: &Cell, status: &CellStatus) {
        let Some(recorded) = status.recorded() else {
            return;
        };
        let key = self.keys.get(&cell.id()).cloned();
        self.writer.change(|file| {
            let rec = file.cells.entry(cell.id()).or_default();
            rec.image = cell.image.clone();
            rec.status = Some(recorded);
            match status {
                CellStatus::Green {
                    digest, duration, ..
                } => {
                    rec.digest = digest.clone();
                    rec.duration_ms = Some(duration.as_millis() as u64);
                    rec.failure = None;
                    rec.input_key = key;
                }
                CellStatus::Failed { reason, .. } | CellStatus::Refused { reason } => {
                    rec.failure = rec
                        .attempts
                        .last()
                        .and_then(|a| a.text.clone())
                        .or_else(|| Some(reason.clone()));
                    rec.input_key = None;
                }
                _ => rec.input_key = None,
            }
        });
    }

    /// The status that follows may not change (a cancel is shown before the child ends), so
    /// the attempt is recorded on its own.
    pub fn record_attempt(&mut self, cell: &Cell, mut record: AttemptRecord) {
        record.text = record
            .text
            .map(|text| failure_excerpt(&text, &cell.log_file));
        self.writer.change(|file| {
            let rec = file.cells.entry(cell.id()).or_default();
            rec.image = cell.image.clone();
            rec.attempts.push(record);
            let extra = rec.attempts.len().saturating_sub(KEEP_ATTEMPTS);
            rec.attempts.drain(..extra);
        });
    }

    /// Waits until every change so far is on disk.
    pub fn flush(&self) {
        self.writer.flush();
    }
}

/// The end of a failure's text, at most [`KEEP_FAILURE_TEXT`] bytes, cut at a line start, with
/// a first line that says how much was left out and where the whole output is.
pub fn failure_excerpt(text: &str, log_file: &Path) -> String {
    if text.len() <= KEEP_FAILURE_TEXT {
        return text.to_string();
    }
    let mut start = text.len() - KEEP_FAILURE_TEXT;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    if let Some(nl) = text[start..].find('\n') {
        if start + nl + 1 < text.len() {
            start += nl + 1;
        }
    }
    format!(
        "[{} bytes before this; the whole output is in {}]\n{}",
        start,
        log_file.display(),
        &text[start..]
    )
}

/// A cell that has not ended yet (its first attempt is being retried) is written as `""`, as
/// earlier versions wrote it and still read it.
fn write_recorded_status<S: Serializer>(
    status: &Option<RecordedStatus>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match status {
        Some(status) => status.serialize(s),
        None => s.serialize_str(""),
    }
}

/// `""`, and a status a later version may write that this one does not know, read as "not
/// ended".
fn read_recorded_status<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<RecordedStatus>, D::Error> {
    let word = Option::<String>::deserialize(d)?;
    Ok(word.and_then(|w| serde_json::from_value(serde_json::Value::String(w)).ok()))
}

/// A time as unix milliseconds, as state.json and history.json write it.
pub(crate) mod unix_ms {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let ms = u64::deserialize(d)?;
        Ok(UNIX_EPOCH + Duration::from_millis(ms))
    }
}

/// A duration as whole milliseconds.
pub(crate) mod millis {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(t.as_millis() as u64)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_file_of_an_earlier_version_still_loads() {
        let text = r#"{
          "version": 1,
          "cells": {
            "app@linux/amd64": {
              "image": "localhost:5000/demo/app:v1-amd64",
              "status": "green",
              "digest": "sha256:aa",
              "duration_ms": 812,
              "input_key": "k1",
              "attempts": [
                {"attempt": 1, "started": 1700000000000, "duration": 812, "outcome": "green", "retried": false}
              ]
            },
            "api@linux/arm64": {
              "image": "x",
              "status": "",
              "attempts": [
                {"attempt": 1, "started": 1700000000000, "duration": 5, "outcome": "failed",
                 "class": "transient", "reason": "i/o timeout", "text": "ERROR: i/o timeout", "retried": true}
              ]
            },
            "web@linux/amd64": {"image": "y", "status": "blocked"}
          }
        }"#;
        let file: StateFile = serde_json::from_str(text).unwrap();
        let app = &file.cells["app@linux/amd64"];
        assert_eq!(app.status, Some(RecordedStatus::Green));
        assert_eq!(app.attempts[0].outcome, Outcome::Green);
        let api = &file.cells["api@linux/arm64"];
        assert_eq!(api.status, None);
        assert_eq!(api.attempts[0].outcome, Outcome::Failed);
        assert_eq!(api.attempts[0].class, Some(FailureClass::Transient));
        assert_eq!(
            file.cells["web@linux/amd64"].status,
            Some(RecordedStatus::Blocked)
        );
        // Written again, a record reads exactly as it was read.
        let original: serde_json::Value = serde_json::from_str(text).unwrap();
        let again = serde_json::to_value(&file).unwrap();
        assert_eq!(
            again["cells"]["app@linux/amd64"],
            original["cells"]["app@linux/amd64"]
        );
        assert_eq!(
            again["cells"]["api@linux/arm64"],
            original["cells"]["api@linux/arm64"]
        );
    }

    #[test]
    fn failure_text_keeps_its_end_and_says_where_the_rest_is() {
        let log = Path::new("/p/.archgrid/logs/app-arm64.log");
        assert_eq!(failure_excerpt("short\n", log), "short\n");
        let long: String = (0..2000).map(|i| format!("line {i}\n")).collect();
        let kept = failure_excerpt(&long, log);
        assert!(kept.len() <= KEEP_FAILURE_TEXT + 100, "{}", kept.len());
        assert!(kept.ends_with("line 1999\n"));
        let first = kept.lines().next().unwrap();
        assert!(first.contains("/p/.archgrid/logs/app-arm64.log"), "{first}");
        assert!(kept.lines().nth(1).unwrap().starts_with("line "));
        // Multi-byte text is cut at a character boundary.
        let wide = "é".repeat(5000);
        assert!(failure_excerpt(&wide, log).ends_with('é'));
    }

    fn cell(dir: &Path) -> Cell {
        Cell {
            index: 0,
            component: "app".into(),
            platform: "linux/amd64".parse().unwrap(),
            image: "localhost/demo/app:v1-amd64".into(),
            argv: Vec::new(),
            deps: Vec::new(),
            edges: Vec::new(),
            reads: Vec::new(),
            context: dir.to_path_buf(),
            dockerfile: dir.join("Dockerfile"),
            builder: None,
            docker_context: None,
            metadata_file: dir.join("meta.json"),
            log_file: dir.join("app.log"),
            chain: 0,
            steps: 1,
            emulated: false,
            warm: None,
        }
    }

    #[test]
    fn changes_reach_the_file_through_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let cell = cell(dir.path());
        let mut store = StateStore::load(dir.path());
        store.keys.insert(cell.id(), "k1".into());
        store.record_attempt(
            &cell,
            AttemptRecord {
                attempt: 1,
                started: UNIX_EPOCH,
                duration: Duration::from_millis(800),
                outcome: Outcome::Green,
                class: None,
                cause: None,
                reason: None,
                text: None,
                retried: false,
                given_back: false,
            },
        );
        store.set_status(
            &cell,
            &CellStatus::Green {
                digest: Some("sha256:aa".into()),
                duration: Duration::from_millis(800),
                cached: false,
            },
        );
        store.flush();
        let text = std::fs::read_to_string(StateStore::path_in(dir.path())).unwrap();
        let file: StateFile = serde_json::from_str(&text).unwrap();
        let rec = &file.cells[&cell.id()];
        assert_eq!(rec.status, Some(RecordedStatus::Green));
        assert_eq!(rec.input_key.as_deref(), Some("k1"));
        assert_eq!(rec.attempts.len(), 1);
        // Only state.json is left: the temp file was renamed over it.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["state.json"]);
        // The mode a plain file gets here, whatever the umask is.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        assert_eq!(mode(&StateStore::path_in(dir.path())), mode(&plain));
        std::fs::remove_file(&plain).unwrap();
        drop(store);
        let again = StateStore::load(dir.path());
        assert!(again.up_to_date(&cell, "k1").is_some());
        assert!(again.up_to_date(&cell, "k2").is_none());
    }

    #[test]
    fn passing_states_are_not_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let cell = cell(dir.path());
        let mut store = StateStore::load(dir.path());
        store.set_status(&cell, &CellStatus::Running { attempt: 1, of: 3 });
        store.set_status(&cell, &CellStatus::Queued);
        store.flush();
        assert!(store.writer.read(|f| f.cells.is_empty()));
        assert!(!StateStore::path_in(dir.path()).exists());
    }
}
