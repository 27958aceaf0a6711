//! Everything known about each builder the plan uses: buildx's view (ls + inspect), the node
//! containers on the engine, how they differ from the matrix, and whether builds would be
//! refused. The builder pane, `archgrid builder inspect`, `doctor` and the check before
//! building all read this one structure.

use std::time::Duration;

use super::buildx::{self, Builder, InspectError, NodeStatus};
use super::container::{self, NodeContainer};
use super::drift::{self, Difference};
use super::entitlement::{self, Refusal};
use crate::config::{BuilderConfig, Matrix};
use crate::model::Platform;
use crate::plan::Plan;

#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Present(Builder),
    /// buildx knows no builder of that name.
    Missing,
    /// buildx could not be asked, or answered something unexpected.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct BuilderFacts {
    /// As cells name it; `None` is buildx's current builder.
    pub name: Option<String>,
    /// The matrix's `[builder]`, when this is the builder it describes.
    pub declared: Option<BuilderConfig>,
    /// Platforms of the cells that build on this builder.
    pub platforms: Vec<Platform>,
    pub found: Found,
    /// Containers of docker-container nodes on the engine archgrid talks to.
    pub containers: Vec<NodeContainer>,
    /// What could not be looked at, in words.
    pub unknowns: Vec<String>,
    pub differences: Vec<Difference>,
    pub refusal: Option<Refusal>,
}

impl BuilderFacts {
    pub fn label(&self) -> String {
        match (&self.name, &self.found) {
            (Some(name), _) => name.clone(),
            (None, Found::Present(b)) => format!("{} (current)", b.name),
            (None, _) => "(current)".into(),
        }
    }

    pub fn builder(&self) -> Option<&Builder> {
        match &self.found {
            Found::Present(b) => Some(b),
            _ => None,
        }
    }
}

/// The builders cells use, in plan order, each with the platforms built on it, and the one
/// `[builder]` declares even when every platform is routed elsewhere.
pub fn builders_used(matrix: &Matrix) -> Vec<(Option<String>, Vec<Platform>)> {
    // Which builder a cell uses does not depend on the host, so no facts are needed.
    let plan = Plan::new(matrix, &crate::plan::Facts::default());
    let mut used: Vec<(Option<String>, Vec<Platform>)> = Vec::new();
    for cell in &plan.cells {
        let index = match used.iter().position(|(name, _)| *name == cell.builder) {
            Some(i) => i,
            None => {
                used.push((cell.builder.clone(), Vec::new()));
                used.len() - 1
            }
        };
        if !used[index].1.contains(&cell.platform) {
            used[index].1.push(cell.platform.clone());
        }
    }
    if let Some(name) = matrix.builder.as_ref().and_then(|b| b.name.clone()) {
        if !used
            .iter()
            .any(|(n, _)| n.as_deref() == Some(name.as_str()))
        {
            used.push((Some(name), Vec::new()));
        }
    }
    used
}

pub async fn gather(matrix: &Matrix) -> Vec<BuilderFacts> {
    gather_used(builders_used(matrix), matrix.builder.as_ref()).await
}

/// `used` as `builders_used` lists them; `builder` is the matrix's `[builder]`, if any.
pub async fn gather_used(
    used: Vec<(Option<String>, Vec<Platform>)>,
    builder: Option<&BuilderConfig>,
) -> Vec<BuilderFacts> {
    let names: Vec<Option<String>> = used.iter().map(|(n, _)| n.clone()).collect();
    let facts = buildx::query(&names).await;
    let wants_host = builder.is_some_and(|b| b.network.as_deref() == Some("host"));
    let docker = container::connect();
    let mut out = Vec::new();
    for ((name, platforms), (_, inspected)) in used.into_iter().zip(facts.used) {
        let declared = builder.filter(|b| b.name == name).cloned();
        let found = found(&name, inspected, &facts.listed);
        let mut containers = Vec::new();
        let mut unknowns = Vec::new();
        if let Found::Present(b) = &found {
            if b.driver == "docker-container" {
                for node in &b.nodes {
                    if !on_this_engine(&node.endpoint).await {
                        unknowns.push(format!(
                            "node {} runs on {}, not on the engine archgrid inspects ({}), so \
                             its container was not looked at",
                            node.name,
                            node.endpoint,
                            super::engine::endpoint()
                        ));
                        continue;
                    }
                    let result = match &docker {
                        Ok(docker) => container::inspect(docker, &node.name).await,
                        Err(e) => Err(e.clone()),
                    };
                    match result {
                        Ok(Some(c)) => containers.push(c),
                        Ok(None) => {}
                        Err(e) => unknowns.push(e),
                    }
                }
            }
            if b.driver == "remote" && wants_host {
                unknowns.push(format!(
                    "builder {} uses the remote driver, whose daemon flags buildx cannot see: \
                     make sure its buildkitd runs with --allow-insecure-entitlement network.host",
                    b.name
                ));
            }
        }
        let (differences, refusal) = match &found {
            Found::Present(b) => (
                declared
                    .as_ref()
                    .map(|cfg| drift::differences(cfg, b, &containers))
                    .unwrap_or_default(),
                if wants_host {
                    entitlement::refusal(b, declared.as_ref())
                } else {
                    None
                },
            ),
            _ => (Vec::new(), None),
        };
        out.push(BuilderFacts {
            name,
            declared,
            platforms,
            found,
            containers,
            unknowns,
            differences,
            refusal,
        });
    }
    out
}

