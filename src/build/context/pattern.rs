//! One `.dockerignore` line as Docker's matcher reads it. The cleaned pattern becomes one of
//! four tests, picked the way moby's patternmatcher picks them, so edge cases agree with buildx:
//!
//! - no wildcard at all: the path must equal the pattern;
//! - a plain prefix and a final `**` (`target/**`, `foo**`): the path must start with the prefix;
//! - a leading `**` and plain text after it (`**/foo`): the path must end with that text, or
//!   be it without its `/`;
//! - anything else: an anchored regular expression where `*` is any run of characters but `/`,
//!   `?` one character but `/`, `[...]` a class (negated by `^`; it can match `/`, as Docker's
//!   does), `**/` any number of whole directories including none, a final `**` anything, and
//!   `\` makes the next character plain.

use regex::bytes::Regex;

#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// A `!` line: it re-includes what it matches.
    pub exception: bool,
    test: Test,
    /// For an exception, each `/`-separated part as its own test, to tell whether it could
    /// match anything under an excluded folder; `None` when a `**` or a class can span parts.
    parts: Option<Vec<Test>>,
}

#[derive(Debug, Clone)]
enum Test {
    Exact(Vec<u8>),
    Prefix(Vec<u8>),
    Suffix(Vec<u8>),
    Regex(Regex),
}

impl Test {
    fn matches(&self, path: &[u8]) -> bool {
        match self {
            Test::Exact(text) => path == text.as_slice(),
            Test::Prefix(prefix) => path.starts_with(prefix),
            Test::Suffix(suffix) => {
                path.ends_with(suffix) || suffix.first() == Some(&b'/') && path == &suffix[1..]
            }
            Test::Regex(re) => re.is_match(path),
        }
    }
}

impl Pattern {
    /// `text` is one line as the ignore file reader leaves it: trimmed, cleaned, without its
    /// leading `/`, and with its `!` if it has one. The error says what is wrong with it.
    pub fn new(text: &str) -> Result<Pattern, String> {
        let (exception, rest) = match text.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, text),
        };
        if rest.is_empty() {
            return Err("is a `!` with no pattern after it".into());
        }
        let text = clean(rest);
        let test = compile(&text)?;
        let parts =
            (exception && !text.contains("**") && !text.contains('[') && !text.contains('\\'))
                .then(|| text.split('/').map(compile).collect::<Result<Vec<_>, _>>())
                .transpose()?;
        Ok(Pattern {
            exception,
            test,
            parts,
        })
    }

    /// `path` is relative to the context root, `/`-separated, without a leading `/`.
    pub fn matches(&self, path: &[u8]) -> bool {
        self.test.matches(path)
    }

    /// Whether this pattern could match something strictly under the folder `dir`: when no
    /// exception can, an excluded folder is not walked at all.
    pub fn could_match_under(&self, dir: &[u8]) -> bool {
        let mut dir_slash = dir.to_vec();
        dir_slash.push(b'/');
        match &self.test {
            Test::Suffix(_) => true,
            Test::Exact(text) => text.starts_with(&dir_slash),
            Test::Prefix(prefix) => dir_slash.starts_with(prefix) || prefix.starts_with(&dir_slash),
            Test::Regex(_) => {
                let Some(parts) = &self.parts else {
                    return true;
                };
                let dirs: Vec<&[u8]> = dir.split(|&b| b == b'/').collect();
                parts.len() > dirs.len() && dirs.iter().zip(parts).all(|(d, p)| p.matches(d))
            }
        }
    }
}

/// Go's `filepath.Clean` for `/`-separated paths: no empty or `.` parts, `..` taken back
/// where it can be, no trailing `/`, and `.` for nothing at all.
pub(crate) fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                // `/..` is `/`; a relative path keeps a leading `..`.
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The kind of test is decided as the pattern is read: plain so far, a final `**` after plain
/// text, a leading `**`, or a regular expression as soon as anything else needs one.
fn compile(text: &str) -> Result<Test, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let chars: Vec<char> = text.chars().collect();
    let mut re = String::from("^");
    let mut kind = Kind::Exact;
    let mut i = 0;
    while i < chars.len() {
        let at_start = i == 0;
        let c = chars[i];
        i += 1;
        match c {
            '*' if chars.get(i) == Some(&'*') => {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regex;
                    }
                } else {
                    re.push_str("(?:.*/)?");
                    kind = Kind::Regex;
                }
                if at_start {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                kind = Kind::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                kind = Kind::Regex;
            }
            '\\' => {
                let Some(&next) = chars.get(i) else {
                    return Err("ends in a `\\` that escapes nothing".into());
                };
                i += 1;
                re.push_str(&regex::escape(&next.to_string()));
                kind = Kind::Regex;
            }
            '[' => {
                i = class(&chars, i, &mut re)?;
                kind = Kind::Regex;
            }
            _ => {
                if c == ']' {
                    kind = Kind::Regex;
                }
                re.push_str(&regex::escape(&c.to_string()));
            }
        }
    }
    let bytes = text.as_bytes();
    Ok(match kind {
        Kind::Exact => Test::Exact(bytes.to_vec()),
        Kind::Prefix => Test::Prefix(bytes[..bytes.len() - 2].to_vec()),
        Kind::Suffix => Test::Suffix(bytes[2..].to_vec()),
        Kind::Regex => {
            re.push('$');
            Test::Regex(Regex::new(&re).map_err(|e| format!("cannot be matched: {e}"))?)
        }
    })
}

/// A `[...]` class starting after its `[` at `chars[i]`, written into `re`; returns the index
/// after its `]`. As in Go's `filepath.Match`: `^` first negates, `\` escapes, `lo-hi` is a
/// range, and an unescaped `-` or `]` cannot be a member.
fn class(chars: &[char], mut i: usize, re: &mut String) -> Result<usize, String> {
    re.push('[');
    if chars.get(i) == Some(&'^') {
        re.push('^');
        i += 1;
    }
    let mut members = 0;
    loop {
        match chars.get(i) {
            None => return Err("has a `[` without its `]`".into()),
            Some(']') if members > 0 => {
                re.push(']');
                return Ok(i + 1);
            }
            Some(_) => {}
        }
        let lo = member(chars, &mut i)?;
        re.push_str(&regex::escape(&lo.to_string()));
        if chars.get(i) == Some(&'-') {
            i += 1;
            let hi = member(chars, &mut i)?;
            if hi < lo {
                return Err(format!("has a range `{lo}-{hi}` that runs backwards"));
            }
            re.push('-');
            re.push_str(&regex::escape(&hi.to_string()));
        }
        members += 1;
    }
}

fn member(chars: &[char], i: &mut usize) -> Result<char, String> {
    let c = match chars.get(*i) {
        Some('\\') => {
            *i += 1;
            chars.get(*i).copied()
        }
        Some('-') | Some(']') => return Err("has a `[...]` class with a stray `-` or `]`".into()),
        other => other.copied(),
    };
    let c = c.ok_or("has a `[` without its `]`")?;
    *i += 1;
    Ok(c)
}
