//! `archgrid doctor`: whether this machine can build the matrix, one check at a time, each with
//! why it passed or failed and what to do. The builder pane shows the same checks at its top.
//! Without a matrix the machine is still checked, for the platforms most projects build.

mod base_images;
mod binfmt;
mod bridge;
mod builders;
mod buildx_version;
mod credentials;
mod disk;
pub mod elf;
mod emulation;
mod engine;
pub mod findings;
mod http;
mod platforms;
mod probe;
mod probe_output;
mod registry;
mod registry_reach;
mod subject;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::config::Matrix;
use crate::docker::builder_facts::BuilderFacts;
use crate::model::Platform;
use probe_output::{FetchResult, RunResult};

pub use binfmt::BINFMT_DIR;
pub use bridge::NAME as BRIDGE_NETWORK;
pub use engine::EngineFacts;
pub use registry_reach::NAME as REGISTRY_FROM_BUILDER;
pub use subject::{Subject, MACHINE_PLATFORMS};

/// The name of the check that says whether `platform` can run, probe included.
pub fn platform_check_name(platform: &Platform) -> String {
    format!("platform {platform}")
}

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

    /// The checks `prefix` names: one by its whole name (`bridge network`, `platform
    /// linux/arm64`), or a family by its leading words (`platform`, `registry`, `builder`).
    pub fn matching<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Check> + 'a {
        self.checks.iter().filter(move |c| names(&c.name, prefix))
    }
}