fn found(
    name: &Option<String>,
    inspected: Result<Builder, InspectError>,
    listed: &Result<Vec<Builder>, String>,
) -> Found {
    match inspected {
        Ok(mut b) => {
            if let Ok(list) = listed {
                if let Some(l) = list.iter().find(|l| l.name == b.name) {
                    fill_from_listing(&mut b, l);
                }
            }
            Found::Present(b)
        }
        Err(e) => {
            let unlisted = match (name, listed) {
                (Some(name), Ok(list)) => !list.iter().any(|b| &b.name == name),
                _ => false,
            };
            if unlisted || matches!(e, InspectError::NoSuchBuilder(_)) {
                Found::Missing
            } else {
                Found::Unknown(e.to_string())
            }
        }
    }
}

/// `docker buildx inspect` prints no status, daemon flags or platforms for a node in error,
/// while `ls --format json` still carries them.
pub fn fill_from_listing(builder: &mut Builder, listed: &Builder) {
    builder.merge_listing(listed);
    for node in &mut builder.nodes {
        let Some(other) = listed.nodes.iter().find(|n| n.name == node.name) else {
            continue;
        };
        if node.flags.is_empty() {
            node.flags = other.flags.clone();
        }
        if node.driver_opts.is_empty() {
            node.driver_opts = other.driver_opts.clone();
        }
        if node.status == NodeStatus::Unknown {
            node.status = other.status.clone();
        }
    }
}

/// Whether a node endpoint (an address or a docker context name) is the engine archgrid's
/// Engine API client talks to.
async fn on_this_engine(endpoint: &str) -> bool {
    let engine = super::engine::endpoint();
    if endpoint == engine || endpoint == "default" {
        return true;
    }
    if endpoint.contains("://") {
        return false;
    }
    context_host(endpoint).await.as_deref() == Some(engine.as_str())
}

/// The Docker host of a docker context.
pub async fn context_host(context: &str) -> Option<String> {
    let argv = [
        "context",
        "inspect",
        context,
        "--format",
        "{{.Endpoints.docker.Host}}",
    ]
    .map(String::from);
    let ran = super::command::docker(&argv, None, Some(Duration::from_secs(10)))
        .await
        .ok()?;
    ran.success
        .then(|| ran.stdout.trim().to_string())
        .filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::buildx::{parse_inspect, parse_ls_json};

    /// Observed with buildx 0.13.1: a docker-container node whose container runs something
    /// that is not BuildKit.
    const INSPECT_NODE_IN_ERROR: &str = "Name:          agx-probe
Driver:        docker-container
Last Activity: 2026-11-23 10:52:48 +0000 UTC

Nodes:
Name:           agx-probe0
Endpoint:       unix:///var/run/docker.sock
Driver Options: network=\"host\"
Error:          listing workers: failed to list workers: Unavailable: connection error: desc = \"error reading server preface: http2: frame too large\"
";
    const LS_NODE_IN_ERROR: &str = r#"{"Name":"agx-probe","Driver":"docker-container","LastActivity":"2026-11-23T10:52:48Z","Dynamic":false,"Nodes":[{"Name":"agx-probe0","Endpoint":"unix:///var/run/docker.sock","Flags":["--allow-insecure-entitlement","network.host"],"DriverOpts":{"network":"host"},"Status":"error","Err":"listing workers: failed to list workers: Unavailable: connection error: desc = \"error reading server preface: http2: frame too large\"","Platforms":["linux/amd64","linux/arm64"]}]}"#;

    #[test]
    fn a_node_in_error_gets_its_flags_from_the_listing() {
        let mut b = parse_inspect(INSPECT_NODE_IN_ERROR).unwrap();
        assert!(b.nodes[0].flags.is_empty(), "inspect leaves them out");
        assert!(b.nodes[0].error.is_some());
        let listed = parse_ls_json(LS_NODE_IN_ERROR).unwrap();
        fill_from_listing(&mut b, &listed[0]);
        let n = &b.nodes[0];
        assert_eq!(n.flags, ["--allow-insecure-entitlement", "network.host"]);
        assert_eq!(n.status, NodeStatus::Error);
        assert_eq!(n.platforms, ["linux/amd64", "linux/arm64"]);
        assert!(n.allows_network_host());
        assert!(b.nodes_refusing_network_host().is_empty());
    }

    #[test]
    fn a_name_buildx_does_not_list_is_missing() {
        let listed = Ok(Vec::new());
        let err = Err(InspectError::from_buildx(
            "docker buildx inspect x failed: ERROR: no builder \"x\" found".to_string(),
        ));
        assert_eq!(found(&Some("x".into()), err, &listed), Found::Missing);
        let err = Err(InspectError::from_buildx(
            "docker buildx inspect did not answer in 20s".to_string(),
        ));
        assert!(matches!(
            found(&None, err, &Err("ls failed".into())),
            Found::Unknown(_)
        ));
    }
}
