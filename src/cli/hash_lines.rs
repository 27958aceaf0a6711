//! The headless lines while the build contexts are hashed: none when it is quick, one on stderr
//! once it has taken a second, another every few seconds, and how long it took at the end.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use color_eyre::eyre::eyre;

use crate::build::context::{hashed_words, HashStats, Progress, Watch};
use crate::build::prepare::{prepare_watched, Prepared, Selection};
use crate::config::Matrix;
use crate::model::format_duration;
use crate::model::sanitize::sanitize_line;
use crate::model::text::relative_to;
use crate::plan::Facts;

const FIRST_AFTER: Duration = Duration::from_secs(1);
const THEN_EVERY: Duration = Duration::from_secs(5);

/// When to say what; the clock is passed in so tests need no waiting.
#[derive(Debug)]
pub(crate) struct HashLines {
    root: PathBuf,
    started: Instant,
    last: Option<Instant>,
}

impl HashLines {
    pub fn new(root: &Path, started: Instant) -> HashLines {
        HashLines {
            root: root.to_path_buf(),
            started,
            last: None,
        }
    }

    /// The line to print for `progress` at `now`, if one is due.
    pub fn line(&mut self, progress: &Progress<'_>, now: Instant) -> Option<String> {
        let due = match self.last {
            None => now.duration_since(self.started) >= FIRST_AFTER,
            Some(last) => now.duration_since(last) >= THEN_EVERY,
        };
        if !due {
            return None;
        }
        self.last = Some(now);
        let context = relative_to(progress.context, &self.root).to_string_lossy();
        let context = if context.is_empty() {
            ".".into()
        } else {
            sanitize_line(&context)
        };
        Some(format!(
            "hashing build context {context}: {}",
            hashed_words(&progress.so_far)
        ))
    }

    /// The closing line, only when a progress line was printed.
    pub fn done(&self, stats: &HashStats, now: Instant) -> Option<String> {
        self.last?;
        Some(format!(
            "build contexts hashed in {}: {}",
            format_duration(now.duration_since(self.started)),
            hashed_words(stats)
        ))
    }
}

/// [`prepare_watched`] for a headless command, with its progress on stderr.
pub(crate) fn prepare_headless(
    matrix: Matrix,
    facts: &Facts,
    select: &Selection,
) -> color_eyre::Result<Prepared> {
    let lines = Arc::new(Mutex::new(HashLines::new(&matrix.root, Instant::now())));
    let watch = Watch::new({
        let lines = lines.clone();
        move |p| {
            let line = lines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .line(p, Instant::now());
            if let Some(line) = line {
                eprintln!("{line}");
            }
        }
    });
    let prep = prepare_watched(matrix, facts, select, &watch).map_err(|e| eyre!(e))?;
    let lines = lines.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(line) = lines.done(&prep.hashed, Instant::now()) {
        eprintln!("{line}");
    }
    Ok(prep)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_after_a_second_then_every_few_and_a_closing_one() {
        let t0 = Instant::now();
        let mut lines = HashLines::new(Path::new("/p"), t0);
        let stats = HashStats {
            files: 10,
            read_files: 2,
            read_bytes: 2048,
        };
        let at = |context: &'static str| Progress {
            context: Path::new(context),
            so_far: stats,
        };
        let ms = Duration::from_millis;
        assert_eq!(lines.line(&at("/p/app"), t0 + ms(900)), None);
        assert_eq!(
            lines.done(&stats, t0 + ms(900)),
            None,
            "quick: nothing at all"
        );
        assert_eq!(
            lines.line(&at("/p/app"), t0 + ms(1000)).as_deref(),
            Some("hashing build context app: 10 files looked at, 2 read (2.0 KiB)")
        );
        assert_eq!(lines.line(&at("/p/app"), t0 + ms(3000)), None);
        assert_eq!(
            lines.line(&at("/p"), t0 + ms(6000)).as_deref(),
            Some("hashing build context .: 10 files looked at, 2 read (2.0 KiB)")
        );
        let done = lines.done(&stats, t0 + ms(6500)).unwrap();
        assert!(
            done.starts_with("build contexts hashed in 6.5s: 10 files"),
            "{done}"
        );
    }
}
