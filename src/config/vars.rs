//! `${VAR}` in matrix strings, from the environment or a `.env` file beside the matrix.
//!
//! Only the braced forms are variables: build args are full of shell text such as `$HOME`
//! that must reach the build as written. `$$` is a literal `$`, as in compose.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::error::{Collector, ConfigError};

/// The file beside the matrix that supplies variables the environment lacks.
pub const DOTENV: &str = ".env";

/// Where variables come from: the environment wins over `.env`.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    env: HashMap<String, String>,
    dotenv: BTreeMap<String, String>,
}

impl Vars {
    /// The process environment and, when it exists, `root/.env`.
    pub fn from_process(root: &Path) -> Result<Vars, ConfigError> {
        // A variable that is not UTF-8 cannot be part of a TOML string; skipping it makes a
        // reference to it read as unset, which names it.
        let mut vars = Vars {
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            dotenv: BTreeMap::new(),
        };
        read_dotenv(&root.join(DOTENV), &mut vars)?;
        Ok(vars)
    }

    pub fn new(
        env: impl IntoIterator<Item = (String, String)>,
        dotenv: impl IntoIterator<Item = (String, String)>,
    ) -> Vars {
        Vars {
            env: env.into_iter().collect(),
            dotenv: dotenv.into_iter().collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .or_else(|| self.dotenv.get(name))
            .map(String::as_str)
    }

    /// Only the environment: what a buildx child inherits.
    pub fn env(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str)
    }

    /// The same variables with `name` set in the environment, over any value it had.
    pub fn with_env(mut self, name: &str, value: &str) -> Vars {
        self.env.insert(name.to_string(), value.to_string());
        self
    }

    pub fn in_dotenv(&self, name: &str) -> bool {
        self.dotenv.contains_key(name)
    }

    /// A variable read from `.env`; later lines of the file can use it.
    pub(super) fn define(&mut self, name: String, value: String) {
        self.dotenv.insert(name, value);
    }
}

/// Adds the variables of the file at `path`, if there is one, to `vars`.
fn read_dotenv(path: &Path, vars: &mut Vars) -> Result<(), ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(ConfigError {
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read {DOTENV}: {e}"),
                hint: Some("make it readable UTF-8 text, or remove it".to_string()),
            })
        }
    };
    super::dotenv::parse(&text, vars).map_err(|(line, column, message)| ConfigError {
        file: path.to_path_buf(),
        line,
        column,
        message,
        hint: Some(
            "write one NAME=value per line, as docker compose reads .env files; quote a value with \" or '".to_string(),
        ),
    })
}

/// A variable name as shells and compose take it: letters, digits and `_`, not starting with a
/// digit.
pub fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why a string could not be expanded, and the text in the source to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandError {
    /// The `${…` text at fault, to find it in the file.
    pub at: String,
    pub message: String,
    pub hint: String,
}

