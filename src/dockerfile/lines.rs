//! Physical lines → instructions, as BuildKit's parser reads them: parser directives at the top,
//! comment lines dropped (also inside continuations), the escape character joining lines, and
//! heredoc bodies skipped so their lines are never taken for instructions.

use super::words::{unquote, words};

/// One instruction with its continuations joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Instruction {
    /// 1-based line of the keyword.
    pub line: usize,
    /// Upper case.
    pub keyword: String,
    /// Everything after the keyword, continuations joined with nothing between them as BuildKit
    /// does, without heredoc bodies.
    pub rest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(super) struct Directives {
    /// The frontend image and its line.
    pub syntax: Option<(String, usize)>,
    pub escape: Option<char>,
}

pub(super) struct Lines {
    pub directives: Directives,
    pub instructions: Vec<Instruction>,
}

/// Instructions whose arguments may open heredocs.
const HEREDOC_KEYWORDS: [&str; 3] = ["RUN", "COPY", "ADD"];

pub(super) fn split(text: &str) -> Result<Lines, (usize, String)> {
    // Editors on Windows may start the file with a byte order mark, which BuildKit skips.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let physical: Vec<&str> = text.lines().collect();
    let (directives, first) = directives(&physical)?;
    let escape = directives.escape.unwrap_or('\\');
    let mut instructions = Vec::new();
    let mut at = first;
    while at < physical.len() {
        let line = physical[at].trim_start();
        at += 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let start = at;
        let mut joined = String::new();
        let mut current = line;
        loop {
            match continued(current, escape) {
                Some(body) => {
                    joined.push_str(body);
                    // Comment and blank lines inside a continuation are dropped, not ends.
                    loop {
                        let Some(next) = physical.get(at) else {
                            current = "";
                            break;
                        };
                        at += 1;
                        let trimmed = next.trim_start();
                        if trimmed.starts_with('#') || trimmed.trim().is_empty() {
                            continue;
                        }
                        current = next;
                        break;
                    }
                    if current.is_empty() && at >= physical.len() {
                        break;
                    }
                }
                None => {
                    joined.push_str(current);
                    break;
                }
            }
        }
        let (keyword, rest) = match joined.trim().split_once(char::is_whitespace) {
            Some((k, r)) => (k.to_ascii_uppercase(), r.trim().to_string()),
            None => (joined.trim().to_ascii_uppercase(), String::new()),
        };
        if HEREDOC_KEYWORDS.contains(&keyword.as_str()) {
            for doc in heredocs(&rest) {
                at = skip_body(&physical, at, &doc).map_err(|()| {
                    (
                        start,
                        format!("heredoc <<{} is never closed", doc.terminator),
                    )
                })?;
            }
        }
        instructions.push(Instruction {
            line: start,
            keyword,
            rest,
        });
    }
    Ok(Lines {
        directives,
        instructions,
    })
}

/// The text before a trailing escape character, if the line continues.
fn continued(line: &str, escape: char) -> Option<&str> {
    let trimmed = line.trim_end();
    trimmed.strip_suffix(escape)
}

/// Directives are `# key=value` lines before anything else; the first other line ends them,
/// a blank line or plain comment included.
fn directives(lines: &[&str]) -> Result<(Directives, usize), (usize, String)> {
    let mut found = Directives::default();
    for (i, line) in lines.iter().enumerate() {
        let Some(body) = line.trim().strip_prefix('#') else {
            return Ok((found, i));
        };
        let Some((key, value)) = body.split_once('=') else {
            return Ok((found, i));
        };
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            return Ok((found, i));
        }
        let value = value.trim();
        match key.to_ascii_lowercase().as_str() {
            "syntax" => found.syntax = Some((value.to_string(), i + 1)),
            "escape" => {
                found.escape = match value {
                    "\\" => Some('\\'),
                    "`" => Some('`'),
                    other => {
                        return Err((
                            i + 1,
                            format!(
                                "invalid escape directive {other:?}: only \\ and ` are allowed"
                            ),
                        ))
                    }
                }
            }
            // `check=` and directives from newer frontends do not change the grammar.
            _ => {}
        }
    }
    Ok((found, lines.len()))
}

struct Heredoc {
    terminator: String,
    strip_tabs: bool,
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `2<<EOF`: each word that is entirely a heredoc marker.
fn heredocs(rest: &str) -> Vec<Heredoc> {
    words(rest)
        .into_iter()
        .filter_map(|word| {
            let after_fd = word.trim_start_matches(|c: char| c.is_ascii_digit());
            let marker = after_fd.strip_prefix("<<")?;
            let (strip_tabs, name) = match marker.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, marker),
            };
            let name = unquote(name);
            if name.is_empty() || name.contains('<') {
                return None;
            }
            Some(Heredoc {
                terminator: name.to_string(),
                strip_tabs,
            })
        })
        .collect()
}

/// The index after the terminator line.
fn skip_body(lines: &[&str], mut at: usize, doc: &Heredoc) -> Result<usize, ()> {
    while let Some(line) = lines.get(at) {
        at += 1;
        let line = if doc.strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line == doc.terminator {
            return Ok(at);
        }
    }
    Err(())
}
