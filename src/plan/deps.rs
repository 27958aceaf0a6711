//! Dependencies the Dockerfiles name: an image a cell's build reads that is another component's
//! image is an edge, whether or not `depends_on` lists it, because BuildKit would otherwise look
//! it up in a registry and fail with what reads like a network problem.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::config::{Component, Matrix};
use crate::dockerfile::{familiar, ComponentNames, Dockerfile, UseKind};
use crate::model::text::relative_to;
use crate::model::Platform;

/// Where in a Dockerfile a cell reads a dependency's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// Relative to the matrix file's directory.
    pub file: String,
    pub line: usize,
    /// As written: `FROM base`, `COPY --from=${TOOLS}`.
    pub instruction: String,
    /// With the cell's args substituted.
    pub reference: String,
    pub kind: UseKind,
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}, {}", self.file, self.line, self.instruction)
    }
}

/// One edge of the plan: the cell waits for `dep`, which is of the same platform.
#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    /// Index of the dependency's cell.
    pub dep: usize,
    /// `depends_on` lists it.
    pub declared: bool,
    /// Where the Dockerfile reads it; empty when only `depends_on` says so.
    pub found: Vec<Found>,
}

impl Edge {
    /// The names the Dockerfile reads the dependency by, keyed the way buildx and BuildKit look
    /// named contexts up; none when only `depends_on` says so.
    pub fn context_names(&self) -> impl Iterator<Item = String> + '_ {
        self.found.iter().map(|f| familiar(&f.reference))
    }

    /// An edge `depends_on` lists, before the Dockerfile is read.
    pub fn declared(dep: usize) -> Edge {
        Edge {
            dep,
            declared: true,
            found: Vec::new(),
        }
    }
}

/// What reading the Dockerfiles turned up besides the edges themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepFinding {
    /// A Dockerfile names a component that `depends_on` leaves out; the edge was added.
    Added {
        cell: String,
        dep: String,
        found: Found,
    },
    /// The dependency is not built for the cell's platform, so there is no image to give it.
    NotBuilt {
        cell: String,
        dep: String,
        platform: Platform,
        found: Found,
    },
    /// The edge would close a cycle, so it was left out.
    Cycle {
        cell: String,
        dep: String,
        found: Found,
    },
    /// The Dockerfile could not be read; only `depends_on` counts for this component.
    Unreadable { component: String, message: String },
}

impl DepFinding {
    /// Whether the plan cannot build as it stands. With `strict_deps`, an added edge is an
    /// error too: the project wants `depends_on` to be complete.
    pub fn is_error(&self, strict: bool) -> bool {
        match self {
            DepFinding::Added { .. } => strict,
            DepFinding::NotBuilt { .. } | DepFinding::Cycle { .. } => true,
            DepFinding::Unreadable { .. } => false,
        }
    }

    /// The message, with what to do when it stops the build.
    pub fn message(&self, strict: bool) -> String {
        match self {
            DepFinding::Added { cell, dep, found } if strict => format!(
                "{cell}: depends on {dep} ({found}), which depends_on does not list\n  hint: add {dep:?} to the component's depends_on, or remove strict_deps from [project] to let archgrid add it"
            ),
            DepFinding::Added { cell, dep, found } => {
                format!("{cell}: depends on {dep} ({found})")
            }
            DepFinding::NotBuilt {
                cell,
                dep,
                platform,
                found,
            } => format!(
                "{cell}: reads {dep} ({found}), which is not built for {platform}\n  hint: add {platform} to {dep}'s platforms, or remove it from this component's"
            ),
            DepFinding::Cycle { cell, dep, found } => format!(
                "{cell}: reads {dep} ({found}), but {dep} already depends on it, so neither can build first\n  hint: fix the FROM line, or the depends_on that makes the cycle"
            ),
            DepFinding::Unreadable { component, message } => format!(
                "{component}: dependencies not read from its Dockerfile ({message}); only depends_on counts"
            ),
        }
    }
}

