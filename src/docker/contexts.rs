//! Docker contexts by name. buildx lists every context as a builder with the docker driver,
//! but buildx 0.13 refuses `--builder NAME` for a context other than the current one ("use
//! `docker --context=NAME buildx` to switch to context"), and another docker-driver builder
//! cannot be created under a new name; so a cell routed to a context runs as
//! `docker --context NAME buildx build --builder NAME`.

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use crate::plan::Facts;

/// What the planner needs to know about this host and the project's files. The contexts come
/// from the CLI's own configuration; no daemon is asked. git is asked, in the matrix's
/// directory, for the source labels.
pub fn plan_facts(matrix: &crate::config::Matrix) -> Facts {
    Facts {
        docker_contexts: list(),
        source: crate::plan::Source::discover(&matrix.root),
        dockerfiles: crate::plan::read_dockerfiles(matrix),
    }
}

/// Without docker there are no contexts, and the builder check says what is wrong.
pub fn list() -> BTreeSet<String> {
    let out = Command::new("docker")
        .args(["context", "ls", "--format", "{{.Name}}"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output();
    match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        _ => BTreeSet::new(),
    }
}
