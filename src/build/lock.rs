//! One run per matrix. A run that writes `.archgrid/` (a build, the console, publish, export)
//! holds `.archgrid/lock` with an OS advisory lock (`flock`) until it ends. The kernel drops
//! the lock when the process dies, however it dies, so a run killed with SIGKILL blocks no one
//! and nothing has to guess whether a recorded pid is still alive. The pid, start time and
//! command written into the file only tell a second run who holds it.

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rustix::fs::FlockOperation;
use serde::{Deserialize, Serialize};

use crate::model::clock::{clock, parse_rfc3339, rfc3339};

/// The file's name inside the state directory.
pub const LOCK_FILE: &str = "lock";

/// A holder writes its details right after taking the lock; a second run that looks in that
/// instant finds the file still empty, so it looks again a few times before giving up on them.
const READ_TRIES: u32 = 5;
const READ_PAUSE: Duration = Duration::from_millis(40);

/// Who holds the lock, as the holder wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// RFC 3339, UTC.
    pub started: String,
    /// The holder's argv joined with spaces; for people to read, never to run.
    pub command: String,
}

impl Holder {
    fn now(command: &str) -> Holder {
        Holder {
            pid: std::process::id(),
            started: rfc3339(SystemTime::now()),
            command: command.to_string(),
        }
    }
}

/// The lock, held until this is dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

#[derive(Debug)]
pub enum LockError {
    /// Another process holds the lock. `holder` is `None` when the file does not say who.
    Held {
        path: PathBuf,
        holder: Option<Holder>,
    },
    CreateDir {
        dir: PathBuf,
        source: io::Error,
    },
    Open {
        path: PathBuf,
        source: io::Error,
    },
    /// The file system refused the lock itself (not because another run holds it).
    Lock {
        path: PathBuf,
        source: io::Error,
    },
    Write {
        path: PathBuf,
        source: io::Error,
    },
}

impl RunLock {
    /// Takes `STATE_DIR/lock` without waiting, creating the directory if needed, and writes
    /// this process's details into it. `command` is what a second run will show.
    pub fn acquire(state_dir: &Path, command: &str) -> Result<RunLock, LockError> {
        let path = state_dir.join(LOCK_FILE);
        std::fs::create_dir_all(state_dir).map_err(|source| LockError::CreateDir {
            dir: state_dir.to_path_buf(),
            source,
        })?;
        // Not truncated on open: until the lock is ours, the holder's details are not ours to
        // erase.
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|source| LockError::Open {
                path: path.clone(),
                source,
            })?;
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                return Err(LockError::Held {
                    holder: read_holder(&file),
                    path,
                })
            }
            Err(e) => {
                return Err(LockError::Lock {
                    path,
                    source: e.into(),
                })
            }
        }
        let mut lock = RunLock { file, path };
        lock.write(&Holder::now(command))
            .map_err(|source| LockError::Write {
                path: lock.path.clone(),
                source,
            })?;
        Ok(lock)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write(&mut self, holder: &Holder) -> io::Result<()> {
        let mut text = serde_json::to_string(holder)?;
        text.push('\n');
        self.file.set_len(0)?;
        self.file.seek(SeekFrom::Start(0))?;
        self.file.write_all(text.as_bytes())
    }
}

