//! Build output and buildx's answers are untrusted: a RUN step can print escape sequences
//! that would clear, move or retitle the user's terminal. Everything from them is passed
//! through `sanitize_line` here, before it is stored for drawing.

use crate::docker::buildx::{Builder, Facts, Node};
use crate::sanitize::sanitize_line;
use crate::scheduler::CellStatus;

pub fn clean(text: &str) -> String {
    sanitize_line(text).to_string()
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
        status: clean(&n.status),
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

pub fn clean_facts(facts: Facts) -> Facts {
    Facts {
        listed: facts
            .listed
            .map(|list| list.into_iter().map(clean_builder).collect())
            .map_err(|e| clean(&e)),
        used: facts
            .used
            .into_iter()
            .map(|(name, result)| (name, result.map(clean_builder).map_err(|e| clean(&e))))
            .collect(),
    }
}
