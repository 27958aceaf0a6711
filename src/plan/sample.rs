//! Small plans for unit tests of what reads plans: one from a matrix (base on every column,
//! app on every column after base, docs on amd64 only), and hand-made ones without docker or
//! a matrix file.

use std::path::PathBuf;

use super::{Cell, Edge, Facts, Plan};
use crate::config::Matrix;
use crate::model::Platform;

/// `header` is the `[project]` keys after `name`: registry, tag and platforms. The directory
/// holds the one Dockerfile every component builds, and must outlive the plan's use.
pub fn base_app_docs(header: &str) -> (tempfile::TempDir, Plan) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
    let text = format!(
        r#"
[project]
name = "p"
{header}

[[component]]
name = "base"
context = "."

[[component]]
name = "app"
context = "."
depends_on = ["base"]

[[component]]
name = "docs"
context = "."
platforms = ["linux/amd64"]
"#
    );
    let matrix = Matrix::from_str(&text, &dir.path().join("matrix.toml")).unwrap();
    let plan = Plan::new(&matrix, &Facts::default());
    (dir, plan)
}

/// Components as (name, dependencies, platforms it is not built for).
pub type Component<'a> = (&'a str, &'a [&'a str], &'a [&'a str]);

pub fn plan(components: &[Component], platforms: &[&str]) -> Plan {
    let platforms: Vec<Platform> = platforms
        .iter()
        .map(|p| p.parse().expect("platform"))
        .collect();
    let state_dir = PathBuf::from("/project/.archgrid");
    let mut cells: Vec<Cell> = Vec::new();
    for (name, deps, skip) in components {
        for platform in &platforms {
            if skip.contains(&platform.to_string().as_str()) {
                continue;
            }
            let arch = platform.arch_tag();
            let deps = deps
                .iter()
                .filter_map(|d| {
                    cells
                        .iter()
                        .find(|c| c.component == *d && &c.platform == platform)
                        .map(|c| c.index)
                })
                .collect::<Vec<usize>>();
            let edges = deps.iter().copied().map(Edge::declared).collect();
            cells.push(Cell {
                index: cells.len(),
                component: name.to_string(),
                platform: platform.clone(),
                image: format!("localhost:5000/demo/{name}:v1-{arch}"),
                argv: [
                    "buildx",
                    "build",
                    "--network",
                    "host",
                    "--allow",
                    "network.host",
                    ".",
                ]
                .map(String::from)
                .to_vec(),
                deps,
                edges,
                reads: Vec::new(),
                context: PathBuf::from(format!("/project/{name}")),
                dockerfile: PathBuf::from(format!("/project/{name}/Dockerfile")),
                builder: None,
                docker_context: None,
                metadata_file: state_dir.join(format!("meta/{name}-{arch}.json")),
                log_file: state_dir.join(format!("logs/{name}-{arch}.log")),
                chain: 0,
                steps: 1,
                emulated: false,
                warm: None,
            });
        }
    }
    Plan {
        project: "demo".into(),
        tag: "v0.1.0".into(),
        registry: Some("localhost:5000/demo".into()),
        components: components.iter().map(|c| c.0.to_string()).collect(),
        platforms,
        order: (0..cells.len()).collect(),
        cells,
        dep_findings: Vec::new(),
        strict_deps: false,
        state_dir,
    }
}
