//! `.archgrid/context-cache.json`: for each file of each build context, what `lstat` said of it
//! (size, modification and change times in nanoseconds, inode, mode) and the hash of its
//! content, as git's index keeps them. A file whose `lstat` is unchanged is not read again.
//!
//! Racy timestamps: a file changed in the same clock tick as it was read looks unchanged
//! afterwards. Each context keeps the time its walk began; an entry whose modification or
//! change time is not clearly older than that is not trusted, and the file is read again the
//! next time (after which its times are old enough to be trusted).

use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::build::json_writer::persist;
use crate::model::text::hex;

const VERSION: u32 = 1;
const FILE: &str = "context-cache.json";
/// How much older than a walk's start a file's times must be to trust its entry. File times
/// come from the kernel's coarse clock, which lags the one read for the start by up to a tick,
/// and some file systems keep whole seconds or two.
const RACY_NS: i64 = 2_000_000_000;

/// What `lstat` says of a file that tells a change from no change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    pub size: u64,
    pub mtime_ns: i64,
    pub ctime_ns: i64,
    pub ino: u64,
    pub mode: u32,
}

impl Stat {
    pub fn of(meta: &Metadata) -> Stat {
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Stat {
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            mode: meta.mode(),
        }
    }
}

pub(crate) type Digest = [u8; 32];

#[derive(Debug, Default)]
struct Known {
    /// When the walk that recorded these began, in nanoseconds since the epoch.
    stamp_ns: i64,
    files: HashMap<String, (Stat, Digest)>,
}

impl Known {
    fn vouches(&self, rel: &str, stat: &Stat) -> Option<Digest> {
        let (known, digest) = self.files.get(rel)?;
        let settled = self.stamp_ns.saturating_sub(RACY_NS);
        (known == stat && stat.mtime_ns < settled && stat.ctime_ns < settled).then_some(*digest)
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    contexts: BTreeMap<String, ContextFile>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ContextFile {
    stamp_ns: i64,
    /// `[path, size, mtime_ns, ctime_ns, inode, mode, sha256]`: one short array per file.
    files: Vec<Row>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Row(String, u64, i64, i64, u64, u32, String);

#[derive(Debug)]
pub(crate) struct StatCache {
    path: PathBuf,
    /// As loaded: what earlier runs recorded, by context root.
    old: HashMap<String, Known>,
    /// What this run saw; only the contexts it walked are written back.
    new: BTreeMap<String, Known>,
    read_any: bool,
}

impl StatCache {
    /// A missing, unreadable or other-version file is an empty cache: every file is read.
    pub fn load(state_dir: &Path) -> StatCache {
        let path = state_dir.join(FILE);
        // Read straight into its rows: the file can hold many thousands of them.
        let file = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|f| f.version == VERSION);
        let old = file
            .map(|f| f.contexts)
            .unwrap_or_default()
            .into_iter()
            .map(|(root, ctx)| {
                let files = ctx
                    .files
                    .into_iter()
                    .filter_map(|Row(rel, size, mtime_ns, ctime_ns, ino, mode, digest)| {
                        let stat = Stat {
                            size,
                            mtime_ns,
                            ctime_ns,
                            ino,
                            mode,
                        };
                        Some((rel, (stat, unhex(&digest)?)))
                    })
                    .collect();
                let known = Known {
                    stamp_ns: ctx.stamp_ns,
                    files,
                };
                (root, known)
            })
            .collect();
        StatCache {
            path,
            old,
            new: BTreeMap::new(),
            read_any: false,
        }
    }

    /// A walk of `root` begins at `stamp_ns`. A context walked twice in one run (two
    /// Dockerfiles with their own ignore files) keeps the earlier time, the safer one.
    pub fn begin(&mut self, root: &str, stamp_ns: i64) {
        let known = self.new.entry(root.to_string()).or_insert_with(|| Known {
            stamp_ns,
            files: HashMap::new(),
        });
        known.stamp_ns = known.stamp_ns.min(stamp_ns);
    }

    /// The content hash of `rel` when an entry vouches for a file with this `stat`.
    pub fn lookup(&self, root: &str, rel: &str, stat: &Stat) -> Option<Digest> {
        let vouch = |known: Option<&Known>| known.and_then(|k| k.vouches(rel, stat));
        vouch(self.new.get(root)).or_else(|| vouch(self.old.get(root)))
    }

    /// Keeps what this run knows of `rel`; `read` says its content was read to know it.
    pub fn record(&mut self, root: &str, rel: &str, stat: Stat, digest: Digest, read: bool) {
        self.read_any |= read;
        if let Some(known) = self.new.get_mut(root) {
            known.files.insert(rel.to_string(), (stat, digest));
        }
    }

    /// Nothing read and the same files in the same contexts: what is on disk already says it.
    fn unchanged(&self) -> bool {
        !self.read_any
            && self.new.len() == self.old.len()
            && self.new.iter().all(|(root, known)| {
                self.old
                    .get(root)
                    .is_some_and(|old| old.files.len() == known.files.len())
            })
    }

    /// Writes what this run saw through a temp file and a rename, unless it is what the file
    /// already holds.
    pub fn save(&self) -> std::io::Result<()> {
        if self.unchanged() {
            return Ok(());
        }
        let contexts = self
            .new
            .iter()
            .map(|(root, known)| {
                let mut files: Vec<Row> = known
                    .files
                    .iter()
                    .map(|(rel, (s, digest))| {
                        Row(
                            rel.clone(),
                            s.size,
                            s.mtime_ns,
                            s.ctime_ns,
                            s.ino,
                            s.mode,
                            hex(digest),
                        )
                    })
                    .collect();
                files.sort_by(|a, b| a.0.cmp(&b.0));
                let ctx = ContextFile {
                    stamp_ns: known.stamp_ns,
                    files,
                };
                (root.clone(), ctx)
            })
            .collect();
        let file = CacheFile {
            version: VERSION,
            contexts,
        };
        let bytes = serde_json::to_vec(&file).map_err(std::io::Error::from)?;
        persist(&self.path, &bytes)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn unhex(text: &str) -> Option<Digest> {
    let mut out = [0u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}
