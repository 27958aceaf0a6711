//! Cache-warming builds: a cell that reads a dependency only late in its Dockerfile (`COPY
//! --from=api`, `RUN --mount=…,from=api`) can build the part before that read while the
//! dependency still builds. It is a cache-only build of the Dockerfile cut before the read; the
//! cell's real build runs in full afterwards and finds those steps cached. The warming build
//! exports nothing, so whether it ran, failed or was stopped never changes what the cell makes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Cell, CACHE_FROM};
use crate::config::Matrix;
use crate::dockerfile::{Dockerfile, UseKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warm {
    /// Dependencies (cell indexes) the Dockerfile reads only from `cut` on. The cell's other
    /// dependencies must be green before it warms.
    pub late: Vec<usize>,
    /// The first line of the Dockerfile the warming build leaves out.
    pub cut: usize,
    /// Where the runner writes the cut Dockerfile.
    pub dockerfile: PathBuf,
    pub log_file: PathBuf,
    /// Arguments after `docker`: the cell's own, with the cut Dockerfile, without the late
    /// dependencies' contexts, and exporting only to the build cache.
    pub argv: Vec<String>,
}

/// The warming build for `cells[i]`, when its Dockerfile reads some dependency only through
/// `COPY --from`/`--mount from` late enough to leave steps before it.
pub fn plan_warm(
    matrix: &Matrix,
    dockerfile: &Dockerfile,
    cells: &[Cell],
    i: usize,
    state_dir: &Path,
) -> Option<Warm> {
    let cell = &cells[i];
    let comp = matrix.component(&cell.component)?;
    let late_edges: Vec<_> = cell
        .edges
        .iter()
        .filter(|e| {
            !e.found.is_empty()
                && e.found
                    .iter()
                    .all(|f| matches!(f.kind, UseKind::CopyFrom | UseKind::MountFrom))
        })
        .collect();
    if late_edges.is_empty() {
        return None;
    }
    let late_refs: BTreeSet<&str> = late_edges
        .iter()
        .flat_map(|e| e.found.iter().map(|f| f.reference.as_str()))
        .collect();
    let is_late = |image: &str| late_refs.contains(image);
    let cut = dockerfile.warm_cut(
        &comp.args_for(&cell.platform),
        &cell.platform,
        comp.target.as_deref(),
        &is_late,
    )?;
    let mut late_names = BTreeSet::new();
    for edge in &late_edges {
        late_names.insert(cells[edge.dep].component.clone());
        late_names.extend(edge.context_names());
    }
    let arch = cell.platform.arch_tag();
    let file = state_dir
        .join("warm")
        .join(format!("{}-{arch}.Dockerfile", cell.component));
    Some(Warm {
        late: late_edges.iter().map(|e| e.dep).collect(),
        cut,
        argv: warm_argv(&cell.argv, &late_names, &file),
        dockerfile: file,
        log_file: state_dir
            .join("logs")
            .join(format!("{}-{arch}.warm.log", cell.component)),
    })
}

/// The cell's argv turned into a cache-only build: every flag that names or sends the image
/// (tag, push, load, metadata, cache export) goes, and so do the contexts of the late
/// dependencies, which do not exist yet. The cache import stays: it is what warms.
fn warm_argv(argv: &[String], late_names: &BTreeSet<String>, dockerfile: &Path) -> Vec<String> {
    let Some(build) = argv
        .windows(2)
        .position(|w| w[0] == "buildx" && w[1] == "build")
        .map(|at| at + 1)
    else {
        return argv.to_vec();
    };
    let mut out: Vec<String> = argv[..=build].to_vec();
    let body = &argv[build + 1..];
    let Some((context, flags)) = body.split_last() else {
        return argv.to_vec();
    };
    let mut flags = flags.iter();
    while let Some(flag) = flags.next() {
        match flag.as_str() {
            "--push" | "--load" => {}
            "--tag" | "--metadata-file" | "--cache-to" => {
                flags.next();
            }
            "--file" => {
                flags.next();
                out.push(flag.clone());
                out.push(dockerfile.display().to_string());
            }
            "--build-context" => {
                let Some(value) = flags.next() else { break };
                let name = value.split_once('=').map_or(value.as_str(), |(n, _)| n);
                if !late_names.contains(name) {
                    out.push(flag.clone());
                    out.push(value.clone());
                }
            }
            // The flags build_argv writes with a separate value.
            "--platform" | "--build-arg" | "--target" | "--secret" | "--ssh" | "--label"
            | CACHE_FROM | "--builder" | "--network" | "--allow" => {
                out.push(flag.clone());
                if let Some(value) = flags.next() {
                    out.push(value.clone());
                }
            }
            _ => out.push(flag.clone()),
        }
    }
    out.push("--output".into());
    out.push("type=cacheonly".into());
    out.push(context.clone());
    out
}
