//! `matrix.toml`: what to build, for which platforms, and how.
//!
//! Loading checks everything that can be checked before docker is involved
//! and reports every problem at once, each at the line and column to fix.

mod aliases;
mod bake_files;
mod cache;
mod concurrency;
mod console;
mod contexts;
mod credential_args;
mod dotenv;
mod duration;
pub mod entitlement;
mod error;
mod graph;
mod labels;
mod missing;
mod network_host;
mod parse;
mod platform_args;
mod raw;
pub(crate) mod reference;
mod secrets;
pub mod suggest;
mod validate;
pub mod vars;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::model::Platform;

pub use bake_files::{bake_files_in, BAKE_FILE_NAMES};
pub use concurrency::Concurrency;
pub use console::{ConsoleConfig, Notify};
pub use duration::parse_duration;
pub use error::{ConfigError, ConfigErrors, LoadError};
pub use missing::MissingMatrix;
pub use vars::Vars;

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
    /// Secret ids to where their values come from; values are never kept here.
    pub secrets: BTreeMap<String, SecretSource>,
    pub cache: Option<CacheConfig>,
    pub console: ConsoleConfig,
    /// Keyed by the platform as spelled in `project.platforms`.
    pub platform_routes: BTreeMap<Platform, PlatformRoute>,
    /// Action name to the keys bound to it.
    pub keys: BTreeMap<String, Vec<String>>,
    /// In file order.
    pub components: Vec<Component>,
    /// Problems that do not stop a build, in file order.
    #[serde(skip)]
    pub warnings: Vec<ConfigError>,
}

/// Where a secret's value is read when a build needs it: only buildx and the masking of build
/// output ever hold the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// An environment variable of the archgrid process, which the buildx child inherits.
    Env(String),
    /// Absolute, with `~` expanded.
    File(PathBuf),
}

impl SecretSource {
    /// The value, to mask it in build output.
    pub fn read(&self) -> Result<String, String> {
        match self {
            SecretSource::Env(name) => {
                std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
            }
            SecretSource::File(path) => secrets::read_file(path),
        }
    }
}

/// `[cache]`: each cell reads and writes its own ref under `registry`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CacheConfig {
    pub registry: String,
    pub mode: CacheMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CacheMode {
    /// Every intermediate step, so a dependent stage that changed still finds its earlier
    /// steps.
    Max,
    /// Only the final image's layers.
    Min,
}

impl CacheMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheMode::Max => "max",
            CacheMode::Min => "min",
        }
    }
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
    /// `"auto"` unless a number is given.
    pub concurrency: Concurrency,
    /// On every image; a component's own labels win.
    pub labels: BTreeMap<String, String>,
    /// A dependency found in a Dockerfile but missing from `depends_on` is an error instead of
    /// being added to the plan.
    pub strict_deps: bool,
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
    /// Ids from `[secrets]`.
    pub secrets: Vec<String>,
    /// As buildx takes them: `default`, or `id=/abs/key`.
    pub ssh: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// Added to, or overriding, `args` on that platform only; keyed by the project's spelling.
    pub platform_args: BTreeMap<Platform, BTreeMap<String, String>>,
    /// Named build contexts: an absolute directory, or a `docker-image://`, `oci-layout://`
    /// or URL source as written.
    pub contexts: BTreeMap<String, String>,
    /// Other image names, without a tag, that Dockerfiles use for this component.
    pub aliases: Vec<String>,
}

impl Component {
    /// `args` with this platform's `platform_args` over them.
    pub fn args_for(&self, platform: &Platform) -> BTreeMap<String, String> {
        let mut args = self.args.clone();
        if let Some(extra) = self.platform_args.get(platform) {
            args.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        args
    }
}

impl Matrix {
    pub fn load(path: &Path) -> Result<Matrix, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::Missing(MissingMatrix::at(path)),
            _ => LoadError::Invalid(
                ConfigError {
                    file: path.to_path_buf(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read matrix file: {e}"),
                    hint: Some(
                        "check the path and that the file is readable UTF-8 text".to_string(),
                    ),
                }
                .into(),
            ),
        })?;
        Ok(Matrix::from_str(&text, path)?)
    }

    /// `path` need not exist; it names the file in errors, and its directory
    /// is where relative paths in `text` start. Variables come from the environment and the
    /// directory's `.env`.
    pub fn from_str(text: &str, path: &Path) -> Result<Matrix, ConfigErrors> {
        let vars = Vars::from_process(&root_dir(path))?;
        Matrix::from_str_with(text, path, &vars)
    }

    pub fn from_str_with(text: &str, path: &Path, vars: &Vars) -> Result<Matrix, ConfigErrors> {
        let mut errors = error::Collector::new(path, text);
        let matrix = parse::parse(text, vars, &mut errors)
            .and_then(|raw| validate::build(raw, path, root_dir(path), vars, &mut errors));
        match (errors.finish(), matrix) {
            (Err(errors), _) => Err(errors),
            (Ok(warnings), Some(matrix)) => Ok(Matrix { warnings, ..matrix }),
            (Ok(_), None) => unreachable!("a matrix is only withheld after reporting why"),
        }
    }

    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components.iter().find(|c| c.name == name)
    }
}

/// Drops `.` segments so paths shown to people and handed to docker read cleanly; `..` is kept
/// because resolving it without the filesystem is wrong when symlinks are involved.
fn clean(path: &Path) -> PathBuf {
    path.components().collect()
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