impl Drop for RunLock {
    /// The details go before the lock does (closing the file releases it), so a file with
    /// details in it and no lock means a run that was killed.
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

fn read_holder(file: &File) -> Option<Holder> {
    for n in 0..READ_TRIES {
        if n > 0 {
            std::thread::sleep(READ_PAUSE);
        }
        let mut text = String::new();
        let mut reader = file;
        if reader.seek(SeekFrom::Start(0)).is_err() || reader.read_to_string(&mut text).is_err() {
            return None;
        }
        if let Ok(holder) = serde_json::from_str(&text) {
            return Some(holder);
        }
    }
    None
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::Held {
                path,
                holder: Some(h),
            } => {
                let started = parse_rfc3339(&h.started).map_or_else(
                    || h.started.clone(),
                    |at| clock(at, SystemTime::now(), &jiff::tz::TimeZone::system(), false),
                );
                write!(
                    f,
                    "another archgrid run (pid {}, started {started}, command {}) holds {}",
                    h.pid,
                    h.command,
                    path.display()
                )
            }
            LockError::Held { path, holder: None } => write!(
                f,
                "another archgrid run holds {} (the file does not say which run)",
                path.display()
            ),
            LockError::CreateDir { dir, source } => {
                write!(f, "cannot create {}: {source}", dir.display())
            }
            LockError::Open { path, source } => {
                write!(f, "cannot open {}: {source}", path.display())
            }
            LockError::Lock { path, source } => {
                write!(f, "cannot lock {}: {source}", path.display())
            }
            LockError::Write { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for LockError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LockError::Held { .. } => None,
            LockError::CreateDir { source, .. }
            | LockError::Open { source, .. }
            | LockError::Lock { source, .. }
            | LockError::Write { source, .. } => Some(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder_of(err: LockError) -> Option<Holder> {
        match err {
            LockError::Held { holder, .. } => holder,
            other => panic!("not held: {other}"),
        }
    }

    #[test]
    fn a_second_open_file_in_the_same_process_is_refused() {
        // flock belongs to the open file description, not the process: two opens conflict
        // here exactly as two processes do.
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join(".archgrid");
        let first = RunLock::acquire(&state, "archgrid build").unwrap();
        assert_eq!(first.path(), state.join("lock"));
        let err = RunLock::acquire(&state, "archgrid publish").unwrap_err();
        let holder = holder_of(err).expect("the holder's details");
        assert_eq!(holder.pid, std::process::id());
        assert_eq!(holder.command, "archgrid build");
        assert!(parse_rfc3339(&holder.started).is_some(), "{holder:?}");
        drop(first);
        let again = RunLock::acquire(&state, "archgrid publish").unwrap();
        drop(again);
    }

    #[test]
    fn the_message_names_the_holder_and_the_file() {
        let err = LockError::Held {
            path: PathBuf::from(".archgrid/lock"),
            holder: Some(Holder {
                pid: 4242,
                started: rfc3339(SystemTime::now()),
                command: "archgrid build --no-cache".into(),
            }),
        };
        let text = err.to_string();
        assert!(
            text.starts_with("another archgrid run (pid 4242, started "),
            "{text}"
        );
        assert!(
            text.ends_with(", command archgrid build --no-cache) holds .archgrid/lock"),
            "{text}"
        );
        // Started today: a time of day, HH:MM.
        let started = text
            .split("started ")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap();
        assert_eq!(started.len(), 5, "{text}");
        assert_eq!(&started[2..3], ":", "{text}");
    }

    #[test]
    fn a_holder_that_wrote_nothing_readable_is_still_a_holder() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path(), "archgrid build").unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "not json").unwrap();
        let err = RunLock::acquire(dir.path(), "archgrid build").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "another archgrid run holds {} (the file does not say which run)",
                dir.path().join(LOCK_FILE).display()
            )
        );
        assert_eq!(holder_of(err), None);
        drop(first);
    }

    #[test]
    fn details_left_by_a_killed_run_do_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        // What a run killed with SIGKILL leaves: its details, and no lock on the file.
        let dead = Holder {
            pid: 999_999,
            started: "2026-05-01T14:05:09Z".into(),
            command: "archgrid build".into(),
        };
        std::fs::write(&path, serde_json::to_string(&dead).unwrap()).unwrap();
        let lock = RunLock::acquire(dir.path(), "archgrid export out").unwrap();
        let now: Holder = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(now.pid, std::process::id());
        assert_eq!(now.command, "archgrid export out");
        // A run that ends normally leaves the file empty.
        drop(lock);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
    }

    #[test]
    fn a_state_dir_that_cannot_be_made_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain");
        std::fs::write(&file, "").unwrap();
        let err = RunLock::acquire(&file.join(".archgrid"), "archgrid build").unwrap_err();
        assert!(matches!(err, LockError::CreateDir { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with(&format!(
                "cannot create {}",
                file.join(".archgrid").display()
            )),
            "{err}"
        );
    }
}
