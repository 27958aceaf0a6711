//! Writes state.json on its own thread. The scheduler only marks the state changed; the
//! writer serializes the newest version and persists it through a temp file with fsync, so a
//! burst of status changes costs one write and never holds up the scheduler.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::StateFile;

#[derive(Debug, Default)]
struct Shared {
    file: StateFile,
    /// Bumped by every change; the writer has persisted everything up to `written`.
    changed: u64,
    written: u64,
    closing: bool,
    /// The writer thread has ended, normally or not; nothing more will be written.
    gone: bool,
}

#[derive(Debug)]
struct Inner {
    shared: Mutex<Shared>,
    wake: Condvar,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock leaves plain data behind; the state is still usable.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug)]
pub(super) struct Writer {
    inner: Arc<Inner>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub(super) fn start(path: PathBuf, file: StateFile) -> Writer {
        let inner = Arc::new(Inner {
            shared: Mutex::new(Shared {
                file,
                ..Shared::default()
            }),
            wake: Condvar::new(),
        });
        let thread = std::thread::Builder::new()
            .name("archgrid-state".into())
            .spawn({
                let inner = inner.clone();
                move || write_loop(&inner, &path)
            })
            .ok();
        if thread.is_none() {
            tracing::warn!("could not start the state writer; state.json will not be updated");
        }
        Writer { inner, thread }
    }

    /// Changes the state in memory and schedules a write.
    pub(super) fn change(&self, f: impl FnOnce(&mut StateFile)) {
        let mut shared = self.inner.lock();
        f(&mut shared.file);
        shared.changed += 1;
        self.inner.wake.notify_all();
    }

    pub(super) fn read<T>(&self, f: impl FnOnce(&StateFile) -> T) -> T {
        f(&self.inner.lock().file)
    }

    /// Waits until every change made so far is on disk (or the writer gave up on it).
    pub(super) fn flush(&self) {
        if self.thread.is_none() {
            return;
        }
        let mut shared = self.inner.lock();
        let target = shared.changed;
        while shared.written < target && !shared.gone {
            shared = self
                .inner
                .wake
                .wait(shared)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.inner.lock().closing = true;
        self.inner.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Marks the writer gone when its thread ends, even by a panic, so `flush` never waits on it.
struct Gone<'a>(&'a Inner);

impl Drop for Gone<'_> {
    fn drop(&mut self) {
        self.0.lock().gone = true;
        self.0.wake.notify_all();
    }
}

fn write_loop(inner: &Inner, path: &Path) {
    let _gone = Gone(inner);
    let mut shared = inner.lock();
    loop {
        if shared.changed > shared.written {
            let generation = shared.changed;
            // Serialized outside the lock: the scheduler only waits for the copy.
            let snapshot = shared.file.clone();
            drop(shared);
            let result = serde_json::to_vec_pretty(&snapshot)
                .map_err(std::io::Error::from)
                .and_then(|bytes| persist(path, &bytes));
            if let Err(err) = result {
                tracing::warn!("could not write {}: {err}", path.display());
            }
            shared = inner.lock();
            shared.written = generation;
            inner.wake.notify_all();
            continue;
        }
        if shared.closing {
            return;
        }
        shared = inner.wake.wait(shared).unwrap_or_else(|e| e.into_inner());
    }
}

/// A temp file beside the target, fsynced, then renamed over it: a crash leaves the old file or
/// the new one, never half, and a failed write leaves no temp file behind.
fn persist(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // A temp file is private by default; state.json gets the mode any new file would (0666
    // less the umask), as it did when it was written in place.
    let mut tmp = tempfile::Builder::new()
        .prefix(".state.json.")
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
