//! `archgrid bake-file`: the plan as a docker-bake JSON file that builds the same cells with
//! `docker buildx bake`: one target per cell, its dependencies as `target:` contexts so bake
//! builds the graph in one run, and the per-arch tags archgrid pushes. Written for the bake
//! file format of buildx 0.12 and 0.13, the oldest archgrid supports: newer keys (`network`,
//! `entitlements`) would make those versions refuse the whole file, so what needs them is
//! reported as left out instead.

mod argv;
mod links;
mod names;
mod paths;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::model::Platform;
use crate::plan::{docker_options, without_cache, Plan};

pub use names::DEFAULT_GROUP;

/// The file, in the shape `docker buildx bake --print` prints.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct BakeFile {
    #[serde(default)]
    pub group: BTreeMap<String, Group>,
    #[serde(default)]
    pub target: BTreeMap<String, Target>,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub targets: Vec<String>,
}

/// One cell. Values are what bake should end up with; `BakeFile::to_json` escapes them for
/// the file, where keys come in alphabetical order.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Target {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attest: Vec<String>,
    #[serde(default)]
    pub context: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub contexts: BTreeMap<String, String>,
    #[serde(default)]
    pub dockerfile: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_from: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_to: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ssh: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_cache: Option<bool>,
}

impl BakeFile {
    /// The file's text. bake reads every string of a JSON file, keys included, as an HCL
    /// template, so `${` and `%{` are escaped to reach the build as written.
    pub fn to_json(&self) -> String {
        let value = serde_json::to_value(self).expect("a bake file is plain data");
        let text = serde_json::to_string_pretty(&escape(value)).expect("json");
        format!("{text}\n")
    }
}

fn escape(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(template_literal(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(escape).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (template_literal(&k), escape(v)))
                .collect(),
        ),
        other => other,
    }
}

/// `text` as an HCL template that evaluates to `text`.
fn template_literal(text: &str) -> String {
    text.replace("${", "$${").replace("%{", "%%{")
}

/// Why an option of a cell's argv has no place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// `--network MODE`, with `--allow network.host` when MODE is host.
    Network(String),
    /// `--allow ENTITLEMENT`.
    Entitlement(String),
    /// An option this version of archgrid does not know how bake expresses.
    Unknown,
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::Network(mode) => {
                let allow = if mode == "host" {
                    " and run bake with --allow network.host"
                } else {
                    ""
                };
                write!(
                    f,
                    "bake files have no network key before buildx 0.17, so bake runs RUN steps on BuildKit's default network; with buildx 0.17 or newer, add \"network\": \"{mode}\" to these targets{allow}"
                )
            }
            Gap::Entitlement(name) => write!(
                f,
                "bake has no entitlements before buildx 0.17; with 0.17 or newer, run bake with --allow {name}"
            ),
            Gap::Unknown => f.write_str(
                "archgrid does not know how a bake file says this; add it to these targets by hand, or build these cells with archgrid",
            ),
        }
    }
}

/// Options of the argv the file leaves out, and the cells whose argv has them.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    /// As they appear in the argv.
    pub flags: Vec<String>,
    pub gap: Gap,
    /// Cell ids, `app@linux/arm64`, in plan order.
    pub cells: Vec<String>,
}

/// A `docker buildx bake` run that builds the file, or part of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// A docker context the cells run on (`docker --context NAME`).
    pub docker_context: Option<String>,
    pub builder: Option<String>,
    /// A group of the file; none: the default group, every target.
    pub group: Option<String>,
}

impl Run {
    /// The argv after `docker`, with `file` as given to `-f`.
    pub fn argv(&self, file: &str) -> Vec<String> {
        let mut argv = docker_options(self.docker_context.as_deref());
        argv.extend(["buildx".to_string(), "bake".to_string()]);
        if let Some(builder) = &self.builder {
            argv.extend(["--builder".to_string(), builder.clone()]);
        }
        argv.extend(["-f".to_string(), file.to_string()]);
        argv.extend(self.group.clone());
        argv
    }
}

