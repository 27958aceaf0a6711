//! `matrix.toml`: what to build, for which platforms, and how.
//!
//! Loading checks everything that can be checked before docker is involved
//! and reports every problem at once, each at the line and column to fix.

mod duration;
pub mod entitlement;
mod error;
mod graph;
mod network_host;
mod parse;
mod raw;
mod reference;
mod suggest;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::model::Platform;

pub use duration::parse_duration;
pub use error::{ConfigError, ConfigErrors};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// The matrix file as given.
    pub path: PathBuf,
    /// The canonical directory of the matrix file; relative paths start here.
    pub root: PathBuf,
    pub project: Project,
    /// `None` means use buildx's current builder.
    pub builder: Option<BuilderConfig>,
    pub retry: RetryPolicy,
    /// Keyed by the platform as spelled in `project.platforms`.
    pub platform_routes: BTreeMap<Platform, PlatformRoute>,
    /// Action name to the keys bound to it.
    pub keys: BTreeMap<String, Vec<String>>,
    /// In file order.
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Project {
    pub name: String,
    /// Images are `{registry}/{component}`; `None` keeps them local.
    pub registry: Option<String>,
    pub tag: String,
    /// Extra tags published alongside `tag`.
    pub tags: Vec<String>,
    pub platforms: Vec<Platform>,
    /// Defaults to two builds per platform.
    pub concurrency: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuilderConfig {
    pub name: Option<String>,
    /// Only `"host"` is accepted.
    pub network: Option<String>,
    pub create: bool,
    /// One of `docker-container`, `docker`, `remote`, `kubernetes`.
    pub driver: Option<String>,
    pub driver_opts: BTreeMap<String, String>,
    pub buildkitd_flags: Vec<String>,
    pub platforms: Vec<Platform>,
    pub endpoint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryPolicy {
    /// Includes the first try, so 1 means no retries.
    pub attempts: u32,
    pub backoff: Duration,
    /// How long cells wait for an engine, builder or registry that stopped answering before
    /// they fail with that reason.
    pub engine_wait: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlatformRoute {
    pub builder: Option<String>,
    pub concurrency: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    pub name: String,
    /// Absolute.
    pub context: PathBuf,
    /// Absolute.
    pub dockerfile: PathBuf,
    /// Values exactly as written; they are passed to docker as one argument
    /// each, never through a shell.
    pub args: BTreeMap<String, String>,
    /// Spelled as in `project.platforms`.
    pub platforms: Vec<Platform>,
    pub target: Option<String>,
    pub depends_on: Vec<String>,
}

impl Matrix {
    pub fn load(path: &Path) -> Result<Matrix, ConfigErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            message: format!("cannot read matrix file: {e}"),
            hint: Some("check the path and that the file is readable UTF-8 text".to_string()),
        })?;
        Matrix::from_str(&text, path)
    }

    /// `path` need not exist; it names the file in errors, and its directory
    /// is where relative paths in `text` start.
    pub fn from_str(text: &str, path: &Path) -> Result<Matrix, ConfigErrors> {
        let mut errors = error::Collector::new(path, text);
        let matrix = parse::parse(text, &mut errors)
            .and_then(|raw| validate::build(raw, path, root_dir(path), &mut errors));
        match (errors.finish(), matrix) {
            (Err(errors), _) => Err(errors),
            (Ok(()), Some(matrix)) => Ok(matrix),
            (Ok(()), None) => unreachable!("a matrix is only withheld after reporting why"),
        }
    }

    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }
}

fn root_dir(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // Canonicalising fails only if the directory is missing, in which case
    // the context checks will say so with an absolute path.
    dir.canonicalize().unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|cwd| cwd.join(dir))
            .unwrap_or_else(|_| dir.to_path_buf())
    })
}
