//! No matrix file where one was looked for: a project's first run, or a matrix kept elsewhere.
//! What could make one is named, with the compose and bake files that are there to import.

use std::fmt;
use std::path::{Path, PathBuf};

use super::bake_files::bake_files_in;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingMatrix {
    /// Absolute, so the folder it was looked for in is plain to see.
    pub path: PathBuf,
    /// Compose and bake files in that folder, spelled from where archgrid runs, as
    /// `archgrid import` would take them.
    pub importable: Vec<PathBuf>,
}

impl MissingMatrix {
    /// `path` as given on the command line.
    pub fn at(path: &Path) -> MissingMatrix {
        let folder = path.parent().unwrap_or(Path::new(""));
        let absolute = match path.file_name() {
            Some(name) => super::root_dir(path).join(name),
            None => path.to_path_buf(),
        };
        MissingMatrix {
            path: absolute,
            importable: bake_files_in(folder),
        }
    }

    /// One line: what is missing, and where.
    pub fn message(&self) -> String {
        format!("no matrix file at {}", self.path.display())
    }

    /// Ways to get a matrix, one a line.
    pub fn hints(&self) -> [String; 3] {
        let import = if self.importable.is_empty() {
            "`archgrid import FILE` makes one from a compose or bake file".to_string()
        } else {
            let commands: Vec<String> = self
                .importable
                .iter()
                .map(|f| format!("`archgrid import {}`", f.display()))
                .collect();
            format!("{} makes one from that file", commands.join(" or "))
        };
        [
            "`archgrid init` proposes one from the Dockerfiles under a folder".to_string(),
            import,
            "`--matrix PATH` uses a matrix file elsewhere".to_string(),
        ]
    }
}

impl fmt::Display for MissingMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())?;
        for hint in self.hints() {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MissingMatrix {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_absolute_path_and_every_way_to_get_a_matrix() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let missing = MissingMatrix::at(&dir.path().join("matrix.toml"));
        assert_eq!(missing.path, root.join("matrix.toml"));
        assert_eq!(
            missing.to_string(),
            format!(
                "no matrix file at {}\n  \
                 hint: `archgrid init` proposes one from the Dockerfiles under a folder\n  \
                 hint: `archgrid import FILE` makes one from a compose or bake file\n  \
                 hint: `--matrix PATH` uses a matrix file elsewhere",
                root.join("matrix.toml").display()
            )
        );
    }

    #[test]
    fn suggests_importing_the_compose_and_bake_files_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["docker-bake.hcl", "docker-compose.yml"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let missing = MissingMatrix::at(&dir.path().join("matrix.toml"));
        let [_, import, _] = missing.hints();
        assert_eq!(
            import,
            format!(
                "`archgrid import {}` or `archgrid import {}` makes one from that file",
                dir.path().join("docker-compose.yml").display(),
                dir.path().join("docker-bake.hcl").display()
            )
        );
    }

    #[test]
    fn a_relative_path_is_shown_from_the_current_directory() {
        let missing = MissingMatrix::at(Path::new("no-such-folder/matrix.toml"));
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(missing.path, cwd.join("no-such-folder/matrix.toml"));
        assert!(missing.importable.is_empty());
    }
}
