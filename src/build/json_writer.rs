//! The versioned JSON files of the state dir (state.json, history.json): read once, then
//! written on their own thread. The scheduler only changes the value in memory; the writer
//! serializes the newest version and persists it through a temp file with fsync, so a burst of
//! changes costs one write and never holds up the scheduler.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The file at `path` if it says it is of `version`; `None` when it is missing, unreadable or
/// of another version, which its reader takes as empty.
pub(crate) fn read_versioned<T: DeserializeOwned>(path: &Path, version: u32) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    if value.get("version")? != version {
        return None;
    }
    serde_json::from_value(value).ok()
}

/// What a writer can keep: cloned under the lock, serialized outside it.
pub(crate) trait Persisted: Serialize + Clone + Send + 'static {}

impl<T: Serialize + Clone + Send + 'static> Persisted for T {}

#[derive(Debug)]
struct Shared<T> {
    file: T,
    /// Bumped by every change; the writer has persisted everything up to `written`.
    changed: u64,
    written: u64,
    closing: bool,
    /// The writer thread has ended, normally or not; nothing more will be written.
    gone: bool,
}

#[derive(Debug)]
struct Inner<T> {
    shared: Mutex<Shared<T>>,
    wake: Condvar,
}

impl<T> Inner<T> {
    fn lock(&self) -> MutexGuard<'_, Shared<T>> {
        // A panic while holding the lock leaves plain data behind; the state is still usable.
        self.shared.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug)]
pub(crate) struct Writer<T> {
    inner: Arc<Inner<T>>,
    thread: Option<JoinHandle<()>>,
}

impl<T: Persisted> Writer<T> {
    pub(crate) fn start(path: PathBuf, file: T) -> Writer<T> {
        let inner = Arc::new(Inner {
            shared: Mutex::new(Shared {
                file,
                changed: 0,
                written: 0,
                closing: false,
                gone: false,
            }),
            wake: Condvar::new(),
        });
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let thread = std::thread::Builder::new()
            .name(format!("archgrid-{stem}"))
            .spawn({
                let inner = inner.clone();
                let path = path.clone();
                move || write_loop(&inner, &path)
            })
            .ok();
        if thread.is_none() {
            tracing::warn!(
                "could not start the writer of {}; it will not be updated",
                path.display()
            );
        }
        Writer { inner, thread }
    }

    /// Changes the value in memory and schedules a write.
    pub(crate) fn change(&self, f: impl FnOnce(&mut T)) {
        let mut shared = self.inner.lock();
        f(&mut shared.file);
        shared.changed += 1;
        self.inner.wake.notify_all();
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.inner.lock().file)
    }

    /// Waits until every change made so far is on disk (or the writer gave up on it).
    pub(crate) fn flush(&self) {
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

impl<T> Drop for Writer<T> {
    fn drop(&mut self) {
        self.inner.lock().closing = true;
        self.inner.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Marks the writer gone when its thread ends, even by a panic, so `flush` never waits on it.
struct Gone<'a, T>(&'a Inner<T>);

impl<T> Drop for Gone<'_, T> {
    fn drop(&mut self) {
        self.0.lock().gone = true;
        self.0.wake.notify_all();
    }
}

fn write_loop<T: Persisted>(inner: &Inner<T>, path: &Path) {
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
pub(crate) fn persist(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // A temp file is private by default; the file gets the mode any new file would (0666
    // less the umask), as state.json did when it was written in place.
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.write_all(b"\n")?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
