//! The builder as doctor sees it: it exists, builds would not be refused, and it is what the
//! matrix declares, down to the network its node containers run on.

use super::Check;
use crate::docker::builder::{is_declared, wanted_node_network};
use crate::docker::builder_facts::{BuilderFacts, Found};
use crate::docker::buildx::NodeStatus;
use crate::model::text::plural;

pub fn check(facts: &BuilderFacts) -> Check {
    let name = format!("builder {}", facts.label());
    let b =
        match &facts.found {
            Found::Missing => {
                return match &facts.declared {
                Some(d) if d.create && is_declared(d) => Check::warn(
                    name,
                    "does not exist yet; with create = true archgrid creates it before building",
                    "run `archgrid builder create` to create and start it now",
                ),
                Some(d) if is_declared(d) => Check::fail(
                    name,
                    "does not exist",
                    "run `archgrid builder create`, or set create = true under [builder]",
                ),
                _ => Check::fail(
                    name,
                    "does not exist, and matrix.toml does not say how to make it",
                    "declare it under [builder] (create = true, driver, driver_opts, \
                     buildkitd_flags) and run `archgrid builder create`",
                ),
            };
            }
            Found::Unknown(e) => return Check::fail(
                name,
                e.clone(),
                "`docker buildx ls` lists builders; `docker buildx inspect NAME` shows why this \
                 one cannot be read",
            ),
            Found::Present(b) => b,
        };
    if let Some(refusal) = &facts.refusal {
        return Check::fail(name, refusal.why.clone(), refusal.fix.clone());
    }
    if !facts.differences.is_empty() {
        let list: Vec<String> = facts.differences.iter().map(|d| d.to_string()).collect();
        return Check::fail(
            name,
            format!(
                "differs from matrix.toml in {} way{}: {}",
                list.len(),
                plural(list.len()),
                list.join("; ")
            ),
            "run `archgrid builder create --recreate` to replace it with what matrix.toml declares",
        );
    }
    let node_errors: Vec<String> = b
        .nodes
        .iter()
        .filter_map(|n| n.error.as_ref().map(|e| format!("node {}: {e}", n.name)))
        .chain(b.error.iter().map(|e| format!("builder: {e}")))
        .collect();
    if !node_errors.is_empty() {
        return Check::warn(
            name,
            node_errors.join("; "),
            format!(
                "`docker buildx inspect --bootstrap {}` retries starting it; `archgrid builder \
                 create --recreate` starts over",
                b.name
            ),
        );
    }
    if let Some(unknown) = facts.unknowns.first() {
        return Check::warn(name, unknown.clone(), "check it on that machine");
    }
    Check::ok(name, summary(facts, b))
}

fn summary(facts: &BuilderFacts, b: &crate::docker::buildx::Builder) -> String {
    let mut parts = vec![format!(
        "{} driver, {} node{}",
        b.driver,
        b.nodes.len(),
        plural(b.nodes.len())
    )];
    let wants_host = facts
        .declared
        .as_ref()
        .is_some_and(|d| d.network.as_deref() == Some("host"));
    if b.driver == "docker" {
        if wants_host {
            parts.push("the engine's own BuildKit grants network.host without flags".into());
        }
    } else {
        if wants_host {
            parts.push("its daemon flags allow network.host".into());
        }
        let wanted = facts.declared.as_ref().and_then(wanted_node_network);
        for node in &b.nodes {
            match facts.containers.iter().find(|c| c.node == node.name) {
                Some(c) => parts.push(format!(
                    "container {} {} on network {}",
                    c.name,
                    c.status_word(),
                    c.network_mode.as_deref().unwrap_or("?")
                )),
                None if b.driver == "docker-container" => parts.push(format!(
                    "node {} {} (no container yet{})",
                    node.name,
                    match &node.status {
                        NodeStatus::Unknown => "not started".to_string(),
                        known => known.to_string(),
                    },
                    wanted
                        .map(|w| format!("; it will run on network {w}"))
                        .unwrap_or_default()
                )),
                None => {}
            }
        }
    }
    if facts
        .declared
        .as_ref()
        .is_some_and(|d| d.name.is_some() && is_declared(d))
    {
        parts.push("matches matrix.toml".into());
    }
    parts.join(", ")
}
