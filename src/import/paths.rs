//! Paths as the written matrix spells them: relative to its own folder, with `/`.

use std::path::{Component, Path, PathBuf};

/// `path` made absolute against `base` and resolved on disk when it exists, so `..` and
/// symlinks are settled by the filesystem rather than by string surgery.
pub fn absolute(base: &Path, path: &Path) -> PathBuf {
    let joined = base.join(path);
    joined.canonicalize().unwrap_or_else(|_| lexical(&joined))
}

/// `.` dropped and `..` applied, for a path that does not exist (and so has no symlinks to
/// resolve).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `to` relative to the folder `from`, both absolute: `../x` when it is beside it.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to_parts: Vec<Component> = to.components().collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for part in &to_parts[common..] {
        out.push(part);
    }
    out
}

/// A relative path as matrix.toml writes it: `/` between parts, `.` for the folder itself.
pub fn spelled(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else if path.is_absolute() {
        path.display().to_string()
    } else {
        parts.join("/")
    }
}

/// `to` as the matrix in `matrix_dir` spells it.
pub fn from_matrix(matrix_dir: &Path, to: &Path) -> String {
    spelled(&relative(matrix_dir, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_with_dot_dot() {
        let r = |a: &str, b: &str| spelled(&relative(Path::new(a), Path::new(b)));
        assert_eq!(r("/p/out", "/p/out/api"), "api");
        assert_eq!(r("/p/out", "/p/out"), ".");
        assert_eq!(r("/p/out", "/p/src/api"), "../src/api");
        assert_eq!(r("/p/a/b", "/p/c"), "../../c");
        // Only the root in common: still relative, so the file reads the same wherever the
        // two trees move together.
        assert_eq!(r("/tmp/x", "/srv/api"), "../../srv/api");
    }

    #[test]
    fn missing_paths_are_resolved_by_their_spelling() {
        assert_eq!(
            absolute(Path::new("/no/such/dir"), Path::new("./a/../b")),
            PathBuf::from("/no/such/dir/b")
        );
        assert_eq!(
            absolute(Path::new("/no"), Path::new("/abs/./c")),
            PathBuf::from("/abs/c")
        );
    }
}
