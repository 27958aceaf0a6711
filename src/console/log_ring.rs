//! The last lines of one cell's log, held for drawing. The whole log is on disk; an hour of
//! verbose output must not grow the console's memory without bound.

use std::collections::VecDeque;

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
        if self.lines.len() == self.cap {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back(LogLine { kind, text });
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
