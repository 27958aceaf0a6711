//! What is wrong with the builders for this plan, in words: the console's builder pane shows it
//! and its tab title flags it, so a configuration that cannot work is seen before builds fail on
//! it.
//!
//! Only what buildx actually shows is judged, as `docker::entitlement` does: a remote driver's
//! daemon flags are invisible to buildx, and a node in error may show none, so those cases are
//! notes saying they cannot be checked, never warnings.

use crate::config::entitlement::NETWORK_HOST_FLAGS;
use crate::docker::builder_facts::{BuilderFacts, Found};
use crate::docker::buildx::{Node, NodeStatus};
use crate::model::Platform;
use crate::plan::Plan;

use super::Report;

pub fn builder_label(name: &Option<String>) -> String {
    match name {
        Some(n) => n.clone(),
        None => "(current)".into(),
    }
}

/// Platforms of the cells that build on `builder`.
pub fn platforms_on(plan: &Plan, builder: &Option<String>) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for cell in plan.cells.iter().filter(|c| &c.builder == builder) {
        if !out.contains(&cell.platform) {
            out.push(cell.platform.clone());
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Severity {
    /// Builds on this builder will fail, or cannot start.
    Warn,
    /// Something that could not be looked at.
    Note,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub text: String,
}

/// Every warning about every builder in use, for the tab title and the status line.
/// `wants_network_host`: the matrix's builds ask for `--allow network.host`.
pub fn warnings(plan: &Plan, wants_network_host: bool, report: &Report) -> Vec<String> {
    report
        .builders
        .iter()
        .flat_map(|f| findings(plan, wants_network_host, f))
        .filter(|f| f.severity == Severity::Warn)
        .map(|f| f.text)
        .collect()
}

pub fn findings(plan: &Plan, wants_network_host: bool, facts: &BuilderFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut warn = |text: String| {
        out.push(Finding {
            severity: Severity::Warn,
            text,
        })
    };
    let label = facts.label();
    let serves = platforms_on(plan, &facts.name);
    let b = match &facts.found {
        Found::Present(b) => b,
        Found::Missing if serves.is_empty() => {
            warn(format!("builder {label} does not exist"));
            return out;
        }
        Found::Missing => {
            warn(format!(
                "builder {label} does not exist, so cells for {} cannot build",
                words(&serves)
            ));
            return out;
        }
        Found::Unknown(e) => {
            warn(format!("cannot inspect builder {label}: {e}"));
            return out;
        }
    };
    if let Some(e) = &b.error {
        warn(format!("builder {}: {e}", b.name));
    }
    for node in &b.nodes {
        if let Some(e) = &node.error {
            warn(format!("node {} of builder {}: {e}", node.name, b.name));
        }
    }
    let mut notes = Vec::new();
    if wants_network_host {
        if b.driver == "remote" {
            notes.push(format!(
                "whether builder {} allows network.host cannot be checked: buildx cannot see a \
                 remote BuildKit daemon's flags; make sure it runs with {} {}",
                b.name, NETWORK_HOST_FLAGS[0], NETWORK_HOST_FLAGS[1]
            ));
        } else {
            for node in b.nodes_refusing_network_host() {
                if flags_unknown(node) {
                    notes.push(format!(
                        "whether node {} of builder {} allows network.host cannot be checked \
                         while it is in error: buildx shows no daemon flags for it",
                        node.name, b.name
                    ));
                    continue;
                }
                let fix = facts.refusal.as_ref().map_or_else(
                    || {
                        format!(
                            "recreate the builder with --buildkitd-flags '{} {}'",
                            NETWORK_HOST_FLAGS[0], NETWORK_HOST_FLAGS[1]
                        )
                    },
                    |r| r.fix.clone(),
                );
                warn(format!(
                    "builds ask for --allow network.host ([builder] network = \"host\"), but \
                     node {} of builder {} ({} driver) has no --allow-insecure-entitlement \
                     network.host in its daemon flags, so BuildKit will refuse them; fix: {fix}",
                    node.name, b.name, b.driver
                ));
            }
        }
    }
    for p in b.missing_platforms(&serves) {
        warn(format!(
            "no node of builder {} lists {p}, which cells build for",
            b.name
        ));
    }
    // For a remote driver the only thing gather cannot see is the daemon flags, said above.
    if b.driver != "remote" {
        notes.extend(facts.unknowns.iter().cloned());
    }
    out.extend(notes.into_iter().map(|text| Finding {
        severity: Severity::Note,
        text,
    }));
    out
}

/// `docker buildx inspect` prints no daemon flags for a node in error; unless `ls` filled them
/// in, an empty list says nothing about the daemon.
fn flags_unknown(node: &Node) -> bool {
    node.flags.is_empty() && (node.error.is_some() || node.status == NodeStatus::Error)
}

fn words(platforms: &[Platform]) -> String {
    platforms
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
