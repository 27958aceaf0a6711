//! The last lines of one cell's log, held for drawing. The whole log is on disk; an hour of
//! verbose output must not grow the console's memory without bound.

use std::collections::VecDeque;
use std::time::SystemTime;

pub const LINES_PER_CELL: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// `attempt 2/3` and how the attempt ended.
    Attempt,
    /// A build step began producing output or became the current one.
    Step,
    Stdout,
    Stderr,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub kind: LineKind,
    /// Already sanitized.
    pub text: String,
    /// When the console received it, for `t`.
    pub at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct LogRing {
    lines: VecDeque<LogLine>,
    cap: usize,
    /// Lines dropped from the front so far: line numbers stay stable while the ring turns.
    dropped: u64,
}

impl Default for LogRing {
    fn default() -> Self {
        LogRing::with_capacity(LINES_PER_CELL)
    }
}

impl LogRing {
    pub fn with_capacity(cap: usize) -> Self {
        LogRing {
            lines: VecDeque::new(),
            cap: cap.max(1),
            dropped: 0,
        }
    }

    pub fn push(&mut self, kind: LineKind, text: String) {
        self.push_at(kind, text, SystemTime::now());
    }

    pub fn push_at(&mut self, kind: LineKind, text: String, at: SystemTime) {
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(LogLine { kind, text, at });
    }

    /// Line number `n`, if it is still kept.
    pub fn get(&self, n: u64) -> Option<&LogLine> {
        self.lines.get(n.checked_sub(self.dropped)? as usize)
    }

    /// Rewrites line `n` if it is still kept: a step's header gains its duration when the
    /// step ends.
    pub fn set_text(&mut self, n: u64, text: String) {
        if let Some(line) = n
            .checked_sub(self.dropped)
            .and_then(|i| self.lines.get_mut(i as usize))
        {
            line.text = text;
        }
    }

    /// Numbers of the kept lines `hit` accepts, oldest first.
    pub fn find(&self, hit: impl Fn(&str) -> bool) -> Vec<u64> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| hit(&l.text))
            .map(|(i, _)| self.dropped + i as u64)
            .collect()
    }

    /// Number of the oldest line kept.
    pub fn first(&self) -> u64 {
        self.dropped
    }

    /// Number one past the newest line.
    pub fn end(&self) -> u64 {
        self.dropped + self.lines.len() as u64
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines numbered `from..from + n`, clipped to what is kept.
    pub fn window(&self, from: u64, n: usize) -> impl Iterator<Item = &LogLine> {
        let skip = from.saturating_sub(self.dropped) as usize;
        self.lines.iter().skip(skip).take(n)
    }

    pub fn last(&self) -> Option<&LogLine> {
        self.lines.back()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_lines_and_stable_numbers() {
        let mut ring = LogRing::with_capacity(3);
        for i in 0..5 {
            ring.push(LineKind::Stdout, format!("line {i}"));
        }
        assert_eq!(ring.len(), 3);
        assert_eq!((ring.first(), ring.end()), (2, 5));
        let texts: Vec<_> = ring.window(3, 10).map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 3", "line 4"]);
        let texts: Vec<_> = ring.window(0, 2).map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["line 2", "line 3"]);
    }
}
