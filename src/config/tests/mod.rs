//! Unit tests of loading `matrix.toml`, one file per section of the validator. The tests
//! write small matrices over a fresh project directory and check every error's position
//! and hint, since those are what tell a person where and how to fix the file.

mod aliases;
mod builder;
mod cache_labels;
mod components;
mod console;
mod contexts;
mod graph;
mod load;
mod network_host;
mod parse;
mod project;
mod report;
mod retry;
mod routes;
mod secrets;
mod variables;

use std::fs;
use std::path::PathBuf;

use super::*;

/// A temporary project directory with `base/Dockerfile` and `app/Dockerfile`.
struct Fixture {
    dir: tempfile::TempDir,
    /// The whole environment the matrix sees: tests do not depend on the one they run in.
    vars: Vars,
}

impl Fixture {
    fn new() -> Self {
        let fixture = Fixture {
            dir: tempfile::tempdir().unwrap(),
            vars: Vars::default(),
        };
        fixture.image("base");
        fixture.image("app");
        fixture
    }

    fn image(&self, rel: &str) {
        let dir = self.dir.path().join(rel);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("Dockerfile"), "FROM scratch\n").unwrap();
    }

    fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    fn matrix_path(&self) -> PathBuf {
        self.dir.path().join("matrix.toml")
    }

    fn parse(&self, text: &str) -> Result<Matrix, ConfigErrors> {
        Matrix::from_str_with(text, &self.matrix_path(), &self.vars)
    }

    fn env(mut self, env: &[(&str, &str)], dotenv: &[(&str, &str)]) -> Self {
        let own = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        self.vars = Vars::new(own(env), own(dotenv));
        self
    }

    fn file(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path
    }

    fn ok(&self, text: &str) -> Matrix {
        self.parse(text)
            .unwrap_or_else(|e| panic!("expected a valid matrix, got:\n{e}"))
    }

    fn errors(&self, text: &str) -> Vec<ConfigError> {
        match self.parse(text) {
            Ok(m) => panic!("expected errors, got a matrix: {m:#?}"),
            Err(e) => e.0,
        }
    }
}

fn list(errors: &[ConfigError]) -> String {
    ConfigErrors(errors.to_vec()).to_string()
}

/// Finds the error whose message contains `needle` and checks where it
/// points; every error must also carry a hint.
fn error_at<'a>(
    errors: &'a [ConfigError],
    needle: &str,
    line: usize,
    column: usize,
) -> &'a ConfigError {
    let found = errors
        .iter()
        .find(|e| e.message.contains(needle))
        .unwrap_or_else(|| panic!("no error containing {needle:?} in:\n{}", list(errors)));
    assert_eq!(
        (found.line, found.column),
        (line, column),
        "position of {:?}",
        found.message
    );
    assert!(found.hint.is_some(), "{:?} has no hint", found.message);
    found
}

/// Like [`error_at`], and also that nothing else was reported.
fn only_error<'a>(
    errors: &'a [ConfigError],
    needle: &str,
    line: usize,
    column: usize,
) -> &'a ConfigError {
    assert_eq!(
        errors.len(),
        1,
        "expected one error, got:\n{}",
        list(errors)
    );
    error_at(errors, needle, line, column)
}

fn hint(error: &ConfigError) -> &str {
    error.hint.as_deref().unwrap_or_default()
}

fn platform(s: &str) -> Platform {
    s.parse().unwrap()
}

/// Four lines and a blank, so whatever follows starts on line 6.
const HEAD: &str = r#"[project]
name = "demo"
tag = "v0.1.0"
platforms = ["linux/amd64", "linux/arm64"]

"#;

/// Lines 6 to 8.
const BASE: &str = r#"[[component]]
name = "base"
context = "base"
"#;
