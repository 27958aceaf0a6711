//! Component and project names: bake targets, compose services and folders are named more
//! freely than images, and every component name becomes part of an image name.

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::reference::is_path_component;

/// What a name becomes when nothing of it is usable.
const FALLBACK: &str = "component";

/// `raw` as a valid component name: lowercase letters and digits joined by `.`, `_`, `__` or
/// dashes. Other characters and separators become a dash; leading and trailing ones go.
pub fn sanitize(raw: &str) -> String {
    let lower = raw.to_ascii_lowercase();
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut out = String::new();
    let mut separator = String::new();
    for c in lower.chars() {
        if alnum(c) {
            if !out.is_empty() && !separator.is_empty() {
                out.push_str(&joiner(&separator));
            }
            separator.clear();
            out.push(c);
        } else {
            separator.push(c);
        }
    }
    if out.is_empty() {
        FALLBACK.to_string()
    } else {
        out
    }
}

/// A run of separators between two letters or digits, as a separator the grammar accepts.
fn joiner(run: &str) -> String {
    match run {
        "." | "_" | "__" => run.to_string(),
        dashes if dashes.chars().all(|c| c == '-') => run.to_string(),
        _ => "-".to_string(),
    }
}

/// Hands out unique names in the order they are asked for.
#[derive(Debug, Default)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// The first of `wanted` (each sanitized) that is free, else the first with the smallest
    /// free `-2`, `-3`, … suffix.
    pub fn name<'a>(&mut self, wanted: impl IntoIterator<Item = &'a str>) -> String {
        let candidates: Vec<String> = wanted.into_iter().map(sanitize).collect();
        let first = candidates
            .first()
            .cloned()
            .unwrap_or_else(|| FALLBACK.to_string());
        let name = candidates
            .into_iter()
            .find(|c| !self.taken.contains(c))
            .unwrap_or_else(|| {
                (2..)
                    .map(|n| format!("{first}-{n}"))
                    .find(|c| !self.taken.contains(c))
                    .expect("some suffix is free")
            });
        debug_assert!(is_path_component(&name), "{name}");
        self.taken.insert(name.clone());
        name
    }
}

/// The project's name: the folder the matrix file is written to.
pub fn project_name(matrix_dir: &Path) -> String {
    let folder = matrix_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = sanitize(&folder);
    if folder.is_empty() || name == FALLBACK {
        "project".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_valid_image_path_components() {
        let cases = [
            ("api", "api"),
            ("Odd_Name_x", "odd_name_x"),
            ("Odd_Name.x", "odd_name.x"),
            ("web app", "web-app"),
            ("a___b", "a-b"),
            ("a_.b", "a-b"),
            ("a--b", "a--b"),
            ("__init__", "init"),
            ("-lead-", "lead"),
            ("Café", "caf"),
            ("x/y", "x-y"),
            ("", "component"),
            ("___", "component"),
        ];
        for (raw, want) in cases {
            let got = sanitize(raw);
            assert_eq!(got, want, "{raw:?}");
            assert!(is_path_component(&got), "{got:?}");
        }
    }

    #[test]
    fn names_are_unique_in_asking_order() {
        let mut namer = Namer::default();
        assert_eq!(namer.name(["api"]), "api");
        assert_eq!(namer.name(["API"]), "api-2");
        assert_eq!(namer.name(["api"]), "api-3");
        // A second choice is taken before a number.
        assert_eq!(namer.name(["api", "tools-api"]), "tools-api");
        assert_eq!(namer.name(["tools-api", "api"]), "tools-api-2");
    }

    #[test]
    fn the_project_is_named_after_its_folder() {
        assert_eq!(project_name(Path::new("/src/My Shop")), "my-shop");
        assert_eq!(project_name(Path::new("/")), "project");
        assert_eq!(project_name(Path::new("/tmp/.x")), "x");
    }
}
