//! Lines of one step's output that travel as one event: a flood of output crosses the
//! runner, the scheduler and the console a read of buildx's stderr at a time rather than a
//! line at a time, in one buffer rather than a string per line.

use std::borrow::Cow;

use crate::model::redact::Redactor;

/// One or more complete lines, in the order printed, raw: each must be sanitized before
/// drawing. They are kept as one text with a `\n` between lines, so no line holds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLines {
    text: String,
}

impl LogLines {
    /// The lines of `text`, split at each `\n`; empty text is one empty line.
    pub fn new(text: impl Into<String>) -> Self {
        LogLines { text: text.into() }
    }

    /// Adds the lines of `text` after the last.
    pub fn push(&mut self, text: &str) {
        self.text.push('\n');
        self.text.push_str(text);
    }

    /// The lines with a `\n` between each two, as they are written to a log.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &str> + '_ {
        self.text.split('\n')
    }

    pub fn len(&self) -> usize {
        1 + self.text.bytes().filter(|&b| b == b'\n').count()
    }

    /// Never true: there is always at least one line.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every value masked in each line on its own, as when each line was its own event: a
    /// value is never matched across a line break.
    pub fn mask(&mut self, redactor: &Redactor) {
        if redactor.is_empty() {
            return;
        }
        let mut masked: Option<String> = None;
        for (i, line) in self.text.split('\n').enumerate() {
            let line = redactor.redact(line);
            match (&mut masked, line) {
                (None, Cow::Borrowed(_)) => {}
                (None, Cow::Owned(line)) => {
                    let mut text = String::with_capacity(self.text.len());
                    for earlier in self.text.split('\n').take(i) {
                        text.push_str(earlier);
                        text.push('\n');
                    }
                    text.push_str(&line);
                    masked = Some(text);
                }
                (Some(text), line) => {
                    text.push('\n');
                    text.push_str(&line);
                }
            }
        }
        if let Some(text) = masked {
            self.text = text;
        }
    }
}

impl From<&str> for LogLines {
    fn from(text: &str) -> Self {
        LogLines::new(text)
    }
}

impl From<String> for LogLines {
    fn from(text: String) -> Self {
        LogLines::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(l: &LogLines) -> Vec<&str> {
        l.iter().collect()
    }

    #[test]
    fn lines_come_back_as_pushed_empty_ones_too() {
        let mut l = LogLines::new("first");
        l.push("");
        l.push("third\r");
        assert_eq!(lines(&l), ["first", "", "third\r"]);
        assert_eq!(l.len(), 3);
        assert_eq!(lines(&LogLines::new("")), [""]);
        assert_eq!(LogLines::new("").len(), 1);
    }

    #[test]
    fn masking_works_line_by_line() {
        let redactor = Redactor::new(["s3cret".to_string(), "line-one\nline-two".to_string()]);
        let mut l = LogLines::new("plain");
        l.push("a s3cret here");
        l.push("line-one");
        l.push("line-two");
        l.mask(&redactor);
        // The value of two lines is found where each of its lines was printed.
        assert_eq!(lines(&l), ["plain", "a *** here", "***", "***"]);
        let mut untouched = LogLines::new("nothing\nto mask");
        untouched.mask(&redactor);
        assert_eq!(lines(&untouched), ["nothing", "to mask"]);
    }
}
