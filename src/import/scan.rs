//! `archgrid init`: the Dockerfiles under a folder, each a component named after its folder.

use std::path::{Path, PathBuf};

use super::names::Namer;

/// Folders that hold no project's own images, or someone else's copies of them.
const SKIPPED_DIRS: [&str; 4] = [".git", "node_modules", "vendor", "target"];

/// One Dockerfile found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Absolute.
    pub path: PathBuf,
    /// `dev` for `Dockerfile.dev` and `dev.Dockerfile`; `None` for `Dockerfile`.
    pub variant: Option<String>,
}

impl Found {
    pub fn folder(&self) -> &Path {
        self.path.parent().expect("a file in a folder")
    }

    pub fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Whether `name` is a Dockerfile, and its variant: `Dockerfile`, `Dockerfile.*` (not
/// `Dockerfile.dockerignore`, the ignore file of `Dockerfile`) and `*.Dockerfile`.
pub fn dockerfile_variant(name: &str) -> Option<Option<String>> {
    if name == "Dockerfile" {
        return Some(None);
    }
    if name.ends_with(".dockerignore") {
        return None;
    }
    if let Some(variant) = name.strip_prefix("Dockerfile.") {
        return (!variant.is_empty()).then(|| Some(variant.to_string()));
    }
    if let Some(variant) = name.strip_suffix(".Dockerfile") {
        return (!variant.is_empty()).then(|| Some(variant.to_string()));
    }
    None
}

/// Every Dockerfile under `dir`, in path order, leaving out hidden folders and
/// [`SKIPPED_DIRS`]. Symlinked folders are not followed, so a link cannot loop.
pub fn dockerfiles(dir: &Path) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    walk(dir, &mut found)?;
    Ok(found)
}

fn walk(dir: &Path, found: &mut Vec<Found>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    let mut folders = Vec::new();
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                folders.push(entry.path());
            }
        } else if let Some(variant) = dockerfile_variant(&name) {
            if entry.path().is_file() {
                found.push(Found {
                    path: entry.path(),
                    variant,
                });
            }
        }
    }
    for folder in folders {
        walk(&folder, found)?;
    }
    Ok(())
}

/// A name for each Dockerfile: its folder's (`root_name` for the scanned folder itself), with
/// `-variant` for `Dockerfile.variant`; a taken name is tried with its parent folder's first.
pub fn component_names(found: &[Found], root: &Path, root_name: &str) -> Vec<String> {
    let mut namer = Namer::default();
    // Plain Dockerfiles get their folder's name before variants can take it.
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| found[i].variant.is_some());
    let mut names = vec![String::new(); found.len()];
    for i in order {
        let f = &found[i];
        let folder = f.folder();
        let base = if folder == root {
            root_name.to_string()
        } else {
            folder
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| root_name.to_string())
        };
        let parent = folder
            .parent()
            .filter(|p| *p != root && p.starts_with(root))
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        let with_variant = |name: &str| match &f.variant {
            Some(v) => format!("{name}-{v}"),
            None => name.to_string(),
        };
        let mut wanted = vec![with_variant(&base)];
        if let Some(parent) = parent {
            wanted.push(with_variant(&format!("{parent}-{base}")));
        }
        names[i] = namer.name(wanted.iter().map(String::as_str));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_names_and_variants() {
        assert_eq!(dockerfile_variant("Dockerfile"), Some(None));
        assert_eq!(
            dockerfile_variant("Dockerfile.dev"),
            Some(Some("dev".into()))
        );
        assert_eq!(
            dockerfile_variant("dev.Dockerfile"),
            Some(Some("dev".into()))
        );
        for not in [
            "Dockerfile.dockerignore",
            "dev.Dockerfile.dockerignore",
            ".dockerignore",
            "Dockerfile.",
            ".Dockerfile",
            "dockerfile",
            "Makefile",
        ] {
            assert_eq!(dockerfile_variant(not), None, "{not}");
        }
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "FROM scratch\n").unwrap();
        }
        dir
    }

    #[test]
    fn the_scan_skips_hidden_vendored_and_built_folders() {
        let dir = tree(&[
            "Dockerfile",
            "api/Dockerfile",
            "api/Dockerfile.dev",
            "api/Dockerfile.dockerignore",
            "web/prod.Dockerfile",
            ".git/Dockerfile",
            ".hidden/Dockerfile",
            "node_modules/x/Dockerfile",
            "vendor/Dockerfile",
            "target/Dockerfile",
            "docs/README.md",
        ]);
        let found = dockerfiles(dir.path()).unwrap();
        let rel: Vec<String> = found
            .iter()
            .map(|f| {
                f.path
                    .strip_prefix(dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            rel,
            [
                "Dockerfile",
                "api/Dockerfile",
                "api/Dockerfile.dev",
                "web/prod.Dockerfile"
            ]
        );
    }

    #[test]
    fn components_are_named_after_their_folders() {
        let dir = tree(&[
            "Dockerfile",
            "api/Dockerfile.dev",
            "api/Dockerfile",
            "web/prod.Dockerfile",
            "services/Auth_Service/Dockerfile",
            "tools/api/Dockerfile",
        ]);
        let found = dockerfiles(dir.path()).unwrap();
        let names = component_names(&found, dir.path(), "My Shop");
        let by_file: Vec<(String, String)> = found
            .iter()
            .zip(names)
            .map(|(f, n)| {
                (
                    f.path
                        .strip_prefix(dir.path())
                        .unwrap()
                        .display()
                        .to_string(),
                    n,
                )
            })
            .collect();
        let expect = |f: &str, n: &str| (f.to_string(), n.to_string());
        assert_eq!(
            by_file,
            [
                expect("Dockerfile", "my-shop"),
                expect("api/Dockerfile", "api"),
                expect("api/Dockerfile.dev", "api-dev"),
                expect("services/Auth_Service/Dockerfile", "auth_service"),
                expect("tools/api/Dockerfile", "tools-api"),
                expect("web/prod.Dockerfile", "web-prod"),
            ]
        );
    }
}
