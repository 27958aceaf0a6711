//! How a front end follows the hashing of the build contexts and stops it: a progress callback
//! and a cancel flag, both shared with the thread that hashes.

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::model::text::{plural, size_words};

/// How much hashing has been done so far, over every context of the run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashStats {
    /// Files looked at, read or not.
    pub files: u64,
    /// Files whose content was read: new, changed, or not vouched for by the stat cache.
    pub read_files: u64,
    pub read_bytes: u64,
}

/// `1 file looked at, 0 read (0.0 KiB)`: the counts both front ends show.
pub fn hashed_words(s: &HashStats) -> String {
    format!(
        "{} file{} looked at, {} read ({})",
        s.files,
        plural(s.files as usize),
        s.read_files,
        size_words(s.read_bytes)
    )
}

/// What a progress callback is told.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The context being hashed now.
    pub context: &'a Path,
    pub so_far: HashStats,
}

/// The user stopped the run before its inputs were known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stopped while hashing the build contexts")
    }
}

type Callback = dyn Fn(&Progress<'_>) + Send + Sync;

/// Cloned into the hashing thread; the front end keeps a clone to cancel with.
#[derive(Clone, Default)]
pub struct Watch {
    progress: Option<Arc<Callback>>,
    cancel: Arc<AtomicBool>,
}

impl fmt::Debug for Watch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watch")
            .field("progress", &self.progress.is_some())
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl Watch {
    /// `progress` is called from the hashing thread, a few times a second at most.
    pub fn new(progress: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> Watch {
        Watch {
            progress: Some(Arc::new(progress)),
            cancel: Arc::default(),
        }
    }

    /// Asks the hashing to stop; it does between two files or two chunks of one.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub(crate) fn report(&self, progress: &Progress<'_>) {
        if let Some(callback) = &self.progress {
            callback(progress);
        }
    }
}
