//! What of a build context buildx leaves out: the `.dockerignore` rules, read and applied as
//! BuildKit reads and applies them, and which ignore file a build uses.

use std::fmt;
use std::path::{Path, PathBuf};

use super::pattern::{clean, Pattern};

/// The rules of one ignore file, in file order; the last one that matches a path decides.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    patterns: Vec<Pattern>,
    has_exceptions: bool,
}

/// A line Docker would refuse too, so the build would fail on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreError {
    /// 1-based, counting comments and blank lines.
    pub line: usize,
    pub pattern: String,
    pub reason: String,
}

impl fmt::Display for IgnoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {:?} {}", self.line, self.pattern, self.reason)
    }
}

/// Which patterns matched a folder, itself or through its own parents. A path under it inherits
/// them: that is how `target` excludes everything under `target/`.
pub type Matched = Vec<bool>;

impl IgnoreRules {
    /// Reads an ignore file's bytes: a UTF-8 byte order mark is dropped; a line whose first
    /// character is `#` is a comment (one with spaces before its `#` is a pattern); each line is
    /// trimmed, blank ones skipped; `!` makes an exception; the rest is cleaned like a path
    /// (`./a//b/` is `a/b`) and a leading `/` is dropped, so patterns are relative to the root.
    pub fn parse(bytes: &[u8]) -> Result<IgnoreRules, IgnoreError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let text = String::from_utf8_lossy(bytes);
        let mut rules = IgnoreRules::default();
        for (n, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (bang, rest) = match line.strip_prefix('!') {
                Some(rest) => ("!", rest.trim()),
                None => ("", line),
            };
            let mut rest = if rest.is_empty() {
                String::new()
            } else {
                clean(rest)
            };
            if rest.len() > 1 && rest.starts_with('/') {
                rest.remove(0);
            }
            let pattern = Pattern::new(&format!("{bang}{rest}")).map_err(|reason| IgnoreError {
                line: n + 1,
                pattern: line.to_string(),
                reason,
            })?;
            rules.has_exceptions |= pattern.exception;
            rules.patterns.push(pattern);
        }
        Ok(rules)
    }

    /// Whether `path` (relative to the root, `/`-separated) is left out, given what matched its
    /// folder (empty for the root's entries), and what matched it, for the paths under it.
    ///
    /// A pattern is only tried when it could change the answer (an exception while the path is
    /// excluded, a plain pattern while it is not) unless it already matched the folder: BuildKit
    /// walks the context the same way, so a rule like `!dir` after `dir/file` does not bring
    /// `dir/file` back, as it would if every pattern were tried on every parent.
    pub fn check(&self, path: &[u8], parent: &[bool]) -> (bool, Matched) {
        let mut excluded = false;
        let mut matched = vec![false; self.patterns.len()];
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent.get(i).copied().unwrap_or(false);
            if !hit {
                if pattern.exception != excluded {
                    continue;
                }
                hit = pattern.matches(path);
            }
            matched[i] = hit;
            if hit {
                excluded = !pattern.exception;
            }
        }
        (excluded, matched)
    }

    /// Whether an excluded folder must still be walked: only when an exception could bring
    /// back something under it. `target/` with no exception under it is never opened.
    pub fn walk_excluded(&self, dir: &[u8]) -> bool {
        self.has_exceptions
            && self
                .patterns
                .iter()
                .any(|p| p.exception && p.could_match_under(dir))
    }

    /// Whether `path` is left out, its folders checked first as a walk from the root would.
    pub fn excludes(&self, path: &str) -> bool {
        let mut parent: Matched = Vec::new();
        let mut excluded = false;
        let mut end = 0;
        for part in path.split('/') {
            end += part.len();
            (excluded, parent) = self.check(&path.as_bytes()[..end], &parent);
            end += 1;
        }
        excluded
    }
}

/// The ignore file a build of `context` with `dockerfile` uses: `<Dockerfile>.dockerignore`
/// beside the Dockerfile when there is one, else `.dockerignore` at the root of the context.
/// A named context passes no Dockerfile and uses its own `.dockerignore`.
pub fn ignore_file(context: &Path, dockerfile: Option<&Path>) -> Option<PathBuf> {
    let beside = dockerfile.and_then(|file| {
        let mut name = file.file_name()?.to_os_string();
        name.push(".dockerignore");
        Some(file.with_file_name(name))
    });
    beside
        .into_iter()
        .chain([context.join(".dockerignore")])
        .find(|path| path.is_file())
}
