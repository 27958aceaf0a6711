//! The compose and bake files `docker buildx bake` reads from a folder when it is given none:
//! what a project that has no matrix yet most likely describes its images in.

use std::path::{Path, PathBuf};

/// In the order bake looks for them.
pub const BAKE_FILE_NAMES: [&str; 8] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
    "docker-bake.json",
    "docker-bake.hcl",
    "docker-bake.override.json",
    "docker-bake.override.hcl",
];

/// Those of them that `dir` holds, as `dir` joined with the name, in bake's order. An empty
/// `dir` is the current directory, and the paths stay relative to it.
pub fn bake_files_in(dir: &Path) -> Vec<PathBuf> {
    BAKE_FILE_NAMES
        .iter()
        .map(|name| dir.join(name))
        .filter(|path| path.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_files_present_are_listed_in_bakes_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["docker-bake.hcl", "docker-compose.yml", "compose.yaml.orig"] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        // A folder of that name is not a file bake could read.
        std::fs::create_dir(dir.path().join("compose.yaml")).unwrap();
        assert_eq!(
            bake_files_in(dir.path()),
            [
                dir.path().join("docker-compose.yml"),
                dir.path().join("docker-bake.hcl")
            ]
        );
    }

    #[test]
    fn every_name_bake_reads_by_default_is_found() {
        let dir = tempfile::tempdir().unwrap();
        for name in BAKE_FILE_NAMES {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let found = bake_files_in(dir.path());
        let names: Vec<&str> = found
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(names, BAKE_FILE_NAMES);
    }

    #[test]
    fn an_empty_or_missing_folder_has_none() {
        let dir = tempfile::tempdir().unwrap();
        assert!(bake_files_in(dir.path()).is_empty());
        assert!(bake_files_in(&dir.path().join("nowhere")).is_empty());
    }
}
