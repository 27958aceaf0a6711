//! `$NAME`, `${NAME}` and `${NAME:-word}`-style substitution, as the Dockerfile frontend applies
//! it to FROM and to flags. An unset name expands to nothing, as it does there.

use std::collections::BTreeMap;

pub(super) type Values = BTreeMap<String, String>;

pub(super) fn expand(text: &str, values: &Values, escape: char) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == escape && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('{') => match closing_brace(&chars, i + 2) {
                Some(end) => {
                    let body: String = chars[i + 2..end].iter().collect();
                    out.push_str(&braced(&body, values, escape));
                    i = end + 1;
                }
                None => {
                    out.extend(&chars[i..]);
                    break;
                }
            },
            Some(&n) if is_name_start(n) => {
                let mut end = i + 1;
                while end < chars.len() && is_name_char(chars[end]) {
                    end += 1;
                }
                let name: String = chars[i + 1..end].iter().collect();
                out.push_str(values.get(&name).map(String::as_str).unwrap_or(""));
                i = end;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    out
}

/// The index of the `}` that closes a `${` whose body starts at `from`, nested ones skipped.
fn closing_brace(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, &c) in chars.iter().enumerate().skip(from) {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn braced(body: &str, values: &Values, escape: char) -> String {
    let name_len = body
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(body.len(), |(i, _)| i);
    let (name, modifier) = body.split_at(name_len);
    let value = values.get(name);
    let word = |w: &str| expand(w, values, escape);
    let set = value.is_some();
    let non_empty = value.is_some_and(|v| !v.is_empty());
    let own = || value.cloned().unwrap_or_default();
    if let Some(w) = modifier.strip_prefix(":-") {
        return if non_empty { own() } else { word(w) };
    }
    if let Some(w) = modifier.strip_prefix(":+") {
        return if non_empty { word(w) } else { String::new() };
    }
    if modifier.starts_with(":?") || modifier.starts_with('?') {
        // The build would stop with the message; for discovery the value is simply missing.
        return own();
    }
    if let Some(w) = modifier.strip_prefix('-') {
        return if set { own() } else { word(w) };
    }
    if let Some(w) = modifier.strip_prefix('+') {
        return if set { word(w) } else { String::new() };
    }
    // Patterns are matched literally: a glob in an image name is rare enough not to need them.
    if let Some(pattern) = modifier.strip_prefix("##").or(modifier.strip_prefix('#')) {
        let v = own();
        let p = word(pattern);
        return v.strip_prefix(&p).map(str::to_string).unwrap_or(v);
    }
    if let Some(pattern) = modifier.strip_prefix("%%").or(modifier.strip_prefix('%')) {
        let v = own();
        let p = word(pattern);
        return v.strip_suffix(&p).map(str::to_string).unwrap_or(v);
    }
    own()
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
