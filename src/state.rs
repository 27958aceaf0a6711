//! `.archgrid/state.json`: each cell's last status, attempts, digest and the inputs it was
//! built from, so a second run can skip what is already green.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::FailureClass;
use crate::plan::{Cell, Plan};
use crate::scheduler::CellStatus;

const VERSION: u32 = 1;
/// Attempts kept per cell; older ones are dropped so the file stays small.
const KEEP_ATTEMPTS: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    pub attempt: u32,
    #[serde(with = "unix_ms")]
    pub started: SystemTime,
    #[serde(with = "millis")]
    pub duration: Duration,
    /// green, failed or canceled.
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A transient failure that was followed by another attempt.
    #[serde(default)]
    pub retried: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CellRecord {
    pub image: String,
    pub status: String,
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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StateFile {
    pub version: u32,
    pub cells: BTreeMap<String, CellRecord>,
}

#[derive(Debug)]
pub struct StateStore {
    path: PathBuf,
    pub file: StateFile,
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
        let file = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<StateFile>(&t).ok())
            .filter(|f| f.version == VERSION)
            .unwrap_or(StateFile {
                version: VERSION,
                cells: BTreeMap::new(),
            });
        StateStore {
            path,
            file,
            keys: BTreeMap::new(),
        }
    }

    pub fn set_keys(&mut self, plan: &Plan, keys: &[String]) {
        for (cell, key) in plan.cells.iter().zip(keys) {
            self.keys.insert(cell.id(), key.clone());
        }
    }

    pub fn record(&self, cell: &Cell) -> Option<&CellRecord> {
        self.file.cells.get(&cell.id())
    }

    /// Green for exactly these inputs in an earlier run.
    pub fn up_to_date(&self, cell: &Cell, key: &str) -> Option<&CellRecord> {
        self.record(cell)
            .filter(|r| r.status == "green" && r.input_key.as_deref() == Some(key))
    }

    pub fn set_status(&mut self, cell: &Cell, status: &CellStatus) {
        let key = self.keys.get(&cell.id()).cloned();
        let rec = self.file.cells.entry(cell.id()).or_default();
        rec.image = cell.image.clone();
        let persist = match status {
            CellStatus::Green {
                digest, duration, ..
            } => {
                rec.status = "green".into();
                rec.digest = digest.clone();
                rec.duration_ms = Some(duration.as_millis() as u64);
                rec.failure = None;
                rec.input_key = key;
                true
            }
            CellStatus::Failed { reason, .. } => {
                rec.status = "failed".into();
                rec.failure = rec
                    .attempts
                    .last()
                    .and_then(|a| a.text.clone())
                    .or_else(|| Some(reason.clone()));
                rec.input_key = None;
                true
            }
            CellStatus::Canceled => {
                rec.status = "canceled".into();
                rec.input_key = None;
                true
            }
            CellStatus::Blocked { .. } => {
                rec.status = "blocked".into();
                rec.input_key = None;
                true
            }
            // Running, queued and retrying are passing states; what the file records is how
            // each cell last ended.
            _ => false,
        };
        if persist {
            if let Err(err) = self.save() {
                tracing::warn!("could not write {}: {err}", self.path.display());
            }
        }
    }

    pub fn record_attempt(&mut self, cell: &Cell, record: AttemptRecord) {
        let rec = self.file.cells.entry(cell.id()).or_default();
        rec.attempts.push(record);
        let extra = rec.attempts.len().saturating_sub(KEEP_ATTEMPTS);
        rec.attempts.drain(..extra);
        // The status that follows may not change (a cancel is shown before the child ends),
        // so the attempt is written now rather than with the next status.
        if let Err(err) = self.save() {
            tracing::warn!("could not write {}: {err}", self.path.display());
        }
    }

    /// Temp file, fsync, rename: a crash leaves the old file or the new one, never half.
    pub fn save(&self) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self
            .path
            .with_extension(format!("json.tmp.{}", std::process::id()));
        {
            let mut f = std::fs::File::create(&tmp)?;
            serde_json::to_writer_pretty(&mut f, &self.file)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &self.path)
    }
}

/// One key per cell: what went into its image. A dependency's key is part of its dependents'
/// keys, so a changed base rebuilds everything built on it.
pub fn input_keys(plan: &Plan) -> Vec<String> {
    let mut context_hashes: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut keys: Vec<String> = Vec::with_capacity(plan.cells.len());
    for cell in &plan.cells {
        let ctx = context_hashes
            .entry(cell.context.clone())
            .or_insert_with(|| hash_tree(&cell.context))
            .clone();
        let mut h = Sha256::new();
        for arg in &cell.argv {
            h.update(arg.as_bytes());
            h.update([0]);
        }
        h.update(ctx.as_bytes());
        h.update(std::fs::read(&cell.dockerfile).unwrap_or_default());
        for &dep in &cell.deps {
            h.update(keys[dep].as_bytes());
        }
        keys.push(hex(&h.finalize()));
    }
    keys
}

/// Content hash of a build context: relative paths, kinds, exec bits and bytes, in sorted order.
pub fn hash_tree(root: &Path) -> String {
    let mut files = Vec::new();
    collect(root, root, &mut files);
    files.sort();
    let mut h = Sha256::new();
    for rel in files {
        let path = root.join(&rel);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                h.update(b"l");
                h.update(
                    std::fs::read_link(&path)
                        .unwrap_or_default()
                        .to_string_lossy()
                        .as_bytes(),
                );
            }
            Ok(meta) => {
                use std::os::unix::fs::PermissionsExt;
                h.update(if meta.permissions().mode() & 0o111 != 0 {
                    b"x"
                } else {
                    b"f"
                });
                h.update(std::fs::read(&path).unwrap_or_default());
            }
            Err(_) => h.update(b"?"),
        }
        h.update([0]);
    }
    hex(&h.finalize())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == crate::plan::STATE_DIR || name == ".git" {
            continue;
        }
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_path_buf());
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

mod unix_ms {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(t.duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() as u64)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SystemTime, D::Error> {
        let ms = u64::deserialize(d)?;
        Ok(UNIX_EPOCH + Duration::from_millis(ms))
    }
}

mod millis {
    use super::*;
    pub fn serialize<S: serde::Serializer>(t: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(t.as_millis() as u64)
    }
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}
