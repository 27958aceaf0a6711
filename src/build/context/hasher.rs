//! The content hash of a build context: every file buildx would send, by relative path, kind,
//! exec bit and content hash, in a fixed order. Folders the ignore rules leave out are not
//! opened; files the stat cache vouches for are not read; the rest are read in chunks, so
//! memory does not grow with file size.

use std::fs::{self, File, FileType};
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sha2::{Digest as _, Sha256};

use super::ignore::IgnoreRules;
use super::stat_cache::{Digest, Stat, StatCache};
use super::watch::{Cancelled, HashStats, Progress, Watch};
use crate::model::text::hex;

/// Read in pieces of this size; progress and cancel are looked at between pieces.
const CHUNK: usize = 256 * 1024;
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// Hashes the contexts of one run against one stat cache; [`ContextHasher::save`] writes what
/// it learned back.
#[derive(Debug)]
pub struct ContextHasher {
    cache: StatCache,
    stats: HashStats,
    now: fn() -> SystemTime,
    buf: Vec<u8>,
    last_report: Option<Instant>,
}

/// What one walk needs besides the hasher.
struct Walk<'a> {
    root: &'a str,
    rules: &'a IgnoreRules,
    watch: &'a Watch,
    context: &'a Path,
    tree: Sha256,
}

impl ContextHasher {
    /// With the stat cache under `state_dir` (`.archgrid/`).
    pub fn open(state_dir: &Path) -> ContextHasher {
        ContextHasher::with_clock(state_dir, SystemTime::now)
    }

    /// `now` says when each walk begins, which decides which cache entries are trusted next
    /// time; tests move it to see both sides of that line.
    pub fn with_clock(state_dir: &Path, now: fn() -> SystemTime) -> ContextHasher {
        ContextHasher {
            cache: StatCache::load(state_dir),
            stats: HashStats::default(),
            now,
            buf: Vec::new(),
            last_report: None,
        }
    }

    /// Counts so far: how many files were looked at and how many had to be read.
    pub fn stats(&self) -> HashStats {
        self.stats
    }

    /// Writes the stat cache if this run learned anything; a failure only costs reading the
    /// files again next time.
    pub fn save(&self) {
        if let Err(e) = self.cache.save() {
            tracing::warn!("could not write {}: {e}", self.cache.path().display());
        }
    }

    /// The hash of what of `context` buildx would send, `rules` applied. `.archgrid/` and
    /// `.git/` never count: the first changes with every run, the second with every commit.
    pub fn hash(
        &mut self,
        context: &Path,
        rules: &IgnoreRules,
        watch: &Watch,
    ) -> Result<String, Cancelled> {
        let stamp = (self.now)()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let root = context.to_string_lossy();
        self.cache.begin(&root, stamp);
        let mut walk = Walk {
            root: &root,
            rules,
            watch,
            context,
            tree: Sha256::new(),
        };
        let mut dir = context.to_path_buf();
        self.walk(&mut walk, &mut dir, &mut Vec::new(), &[])?;
        self.report(watch, context, true);
        Ok(hex(&walk.tree.finalize()))
    }

    fn walk(
        &mut self,
        walk: &mut Walk<'_>,
        dir: &mut PathBuf,
        rel: &mut Vec<u8>,
        parent: &[bool],
    ) -> Result<(), Cancelled> {
        let Ok(entries) = fs::read_dir(&*dir) else {
            return Ok(());
        };
        let mut entries: Vec<(std::ffi::OsString, FileType)> = entries
            .flatten()
            .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)))
            .filter(|(name, _)| name != crate::plan::STATE_DIR && name != ".git")
            .collect();
        entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        for (name, kind) in entries {
            if walk.watch.is_cancelled() {
                return Err(Cancelled);
            }
            let rel_len = rel.len();
            if !rel.is_empty() {
                rel.push(b'/');
            }
            rel.extend_from_slice(name.as_bytes());
            dir.push(&name);
            let (excluded, matched) = walk.rules.check(rel, parent);
            let result = if kind.is_dir() {
                if !excluded || walk.rules.walk_excluded(rel) {
                    self.walk(walk, dir, rel, &matched)
                } else {
                    Ok(())
                }
            } else if !excluded {
                self.file(walk, dir, rel, kind)
            } else {
                Ok(())
            };
            dir.pop();
            rel.truncate(rel_len);
            result?;
        }
        Ok(())
    }

    fn file(
        &mut self,
        walk: &mut Walk<'_>,
        path: &Path,
        rel: &[u8],
        kind: FileType,
    ) -> Result<(), Cancelled> {
        // Counted as it starts, so that a long read shows among the files looked at.
        self.stats.files += 1;
        walk.tree.update(rel);
        walk.tree.update([0]);
        match fs::symlink_metadata(path) {
            Ok(_) if kind.is_symlink() => {
                walk.tree.update(b"l");
                let target = fs::read_link(path).unwrap_or_default();
                walk.tree.update(target.as_os_str().as_bytes());
            }
            Ok(meta) if meta.is_file() => {
                let exec = meta.permissions().mode() & 0o111 != 0;
                walk.tree.update(if exec { b"x" } else { b"f" });
                match self.content(walk, path, rel, &meta)? {
                    Some(digest) => walk.tree.update(digest),
                    None => walk.tree.update(b"?"),
                }
            }
            // A fifo, socket or device is sent as an entry; opening one could block forever.
            Ok(_) => walk.tree.update(b"s"),
            Err(_) => walk.tree.update(b"?"),
        }
        walk.tree.update([0]);
        self.report(walk.watch, walk.context, false);
        Ok(())
    }

    /// The content hash of a regular file: from the stat cache when it vouches for it, read
    /// otherwise. `None` when it cannot be read (buildx could not send it either).
    fn content(
        &mut self,
        walk: &Walk<'_>,
        path: &Path,
        rel: &[u8],
        meta: &fs::Metadata,
    ) -> Result<Option<Digest>, Cancelled> {
        let stat = Stat::of(meta);
        // A path that is not UTF-8 cannot be a JSON key; such a file is read every time.
        let key = std::str::from_utf8(rel).ok();
        if let Some(key) = key {
            if let Some(digest) = self.cache.lookup(walk.root, key, &stat) {
                self.cache.record(walk.root, key, stat, digest, false);
                return Ok(Some(digest));
            }
        }
        let Ok(mut file) = File::open(path) else {
            return Ok(None);
        };
        self.buf.resize(CHUNK, 0);
        let mut h = Sha256::new();
        self.stats.read_files += 1;
        loop {
            if walk.watch.is_cancelled() {
                return Err(Cancelled);
            }
            match file.read(&mut self.buf) {
                Ok(0) => break,
                Ok(n) => {
                    h.update(&self.buf[..n]);
                    self.stats.read_bytes += n as u64;
                    self.report(walk.watch, walk.context, false);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return Ok(None),
            }
        }
        let digest: Digest = h.finalize().into();
        if let Some(key) = key {
            self.cache.record(walk.root, key, stat, digest, true);
        }
        Ok(Some(digest))
    }

    fn report(&mut self, watch: &Watch, context: &Path, now: bool) {
        if !now && self.last_report.is_some_and(|t| t.elapsed() < REPORT_EVERY) {
            return;
        }
        self.last_report = Some(Instant::now());
        watch.report(&Progress {
            context,
            so_far: self.stats,
        });
    }
}