/// Replaces `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}` and
/// `${VAR?message}`, and `$$` by `$`. A default may itself use variables.
pub fn expand(text: &str, vars: &Vars) -> Result<String, ExpandError> {
    if !text.contains('$') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = closing_brace(body).ok_or_else(|| ExpandError {
                at: rest[at..].chars().take(20).collect(),
                message: "`${` has no closing `}`".to_string(),
                hint: "close the variable as in ${TAG}, or write $$ for a literal $".to_string(),
            })?;
            let inner = &body[..end];
            out.push_str(&substitute(inner, vars)?);
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` that closes a `${`, counting nested `${…}` in defaults.
fn closing_brace(body: &str) -> Option<usize> {
    let mut depth = 0usize;
    let bytes = body.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn substitute(inner: &str, vars: &Vars) -> Result<String, ExpandError> {
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(name_end);
    let at = format!("${{{inner}}}");
    if !is_name(name) {
        return Err(ExpandError {
            at,
            message: format!("`${{{inner}}}` is not a variable name"),
            hint: "names are letters, digits and _, not starting with a digit, as in ${TAG}; write $$ for a literal $".to_string(),
        });
    }
    let value = vars.get(name);
    let set_and_not_empty = value.filter(|v| !v.is_empty());
    let unset = |detail: &str| {
        ExpandError {
        at: at.clone(),
        message: format!("variable {name} is not set{detail}"),
        hint: format!(
            "set it in the environment ({name}=… archgrid …) or in {DOTENV} beside the matrix, or give a default: ${{{name}:-value}}"
        ),
    }
    };
    match op {
        "" => value.map(str::to_string).ok_or_else(|| unset("")),
        _ if op.starts_with(":-") => match set_and_not_empty {
            Some(v) => Ok(v.to_string()),
            None => expand(&op[2..], vars),
        },
        _ if op.starts_with('-') => match value {
            Some(v) => Ok(v.to_string()),
            None => expand(&op[1..], vars),
        },
        _ if op.starts_with(":?") => set_and_not_empty
            .map(str::to_string)
            .ok_or_else(|| unset(&format!(" or is empty: {}", &op[2..]))),
        _ if op.starts_with('?') => value
            .map(str::to_string)
            .ok_or_else(|| unset(&format!(": {}", &op[1..]))),
        _ => Err(ExpandError {
            at,
            message: format!("`${{{inner}}}`: unknown form after the name {name}"),
            hint: "use ${NAME}, ${NAME:-default} or ${NAME:?message}".to_string(),
        }),
    }
}

/// Expands every string value in the document in place; keys stay as written. Each bad
/// reference is reported at its own position.
pub(super) fn expand_document(
    root: &mut DeTable<'_>,
    vars: &Vars,
    source: &str,
    errors: &mut Collector<'_>,
) {
    for (_, value) in root.iter_mut() {
        expand_value(value, vars, source, errors);
    }
}

fn expand_value(
    value: &mut Spanned<DeValue<'_>>,
    vars: &Vars,
    source: &str,
    errors: &mut Collector<'_>,
) {
    let span = value.span();
    match value.get_mut() {
        DeValue::String(s) => {
            if !s.contains('$') {
                return;
            }
            match expand(s, vars) {
                Ok(expanded) => *s = expanded.into(),
                Err(e) => {
                    // Point at the variable itself when the string spells it without escapes.
                    let written = source.get(span.clone()).unwrap_or_default();
                    let start = written.find(&e.at).map_or(span.start, |i| span.start + i);
                    errors.push(start..start, e.message, e.hint);
                }
            }
        }
        DeValue::Array(items) => {
            for item in items.iter_mut() {
                expand_value(item, vars, source, errors);
            }
        }
        DeValue::Table(table) => {
            for (_, item) in table.iter_mut() {
                expand_value(item, vars, source, errors);
            }
        }
        _ => {}
    }
}

/// `~/x` under the home directory; other paths unchanged.
pub fn expand_home(path: &str, vars: &Vars) -> PathBuf {
    match (path.strip_prefix("~/"), vars.env("HOME")) {
        (Some(rest), Some(home)) => Path::new(home).join(rest),
        _ if path == "~" => vars.env("HOME").map_or_else(|| path.into(), PathBuf::from),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        Vars::new(
            [
                ("TAG".into(), "v0.3.9".into()),
                ("EMPTY".into(), String::new()),
            ],
            [
                ("TAG".into(), "from-dotenv".into()),
                ("ONLY_DOTENV".into(), "d".into()),
            ],
        )
    }

    #[test]
    fn braced_variables_expand_and_the_environment_wins() {
        let v = vars();
        assert_eq!(expand("${TAG}", &v).unwrap(), "v0.3.9");
        assert_eq!(expand("x-${ONLY_DOTENV}-y", &v).unwrap(), "x-d-y");
        assert_eq!(expand("${EMPTY}", &v).unwrap(), "");
    }

    #[test]
    fn defaults_follow_compose() {
        let v = vars();
        assert_eq!(expand("${NOPE:-v1}", &v).unwrap(), "v1");
        assert_eq!(expand("${EMPTY:-v1}", &v).unwrap(), "v1");
        assert_eq!(expand("${EMPTY-v1}", &v).unwrap(), "");
        assert_eq!(expand("${NOPE-v1}", &v).unwrap(), "v1");
        assert_eq!(expand("${NOPE:-${TAG}-rc}", &v).unwrap(), "v0.3.9-rc");
        assert_eq!(expand("${NOPE:-}", &v).unwrap(), "");
    }

    #[test]
    fn unbraced_dollars_stay_and_double_dollars_are_literal() {
        let v = vars();
        assert_eq!(
            expand("hello $HOME world", &v).unwrap(),
            "hello $HOME world"
        );
        assert_eq!(expand("$${TAG} costs $$5", &v).unwrap(), "${TAG} costs $5");
        assert_eq!(expand("end $", &v).unwrap(), "end $");
    }

    #[test]
    fn unset_and_malformed_references_are_errors() {
        let v = vars();
        let e = expand("a${NOPE}b", &v).unwrap_err();
        assert_eq!(e.at, "${NOPE}");
        assert_eq!(e.message, "variable NOPE is not set");
        assert!(e.hint.contains("${NOPE:-value}"), "{}", e.hint);
        let e = expand("${EMPTY:?needed for the push}", &v).unwrap_err();
        assert!(e.message.contains("needed for the push"), "{}", e.message);
        assert!(expand("${TAG", &v)
            .unwrap_err()
            .message
            .contains("no closing"));
        assert!(expand("${1X}", &v)
            .unwrap_err()
            .message
            .contains("not a variable name"));
        assert!(expand("${}", &v)
            .unwrap_err()
            .message
            .contains("not a variable name"));
        assert!(expand("${TAG:+x}", &v)
            .unwrap_err()
            .message
            .contains("unknown form"));
    }

    #[test]
    fn dotenv_files_read_like_compose() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(DOTENV),
            "# release settings\nTAG=v1.2.3\nQUOTED=\"two words\"\nexport EXPORTED=yes\nBARE=two words\n",
        )
        .unwrap();
        let vars = Vars::from_process(dir.path()).unwrap();
        assert_eq!(vars.dotenv.get("TAG").map(String::as_str), Some("v1.2.3"));
        assert_eq!(
            vars.dotenv.get("QUOTED").map(String::as_str),
            Some("two words")
        );
        assert_eq!(vars.dotenv.get("EXPORTED").map(String::as_str), Some("yes"));
        assert_eq!(
            vars.dotenv.get("BARE").map(String::as_str),
            Some("two words")
        );
        assert!(vars.in_dotenv("TAG"));
    }

    #[test]
    fn a_broken_dotenv_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DOTENV), "OK=1\nthis is not an assignment\n").unwrap();
        let e = Vars::from_process(dir.path()).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.to_string().contains(".env"), "{e}");
    }

    #[test]
    fn home_is_expanded_only_at_the_start() {
        let v = Vars::new([("HOME".into(), "/home/ci".into())], []);
        assert_eq!(
            expand_home("~/.netrc", &v),
            PathBuf::from("/home/ci/.netrc")
        );
        assert_eq!(expand_home("a/~/b", &v), PathBuf::from("a/~/b"));
    }
}