/// The plan's selected cells as a bake file.
#[derive(Debug, Clone)]
pub struct Translation {
    pub file: BakeFile,
    /// Each selected cell's target, by cell index.
    pub targets: BTreeMap<usize, String>,
    pub left_out: Vec<LeftOut>,
    /// One run unless cells are routed to different builders: a bake run uses one builder, so
    /// then each platform's group is its own run (a dependency is always of its dependent's
    /// platform).
    pub runs: Vec<Run>,
}

/// `selected` as `Plan::select` gives it: dependencies included. `root` is the matrix's
/// folder, where bake is to run; `no_cache` does what `--no-cache` does to a build.
pub fn translate(
    plan: &Plan,
    selected: &BTreeSet<usize>,
    root: &Path,
    no_cache: bool,
) -> Translation {
    let mut namer = names::Namer::new();
    let cells: Vec<_> = plan
        .cells
        .iter()
        .filter(|c| selected.contains(&c.index))
        .collect();
    let targets: BTreeMap<usize, String> = cells
        .iter()
        .map(|c| {
            (
                c.index,
                namer.name(&names::target(&c.component, &c.platform)),
            )
        })
        .collect();
    let mut file = BakeFile::default();
    let mut left_out: Vec<LeftOut> = Vec::new();
    let mut routes: Vec<(&Platform, Option<String>, Option<String>)> = Vec::new();
    for cell in &cells {
        let argv = if no_cache {
            without_cache(&cell.argv)
        } else {
            cell.argv.clone()
        };
        // A dependency left out of the selection keeps reading the registry's image.
        let deps: BTreeMap<&str, &str> = cell
            .deps
            .iter()
            .filter_map(|&d| Some((plan.cells[d].image.as_str(), targets.get(&d)?.as_str())))
            .collect();
        let mut read = argv::read(&argv, &deps, root);
        for edge in &cell.edges {
            if let Some(linked) = targets.get(&edge.dep) {
                let names: BTreeSet<String> = edge.context_names().collect();
                let bare = &plan.cells[edge.dep].component;
                links::drop_unread_bare_name(&mut read.target, bare, linked, &names);
            }
        }
        for (flags, gap) in read.gaps {
            match left_out
                .iter_mut()
                .find(|l| l.flags == flags && l.gap == gap)
            {
                Some(l) => l.cells.push(cell.id()),
                None => left_out.push(LeftOut {
                    flags,
                    gap,
                    cells: vec![cell.id()],
                }),
            }
        }
        let route = (&cell.platform, read.docker_context, read.builder);
        if !routes.contains(&route) {
            routes.push(route);
        }
        file.target
            .insert(targets[&cell.index].clone(), read.target);
    }
    links::one_context_per_target(&mut file, &mut namer);
    let all = |keep: &dyn Fn(&crate::plan::Cell) -> bool| Group {
        targets: cells
            .iter()
            .filter(|c| keep(c))
            .map(|c| targets[&c.index].clone())
            .collect(),
    };
    file.group.insert(DEFAULT_GROUP.into(), all(&|_| true));
    for component in &plan.components {
        let group = all(&|c| &c.component == component);
        if !group.targets.is_empty() {
            file.group.insert(namer.name(component), group);
        }
    }
    let mut platform_groups = Vec::new();
    for platform in &plan.platforms {
        let group = all(&|c| &c.platform == platform);
        if !group.targets.is_empty() {
            let name = namer.name(&names::platform_group(platform));
            platform_groups.push((platform, name.clone()));
            file.group.insert(name, group);
        }
    }
    let runs = runs(&routes, &platform_groups);
    Translation {
        file,
        targets,
        left_out,
        runs,
    }
}

type Route<'a> = (&'a Platform, Option<String>, Option<String>);

fn runs(routes: &[Route], platform_groups: &[(&Platform, String)]) -> Vec<Run> {
    let same = routes
        .windows(2)
        .all(|w| (&w[0].1, &w[0].2) == (&w[1].1, &w[1].2));
    if same {
        let (docker_context, builder) = routes
            .first()
            .map(|r| (r.1.clone(), r.2.clone()))
            .unwrap_or_default();
        return vec![Run {
            docker_context,
            builder,
            group: None,
        }];
    }
    platform_groups
        .iter()
        .filter_map(|(platform, group)| {
            let route = routes.iter().find(|r| r.0 == *platform)?;
            Some(Run {
                docker_context: route.1.clone(),
                builder: route.2.clone(),
                group: Some(group.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