/// The components each cell's Dockerfile reads, found once for the whole plan.
pub(super) struct Inferred {
    uses: BTreeMap<(String, Platform), Vec<(String, Found)>>,
    /// Images each cell reads that no component makes.
    external: BTreeMap<(String, Platform), Vec<Found>>,
    pub findings: Vec<DepFinding>,
    /// Component → what it depends on, declared and found, without the edges left out.
    pub graph: BTreeMap<String, BTreeSet<String>>,
}

impl Inferred {
    pub fn new(
        matrix: &Matrix,
        dockerfiles: &BTreeMap<String, Result<Dockerfile, String>>,
    ) -> Self {
        let names = ComponentNames::new(
            matrix.project.registry.as_deref(),
            &matrix.project.name,
            matrix
                .components
                .iter()
                .map(|c| (c.name.as_str(), c.aliases.as_slice())),
        );
        let mut findings = Vec::new();
        let mut uses = BTreeMap::new();
        let mut external = BTreeMap::new();
        let mut graph: BTreeMap<String, BTreeSet<String>> = matrix
            .components
            .iter()
            .map(|c| (c.name.clone(), c.depends_on.iter().cloned().collect()))
            .collect();
        for comp in &matrix.components {
            let file = match dockerfiles.get(&comp.name) {
                Some(Ok(file)) => file,
                Some(Err(message)) => {
                    findings.push(DepFinding::Unreadable {
                        component: comp.name.clone(),
                        message: message.clone(),
                    });
                    continue;
                }
                None => continue,
            };
            for platform in &comp.platforms {
                let (found, outside) = cell_uses(matrix, comp, file, platform, &names);
                external.insert((comp.name.clone(), platform.clone()), outside);
                let mut kept = Vec::new();
                for (dep, found) in found {
                    let declared = comp.depends_on.contains(&dep);
                    if !declared && reaches(&graph, &dep, &comp.name) {
                        findings.push(DepFinding::Cycle {
                            cell: format!("{}@{platform}", comp.name),
                            dep,
                            found,
                        });
                        continue;
                    }
                    graph
                        .entry(comp.name.clone())
                        .or_default()
                        .insert(dep.clone());
                    kept.push((dep, found));
                }
                uses.insert((comp.name.clone(), platform.clone()), kept);
            }
        }
        Inferred {
            uses,
            external,
            findings,
            graph,
        }
    }

    /// What the cell's Dockerfile reads, by component, in file order.
    pub fn of(&self, component: &str, platform: &Platform) -> &[(String, Found)] {
        self.uses
            .get(&(component.to_string(), platform.clone()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The images the cell's Dockerfile reads that no component makes.
    pub fn external(&self, component: &str, platform: &Platform) -> Vec<Found> {
        self.external
            .get(&(component.to_string(), platform.clone()))
            .cloned()
            .unwrap_or_default()
    }
}

/// Whether `from` already leads to `to`.
fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if seen.insert(name.clone()) {
            stack.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    false
}

/// The components the cell reads, and the other images it reads. A component reading an older
/// image of itself is neither.
fn cell_uses(
    matrix: &Matrix,
    comp: &Component,
    file: &Dockerfile,
    platform: &Platform,
    names: &ComponentNames,
) -> (Vec<(String, Found)>, Vec<Found>) {
    let path = relative_to(&comp.dockerfile, &matrix.root)
        .display()
        .to_string();
    let mut deps = Vec::new();
    let mut outside = Vec::new();
    for u in file.image_uses(&comp.args_for(platform), platform, comp.target.as_deref()) {
        // A frontend image is BuildKit's, never a component's build.
        let dep = match u.kind {
            UseKind::Syntax => None,
            _ => names.component(&u.reference),
        };
        let found = Found {
            kind: u.kind,
            file: path.clone(),
            line: u.line,
            instruction: u.instruction,
            reference: u.reference,
        };
        match dep {
            Some(dep) if dep == comp.name => {}
            Some(dep) => deps.push((dep.to_string(), found)),
            None => outside.push(found),
        }
    }
    (deps, outside)
}

/// Reads every component's Dockerfile once, for [`Inferred::new`].
pub fn read_dockerfiles(matrix: &Matrix) -> BTreeMap<String, Result<Dockerfile, String>> {
    matrix
        .components
        .iter()
        .map(|c| (c.name.clone(), crate::dockerfile::read(&c.dockerfile)))
        .collect()
}
