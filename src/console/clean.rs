//! Build output and buildx's answers are untrusted: a RUN step can print escape sequences
//! that would clear, move or retitle the user's terminal. Everything from them is passed
//! through `sanitize_line` here, before it is stored for drawing.

use crate::docker::builder_facts::{BuilderFacts, Found};
use crate::docker::buildx::{Builder, Node, NodeStatus};
use crate::docker::container::NodeContainer;
use crate::docker::drift::Difference;
use crate::docker::entitlement::Refusal;
use crate::doctor::{Check, Report};
use crate::model::sanitize::sanitize_line;
use crate::model::CellStatus;

pub fn clean(text: &str) -> String {
    sanitize_line(text)
}

pub fn clean_status(status: CellStatus) -> CellStatus {
    match status {
        CellStatus::Retrying {
            next,
            of,
            delay,
            reason,
        } => CellStatus::Retrying {
            next,
            of,
            delay,
            reason: clean(&reason),
        },
        CellStatus::Failed {
            class,
            reason,
            attempts,
        } => CellStatus::Failed {
            class,
            reason: clean(&reason),
            attempts,
        },
        CellStatus::Refused { reason } => CellStatus::Refused {
            reason: clean(&reason),
        },
        CellStatus::Green {
            digest,
            duration,
            cached,
        } => CellStatus::Green {
            digest: digest.as_deref().map(clean),
            duration,
            cached,
        },
        CellStatus::UpToDate { digest } => CellStatus::UpToDate {
            digest: digest.as_deref().map(clean),
        },
        other => other,
    }
}

fn clean_pairs(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs
        .into_iter()
        .map(|(k, v)| (clean(&k), clean(&v)))
        .collect()
}

fn clean_node(n: Node) -> Node {
    Node {
        name: clean(&n.name),
        endpoint: clean(&n.endpoint),
        status: match n.status {
            NodeStatus::Other(word) => NodeStatus::Other(clean(&word)),
            known => known,
        },
        buildkit: n.buildkit.as_deref().map(clean),
        platforms: n.platforms.iter().map(|p| clean(p)).collect(),
        driver_opts: clean_pairs(n.driver_opts),
        flags: n.flags.iter().map(|f| clean(f)).collect(),
        labels: clean_pairs(n.labels),
        error: n.error.as_deref().map(clean),
    }
}

fn clean_builder(b: Builder) -> Builder {
    Builder {
        name: clean(&b.name),
        driver: clean(&b.driver),
        last_activity: b.last_activity.as_deref().map(clean),
        error: b.error.as_deref().map(clean),
        nodes: b.nodes.into_iter().map(clean_node).collect(),
    }
}

fn clean_container(c: NodeContainer) -> NodeContainer {
    NodeContainer {
        node: clean(&c.node),
        name: clean(&c.name),
        status: c.status,
        network_mode: c.network_mode.as_deref().map(clean),
        image: c.image.as_deref().map(clean),
    }
}

fn clean_builder_facts(f: BuilderFacts) -> BuilderFacts {
    BuilderFacts {
        name: f.name.as_deref().map(clean),
        found: match f.found {
            Found::Present(b) => Found::Present(clean_builder(b)),
            Found::Unknown(e) => Found::Unknown(clean(&e)),
            Found::Missing => Found::Missing,
        },
        containers: f.containers.into_iter().map(clean_container).collect(),
        unknowns: f.unknowns.iter().map(|u| clean(u)).collect(),
        differences: f
            .differences
            .into_iter()
            .map(|d| Difference {
                what: clean(&d.what),
                builder_has: clean(&d.builder_has),
                matrix_wants: clean(&d.matrix_wants),
            })
            .collect(),
        refusal: f.refusal.map(|r| Refusal {
            why: clean(&r.why),
            fix: clean(&r.fix),
        }),
        ..f
    }
}

/// The doctor quotes the engine, buildx and the registry in its checks.
pub fn clean_report(report: Report) -> Report {
    Report {
        checks: report
            .checks
            .into_iter()
            .map(|c| Check {
                name: clean(&c.name),
                why: clean(&c.why),
                fix: clean(&c.fix),
                ..c
            })
            .collect(),
        builders: report
            .builders
            .into_iter()
            .map(clean_builder_facts)
            .collect(),
    }
}
