//! `archgrid doctor`: whether this machine can build the matrix, one check at a time, each with
//! why it passed or failed and what to do. The builder pane shows the same checks at its top.

mod binfmt;
mod builders;
mod buildx_version;
mod credentials;
mod disk;
pub mod elf;
mod engine;
pub mod findings;
mod http;
mod platforms;
mod registry;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::config::Matrix;
use crate::docker::builder_facts::{self, BuilderFacts};

pub use binfmt::BINFMT_DIR;
pub use engine::EngineFacts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Ok,
    Warn,
    Fail,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Fail => "fail",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked, e.g. `engine` or `platform linux/arm64`.
    pub name: String,
    pub level: Level,
    /// One line: what was found.
    pub why: String,
    /// One line: what to do about it.
    pub fix: String,
}

impl Check {
    pub fn ok(name: impl Into<String>, why: impl Into<String>) -> Check {
        Check::new(name, Level::Ok, why, "nothing")
    }

    pub fn warn(name: impl Into<String>, why: impl Into<String>, fix: impl Into<String>) -> Check {
        Check::new(name, Level::Warn, why, fix)
    }

    pub fn fail(name: impl Into<String>, why: impl Into<String>, fix: impl Into<String>) -> Check {
        Check::new(name, Level::Fail, why, fix)
    }

    fn new(
        name: impl Into<String>,
        level: Level,
        why: impl Into<String>,
        fix: impl Into<String>,
    ) -> Check {
        Check {
            name: name.into(),
            level,
            why: one_line(why.into()),
            fix: one_line(fix.into()),
        }
    }
}

/// Engine and tool messages sometimes span lines; a check is read one line each.
fn one_line(text: String) -> String {
    if !text.contains(['\n', '\r']) {
        return text;
    }
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[derive(Debug, Clone)]
pub struct Report {
    pub checks: Vec<Check>,
    /// What the builder checks were made from, for a front end that shows more of it.
    pub builders: Vec<BuilderFacts>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.level == Level::Fail)
    }

    pub fn count(&self, level: Level) -> usize {
        self.checks.iter().filter(|c| c.level == level).count()
    }
}

/// Runs every check against the engine, buildx, this machine and the registry.
pub async fn run(matrix: &Matrix) -> Report {
    run_with(matrix, Path::new(BINFMT_DIR)).await
}

/// `binfmt_dir` stands in for /proc/sys/fs/binfmt_misc.
pub async fn run_with(matrix: &Matrix, binfmt_dir: &Path) -> Report {
    let docker_config = credentials::DockerConfig::load();
    let ((engine_check, engine), buildx, registry) = tokio::join!(
        engine::check(&docker_config),
        buildx_version::check(),
        registry::check(matrix.project.registry.as_deref(), &docker_config),
    );
    let engine_answers = engine.is_some();
    let builders = if engine_answers {
        builder_facts::gather(matrix).await
    } else {
        Vec::new()
    };
    let remote_nodes = remote_nodes(&builders).await;

    let mut checks = vec![engine_check, buildx];
    checks.extend(platforms::checks(
        matrix,
        engine.as_ref(),
        &builders,
        &remote_nodes,
        binfmt_dir,
    ));
    checks.push(registry);
    checks.push(disk::check(engine.as_ref()));
    if engine_answers {
        checks.extend(builders.iter().map(builders::check));
    } else {
        checks.push(Check::warn(
            "builder",
            "not checked: the Docker engine does not answer",
            "fix the engine check above first",
        ));
    }
    Report { checks, builders }
}

/// Names of builder nodes that run on another machine, whose emulators are their own.
async fn remote_nodes(builders: &[BuilderFacts]) -> BTreeSet<String> {
    let mut remote = BTreeSet::new();
    for node in builders
        .iter()
        .filter_map(BuilderFacts::builder)
        .flat_map(|b| b.nodes.iter())
    {
        if !engine::same_machine(&node.endpoint).await {
            remote.insert(node.name.clone());
        }
    }
    remote
}
