//! Splitting an instruction's arguments into words and its leading `--flag=value` options.

/// Words split at unquoted whitespace, quotes and escapes kept as written: enough to find
/// flags, image names and heredoc markers, which is all dependency discovery reads.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                word.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                word.push(c);
            }
            (_, '\\') => {
                word.push(c);
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (_, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// `--name=value`, the only form BuildKit takes before an instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Flag {
    pub name: String,
    pub value: String,
}

/// The leading `--name=value` words, then the remaining words.
pub(super) fn flags(words: Vec<String>) -> (Vec<Flag>, Vec<String>) {
    let mut flags = Vec::new();
    let mut rest = words.into_iter().peekable();
    while let Some(word) = rest.peek() {
        let Some(body) = word.strip_prefix("--") else {
            break;
        };
        let (name, value) = body.split_once('=').unwrap_or((body, ""));
        flags.push(Flag {
            name: name.to_ascii_lowercase(),
            value: unquote(value).to_string(),
        });
        rest.next();
    }
    (flags, rest.collect())
}

/// `"x"` or `'x'` → `x`.
pub(super) fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// The `from=` field of a `--mount` value, which is CSV: `type=bind,from=build,source=/out`.
pub(super) fn mount_from(value: &str) -> Option<String> {
    value.split(',').find_map(|field| {
        let (key, v) = field.split_once('=')?;
        (key.trim().eq_ignore_ascii_case("from")).then(|| unquote(v.trim()).to_string())
    })
}