/// Whether `prefix` is `name` or its first whole words.
pub fn names(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// Runs every check against the engine, buildx, this machine and the registry, and the probe
/// builds on the matrix's builders.
pub async fn run(matrix: &Matrix) -> Report {
    run_with(Subject::Matrix(matrix), Path::new(BINFMT_DIR)).await
}

/// The checks of this machine that need no project: the engine, buildx, the bridge, emulation
/// of `MACHINE_PLATFORMS` probed on buildx's current builder, free disk and that builder.
pub async fn run_without_matrix() -> Report {
    let platforms = subject::machine_platforms();
    run_with(Subject::Machine(&platforms), Path::new(BINFMT_DIR)).await
}

/// `binfmt_dir` stands in for /proc/sys/fs/binfmt_misc.
pub async fn run_with(subject: Subject<'_>, binfmt_dir: &Path) -> Report {
    let docker_config = credentials::DockerConfig::load();
    let registry = async {
        match subject {
            Subject::Matrix(m) => {
                Some(registry::check(m.project.registry.as_deref(), &docker_config).await)
            }
            Subject::Machine(_) => None,
        }
    };
    let (side, buildx, registry) = tokio::join!(
        engine_side(subject, &docker_config),
        buildx_version::check(),
        registry,
    );
    let EngineSide {
        check: engine_check,
        facts: engine,
        builders,
        remote_nodes,
        bridge,
        probes,
    } = side;

    let bridge_failure = probes.runs.iter().find_map(|r| match &r.result {
        RunResult::Bridge { sentence } => Some(sentence.as_str()),
        _ => None,
    });
    let mut checks = vec![
        engine_check,
        buildx,
        bridge::with_probe_failure(bridge, bridge_failure),
    ];
    let inspected = platforms::checks(
        subject.platforms(),
        engine.as_ref(),
        &builders,
        &remote_nodes,
        binfmt_dir,
    );
    for (platform, check) in subject.platforms().iter().zip(inspected) {
        checks.push(match probes.runs.iter().find(|r| &r.platform == platform) {
            Some(run) => emulation::with_probe(check, platform, &run.builder, &run.result),
            None => check,
        });
    }
    checks.extend(registry);
    checks.extend(probes.fetches);
    checks.push(disk::check(engine.as_ref()));
    if let Subject::Matrix(matrix) = subject {
        checks.extend(base_images::checks(matrix).await);
    }
    if engine.is_some() {
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

/// Everything that needs the engine to answer, run after its check and side by side.
struct EngineSide {
    check: Check,
    facts: Option<EngineFacts>,
    builders: Vec<BuilderFacts>,
    remote_nodes: BTreeSet<String>,
    bridge: Check,
    probes: Probes,
}

async fn engine_side(
    subject: Subject<'_>,
    docker_config: &credentials::DockerConfig,
) -> EngineSide {
    let (check, facts) = engine::check(docker_config).await;
    if facts.is_none() {
        return EngineSide {
            check,
            bridge: bridge::check(subject.host_network(), None).await,
            probes: Probes::not_run(subject.registry()),
            facts,
            builders: Vec::new(),
            remote_nodes: BTreeSet::new(),
        };
    }
    let builders = subject.builders().await;
    let (remote_nodes, bridge, probes) = tokio::join!(
        remote_nodes(&builders),
        bridge::check(subject.host_network(), facts.as_ref()),
        probes(subject, &builders),
    );
    EngineSide {
        check,
        facts,
        builders,
        remote_nodes,
        bridge,
        probes,
    }
}

/// What the probe builds found: one RUN per platform, one fetch per builder.
struct Probes {
    runs: Vec<RunProbe>,
    fetches: Vec<Check>,
}

struct RunProbe {
    platform: Platform,
    builder: String,
    result: RunResult,
}

impl Probes {
    /// Without an engine no probe runs; a registry still gets its line saying so.
    fn not_run(registry: Option<&str>) -> Probes {
        let fetches = registry
            .iter()
            .map(|_| {
                Check::warn(
                    REGISTRY_FROM_BUILDER,
                    "not checked: the Docker engine does not answer",
                    "fix the engine check above first",
                )
            })
            .collect();
        Probes {
            runs: Vec::new(),
            fetches,
        }
    }
}

async fn probes(subject: Subject<'_>, builders: &[BuilderFacts]) -> Probes {
    // Probes need to know where cells run, not what they are labelled with.
    let plan_facts = tokio::task::spawn_blocking(|| crate::plan::Facts {
        docker_contexts: crate::docker::contexts::list(),
        ..Default::default()
    })
    .await
    .unwrap_or_default();
    let sites = subject.sites(&plan_facts);
    let host_network = subject.host_network();
    let facts_of = |site: &probe::Site| builders.iter().find(|f| f.name == site.builder);
    let label = |site: &probe::Site| facts_of(site).map_or_else(|| site.label(), |f| f.label());

    let runs = futures::future::join_all(sites.iter().map(|(platform, site)| async move {
        let result = match probe::not_probeable(facts_of(site)) {
            Some(why) => RunResult::NotProbed { why },
            None => probe::run(platform, site, host_network).await,
        };
        RunProbe {
            platform: platform.clone(),
            builder: label(site),
            result,
        }
    }));

    let mut fetch_sites: Vec<&probe::Site> = Vec::new();
    for (_, site) in &sites {
        if !fetch_sites.contains(&site) {
            fetch_sites.push(site);
        }
    }
    let several = fetch_sites.len() > 1;
    let target = subject.registry().map(registry::target);
    let fetches = futures::future::join_all(
        target
            .iter()
            .flat_map(|t| fetch_sites.iter().map(move |site| (t, *site)))
            .map(|(target, site)| async move {
                let facts = facts_of(site);
                let result = match probe::not_probeable(facts) {
                    Some(why) => FetchResult::NotProbed { why },
                    None => probe::fetch(&target.url(), site).await,
                };
                let label = label(site);
                let builder = facts.and_then(BuilderFacts::builder);
                let by = registry_reach::Fetcher {
                    label: &label,
                    driver: builder.map(|b| b.driver.as_str()),
                    node_network: builder
                        .and_then(|b| b.nodes.first())
                        .and_then(|n| n.driver_opt("network"))
                        .or_else(|| facts?.containers.first()?.network_mode.as_deref()),
                };
                let name = registry_reach::name(several.then_some(label.as_str()));
                registry_reach::judge(name, &target.url(), &target.authority(), &by, &result)
            }),
    );
    let (runs, fetches) = tokio::join!(runs, fetches);
    Probes { runs, fetches }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_names_whole_words_of_check_names() {
        let check = |name: &str| Check::ok(name, "x");
        let report = Report {
            checks: [
                "bridge network",
                "platform linux/amd64",
                "platform linux/arm64",
                "registry localhost:5000",
                "registry from builder",
            ]
            .map(check)
            .to_vec(),
            builders: Vec::new(),
        };
        let names = |prefix: &str| -> Vec<String> {
            report.matching(prefix).map(|c| c.name.clone()).collect()
        };
        assert_eq!(names(BRIDGE_NETWORK), ["bridge network"]);
        assert_eq!(
            names("platform"),
            ["platform linux/amd64", "platform linux/arm64"]
        );
        let arm64 = platform_check_name(&"linux/arm64".parse().unwrap());
        assert_eq!(names(&arm64), ["platform linux/arm64"]);
        assert_eq!(
            names("registry"),
            ["registry localhost:5000", "registry from builder"]
        );
        assert_eq!(names(REGISTRY_FROM_BUILDER), ["registry from builder"]);
        assert!(names("bridge net").is_empty(), "whole words only");
    }
}
