//! The user's own bindings, `~/.config/archgrid/keys.toml`: the same action → keys table as
//! the matrix's `[keys]`, applied after it, since key habits belong to the person.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::keymap::Keymap;

pub fn user_keys_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("archgrid").join("keys.toml"))
}

/// `quit = "q"` or `quit = ["q", "ctrl+c"]`, as the matrix's `[keys]` accepts.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Bound {
    One(String),
    Many(Vec<String>),
}

/// A missing file is no bindings; an unreadable or malformed one is an error.
pub fn read_keys_file(path: &Path) -> Result<Option<BTreeMap<String, Vec<String>>>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let table: BTreeMap<String, Bound> =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(
        table
            .into_iter()
            .map(|(action, bound)| match bound {
                Bound::One(key) => (action, vec![key]),
                Bound::Many(keys) => (action, keys),
            })
            .collect(),
    ))
}

/// Defaults, then the matrix's `[keys]`, then the user's file.
pub fn load_keymap(
    matrix_keys: &BTreeMap<String, Vec<String>>,
    user_file: Option<&Path>,
) -> Result<Keymap, String> {
    let user = match user_file {
        Some(path) => read_keys_file(path)?.map(|t| (path.display().to_string(), t)),
        None => None,
    };
    let mut tables: Vec<(&str, &BTreeMap<String, Vec<String>>)> =
        vec![("matrix [keys]", matrix_keys)];
    if let Some((name, table)) = &user {
        tables.push((name.as_str(), table));
    }
    Keymap::with_overrides(tables)
}
