//! The commands that write `.archgrid/` hold its lock for their whole run; a second one is
//! refused at once with who holds it and what to do.

use std::path::{Path, PathBuf};

use crate::build::lock::{LockError, RunLock};
use crate::config::Matrix;
use crate::plan::STATE_DIR;

use super::hint;

/// Takes the matrix's run lock, or says why not.
pub fn hold(matrix: &Matrix) -> color_eyre::Result<RunLock> {
    let state_dir = shown(&matrix.root.join(STATE_DIR));
    RunLock::acquire(&state_dir, &command_line()).map_err(|e| {
        let what_to_do = match &e {
            LockError::Held {
                holder: Some(h), ..
            } => format!(
                "wait for it to end, or stop it (q in its console, Ctrl-C in its terminal, or \
                 `kill {}`), then run this again",
                h.pid
            ),
            LockError::Held { holder: None, .. } => {
                "wait for the other run to end, or stop it, then run this again".to_string()
            }
            _ => format!(
                "archgrid keeps its state in {}; check that you may write there",
                state_dir.display()
            ),
        };
        hint(e, &what_to_do)
    })
}

/// The state directory as the user would type it: relative to where they are when it is
/// below it.
fn shown(state_dir: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| state_dir.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| state_dir.to_path_buf())
}

/// `archgrid build --no-cache`: the program's name without its directory, and its arguments.
fn command_line() -> String {
    let mut args = std::env::args();
    let program = args
        .next()
        .map(|a| {
            Path::new(&a)
                .file_name()
                .map_or(a.clone(), |n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "archgrid".to_string());
    std::iter::once(program)
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}
