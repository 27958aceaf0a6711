//! `.env` as docker compose reads it: `NAME=value` lines, `export` allowed, `#` comments,
//! unquoted values trimmed (spaces inside kept, ` #` starts a comment), single quotes literal,
//! double quotes with `\n`, `\t`, `\\`, `\"` escapes. Unquoted and double-quoted values expand
//! `${VAR}` from the environment and the lines above, as matrix strings do.

use super::vars::{expand, is_name, Vars};

/// Defines the variables in `text` in `vars`, or says the 1-based line and column of the first
/// problem and what it is.
pub fn parse(text: &str, vars: &mut Vars) -> Result<(), (usize, usize, String)> {
    for (n, line) in text.lines().enumerate() {
        let at = |col: usize, what: String| (n + 1, col + 1, what);
        let body = line.trim_start();
        let indent = line.len() - body.len();
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        let (body, indent) = match body.strip_prefix("export ") {
            Some(rest) => (rest.trim_start(), line.len() - rest.trim_start().len()),
            None => (body, indent),
        };
        let Some((name, rest)) = body.split_once('=') else {
            return Err(at(indent, format!("expected NAME=value, found {body:?}")));
        };
        let name = name.trim_end();
        if !is_name(name) {
            return Err(at(indent, format!("{name:?} is not a variable name")));
        }
        let value_col = line.len() - rest.len();
        let rest = rest.trim_start();
        let expanded = |raw: &str| expand(raw, vars).map_err(|e| at(value_col, e.message));
        let value = if let Some(quoted) = rest.strip_prefix('\'') {
            let Some(end) = quoted.find('\'') else {
                return Err(at(
                    value_col,
                    "the single quote is not closed on this line".into(),
                ));
            };
            quoted[..end].to_string()
        } else if let Some(quoted) = rest.strip_prefix('"') {
            let Some(raw) = double_quoted(quoted) else {
                return Err(at(
                    value_col,
                    "the double quote is not closed on this line".into(),
                ));
            };
            expanded(&raw)?
        } else {
            let cut = rest
                .char_indices()
                .find(|&(i, c)| c == '#' && rest[..i].ends_with(char::is_whitespace))
                .map_or(rest.len(), |(i, _)| i);
            expanded(rest[..cut].trim_end())?
        };
        vars.define(name.to_string(), value);
    }
    Ok(())
}

/// The text up to the closing quote with escapes resolved; `None` when it never closes.
fn double_quoted(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other @ ('\\' | '"' | '$') => {
                    // `\$` keeps a literal dollar through expansion.
                    if other == '$' {
                        out.push('$');
                    }
                    out.push(other);
                }
                other => {
                    out.push('\\');
                    out.push(other);
                }
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Vars {
        Vars::new([("USER".to_string(), "ci".to_string())], [])
    }

    #[test]
    fn compose_forms() {
        let text = "# settings\n\nTAG=v1.2.3\nexport EXPORTED=yes\nSPACED = two words  # comment\nHASH=a#b\nSINGLE='${USER} stays'\nDOUBLE=\"line\\nnext \\\"q\\\" ${USER}\"\nREF=${TAG}-rc\nEMPTY=\nDOLLAR=\"\\$HOME\"\n";
        let mut vars = env();
        parse(text, &mut vars).unwrap();
        assert!(vars.in_dotenv("TAG") && !vars.in_dotenv("USER"));
        let get = |k: &str| vars.get(k);
        assert_eq!(get("TAG"), Some("v1.2.3"));
        assert_eq!(get("EXPORTED"), Some("yes"));
        assert_eq!(get("SPACED"), Some("two words"));
        assert_eq!(get("HASH"), Some("a#b"));
        assert_eq!(get("SINGLE"), Some("${USER} stays"));
        assert_eq!(get("DOUBLE"), Some("line\nnext \"q\" ci"));
        assert_eq!(get("REF"), Some("v1.2.3-rc"));
        assert_eq!(get("EMPTY"), Some(""));
        assert_eq!(get("DOLLAR"), Some("$HOME"));
    }

    #[test]
    fn problems_have_positions() {
        assert_eq!(
            parse("A=1\nnot an assignment\n", &mut env()).unwrap_err().0,
            2
        );
        let e = parse("  1X=2\n", &mut env()).unwrap_err();
        assert_eq!((e.0, e.1), (1, 3), "{e:?}");
        let e = parse("A=\"open\n", &mut env()).unwrap_err();
        assert_eq!((e.0, e.1), (1, 3), "{e:?}");
        assert!(parse("A=${NOPE}\n", &mut env())
            .unwrap_err()
            .2
            .contains("NOPE"));
    }
}
