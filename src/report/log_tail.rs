//! The last lines of a cell's log, made printable: what a CI page shows under a failed test.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::model::sanitize::sanitize_line;

/// Lines of a cell's log a failure carries in the JUnit file.
pub const TAIL_LINES: usize = 50;

/// Only the end of a log is read: a failed build's log can be hundreds of megabytes.
const READ_AT_MOST: u64 = 256 * 1024;

/// The last `lines` lines of the file at `path`, each sanitized; `None` when it cannot be read.
pub fn log_tail(path: &Path, lines: usize) -> Option<Vec<String>> {
    let mut file = std::fs::File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let start = len.saturating_sub(READ_AT_MOST);
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let mut all: Vec<&str> = text.lines().collect();
    // Read from the middle of the file, the first line is only the end of one.
    if start > 0 && !all.is_empty() {
        all.remove(0);
    }
    let from = all.len().saturating_sub(lines);
    Some(all[from..].iter().map(|l| sanitize_line(l)).collect())
}
