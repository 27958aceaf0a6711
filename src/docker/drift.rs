//! Where an existing builder differs from what the matrix declares. buildx never updates a
//! builder in place, so a changed `[builder]` only takes effect once the builder is recreated.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::builder::{driver, is_declared, wanted_node_network};
use super::buildx::{Builder, Node, NodeStatus};
use super::container::NodeContainer;
use crate::config::entitlement::allows_network_host;
use crate::config::BuilderConfig;
use crate::model::text::shell_words;
use crate::model::Platform;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// What differs, e.g. `driver` or `node b0 daemon flags`.
    pub what: String,
    pub builder_has: String,
    pub matrix_wants: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: the builder has {}, matrix.toml declares {}",
            self.what, self.builder_has, self.matrix_wants
        )
    }
}

/// Everything the matrix declares is compared; for a builder it only names, only the keys it
/// sets. `containers` are the node containers found on the engine.
pub fn differences(
    cfg: &BuilderConfig,
    actual: &Builder,
    containers: &[NodeContainer],
) -> Vec<Difference> {
    let declared = is_declared(cfg);
    let mut out = Vec::new();
    let mut differ = |what: String, has: String, wants: String| {
        out.push(Difference {
            what,
            builder_has: has,
            matrix_wants: wants,
        })
    };
    if declared && actual.driver != driver(cfg) {
        // Every option means something else under another driver; this one difference is
        // the whole story and recreating fixes the rest with it.
        differ(
            "driver".into(),
            actual.driver.clone(),
            driver(cfg).to_string(),
        );
        return out;
    }
    for node in &actual.nodes {
        if declared || !cfg.driver_opts.is_empty() {
            let has: BTreeMap<&str, &str> = node
                .driver_opts
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .filter(|(k, _)| declared || cfg.driver_opts.contains_key(*k))
                .collect();
            let wants: BTreeMap<&str, &str> = cfg
                .driver_opts
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            if has != wants {
                differ(
                    format!("node {} driver options", node.name),
                    show_opts(&has),
                    show_opts(&wants),
                );
            }
        }
        if (declared || !cfg.buildkitd_flags.is_empty())
            && !same_flags(&actual.driver, &node.flags, &cfg.buildkitd_flags)
        {
            differ(
                format!("node {} daemon flags", node.name),
                show_flags(&node.flags),
                show_flags(&cfg.buildkitd_flags),
            );
        }
    }
    if declared || !cfg.platforms.is_empty() {
        if let Some(pinned) = pinned_platforms(&actual.nodes) {
            let same = pinned.len() == cfg.platforms.len()
                && cfg
                    .platforms
                    .iter()
                    .all(|p| pinned.iter().any(|q| q.same_as(p)));
            if !same {
                differ(
                    "platforms".into(),
                    show_platforms(&pinned),
                    show_platforms(&cfg.platforms),
                );
            }
        }
    }
    if let Some(wanted) = wanted_node_network(cfg) {
        for c in containers {
            let has = c.network_mode.as_deref().unwrap_or("no network mode");
            if has != wanted {
                differ(
                    format!("node {} container {} network", c.node, c.name),
                    has.to_string(),
                    wanted.to_string(),
                );
            }
        }
    }
    if let Some(image) = cfg.driver_opts.get("image") {
        for c in containers {
            if c.image.as_deref() != Some(image.as_str()) {
                differ(
                    format!("node {} container {} image", c.node, c.name),
                    c.image.clone().unwrap_or_else(|| "no image".into()),
                    image.clone(),
                );
            }
        }
    }
    out
}

/// buildx 0.13 and later append this to the daemon flags of the drivers that start BuildKit
/// themselves, unless the flags given already grant network.host; older versions do not.
const APPENDED_ENTITLEMENT: &str = "--allow-insecure-entitlement=network.host";

fn same_flags(driver: &str, has: &[String], wants: &[String]) -> bool {
    if has == wants {
        return true;
    }
    matches!(driver, "docker-container" | "kubernetes")
        && !allows_network_host(wants)
        && has.len() == wants.len() + 1
        && has[..wants.len()] == *wants
        && has[wants.len()] == APPENDED_ENTITLEMENT
}

/// The platforms pinned with `--platform` (buildx marks them with `*`), or `None` when no node
/// shows its platforms as inspect prints them: a node in error shows none, and `ls` drops the
/// marks, so there is nothing to compare.
fn pinned_platforms(nodes: &[Node]) -> Option<Vec<Platform>> {
    let shown: Vec<&Node> = nodes
        .iter()
        .filter(|n| n.error.is_none() && n.status != NodeStatus::Error)
        .collect();
    if shown.is_empty() {
        return None;
    }
    let mut pinned: Vec<Platform> = Vec::new();
    for p in shown.iter().flat_map(|n| n.platforms.iter()) {
        let Some(p) = p.strip_suffix('*') else {
            continue;
        };
        if let Ok(p) = p.trim().parse::<Platform>() {
            if !pinned.iter().any(|q| q.same_as(&p)) {
                pinned.push(p);
            }
        }
    }
    Some(pinned)
}

fn show_opts(opts: &BTreeMap<&str, &str>) -> String {
    if opts.is_empty() {
        return "no driver options".into();
    }
    let pairs: Vec<String> = opts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.join(" ")
}

fn show_flags(flags: &[String]) -> String {
    if flags.is_empty() {
        "no daemon flags".into()
    } else {
        format!("'{}'", shell_words(flags.iter().map(String::as_str)))
    }
}

fn show_platforms(platforms: &[Platform]) -> String {
    if platforms.is_empty() {
        return "no pinned platforms".into();
    }
    let names: Vec<String> = platforms.iter().map(|p| p.to_string()).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::buildx::parse_inspect;

    fn sample(name: &str) -> Builder {
        let text = crate::samples::text(name);
        parse_inspect(&text).unwrap()
    }

    /// What the `rbx` sample was created with.
    fn rbx() -> BuilderConfig {
        BuilderConfig {
            name: Some("rbx".into()),
            network: Some("host".into()),
            create: true,
            driver: Some("docker-container".into()),
            driver_opts: [
                (
                    "image".to_string(),
                    "moby/buildkit:buildx-stable-1".to_string(),
                ),
                ("network".to_string(), "host".to_string()),
            ]
            .into(),
            buildkitd_flags: ["--allow-insecure-entitlement", "network.host", "--debug"]
                .map(String::from)
                .to_vec(),
            platforms: vec!["linux/amd64".parse().unwrap()],
            endpoint: None,
        }
    }

    fn container(network: &str) -> NodeContainer {
        NodeContainer {
            node: "rbx0".into(),
            name: "buildx_buildkit_rbx0".into(),
            status: Some(crate::docker::container::ContainerState::RUNNING),
            network_mode: Some(network.into()),
            image: Some("moby/buildkit:buildx-stable-1".into()),
        }
    }

    #[test]
    fn a_builder_made_as_declared_does_not_differ() {
        let b = sample("inspect-docker-container-inactive.txt");
        assert_eq!(differences(&rbx(), &b, &[]), []);
        assert_eq!(differences(&rbx(), &b, &[container("host")]), []);
    }

    #[test]
    fn a_container_on_the_bridge_differs_from_host() {
        let b = sample("inspect-docker-container-inactive.txt");
        let d = differences(&rbx(), &b, &[container("bridge")]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].to_string(),
            "node rbx0 container buildx_buildkit_rbx0 network: the builder has bridge, \
             matrix.toml declares host"
        );
    }

    #[test]
    fn every_declared_setting_is_compared() {
        let b = sample("inspect-docker-container-inactive.txt");
        let mut cfg = rbx();
        cfg.driver_opts.remove("image");
        cfg.buildkitd_flags.pop();
        cfg.platforms.push("linux/arm64".parse().unwrap());
        let d: Vec<String> = differences(&cfg, &b, &[])
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(
            d,
            [
                "node rbx0 driver options: the builder has image=moby/buildkit:buildx-stable-1 \
                 network=host, matrix.toml declares network=host",
                "node rbx0 daemon flags: the builder has '--allow-insecure-entitlement \
                 network.host --debug', matrix.toml declares '--allow-insecure-entitlement \
                 network.host'",
                "platforms: the builder has linux/amd64, matrix.toml declares linux/amd64, \
                 linux/arm64",
            ]
        );
    }

    #[test]
    fn the_entitlement_buildx_appends_by_itself_is_not_drift() {
        let mut b = sample("inspect-docker-container-inactive.txt");
        let mut cfg = rbx();
        cfg.buildkitd_flags = vec!["--debug".into()];
        b.nodes[0].flags = ["--debug", "--allow-insecure-entitlement=network.host"]
            .map(String::from)
            .to_vec();
        assert_eq!(differences(&cfg, &b, &[]), []);
        // A builder from a buildx that did not append it has only what was given.
        b.nodes[0].flags = vec!["--debug".into()];
        assert_eq!(differences(&cfg, &b, &[]), []);
        // Flags that already grant it get nothing appended, so anything more is drift.
        cfg.buildkitd_flags = ["--allow-insecure-entitlement", "network.host"]
            .map(String::from)
            .to_vec();
        b.nodes[0].flags = ["--allow-insecure-entitlement", "network.host"]
            .iter()
            .chain(&["--allow-insecure-entitlement=network.host"])
            .map(|s| s.to_string())
            .collect();
        assert_eq!(differences(&cfg, &b, &[]).len(), 1);
    }

    #[test]
    fn another_driver_is_the_only_difference_reported() {
        let b = sample("inspect-default.txt");
        let d = differences(&rbx(), &b, &[]);
        assert_eq!(d.len(), 1);
        assert_eq!(
            d[0].to_string(),
            "driver: the builder has docker, matrix.toml declares docker-container"
        );
    }

    #[test]
    fn a_named_builder_is_compared_only_on_what_the_matrix_sets() {
        let b = sample("inspect-multinode.txt");
        let cfg = BuilderConfig {
            name: Some("rbx".into()),
            network: Some("host".into()),
            create: false,
            driver: None,
            driver_opts: [("network".to_string(), "host".to_string())].into(),
            buildkitd_flags: Vec::new(),
            platforms: Vec::new(),
            endpoint: None,
        };
        // rbx0 also has an image option, which the matrix does not mention.
        assert_eq!(differences(&cfg, &b, &[]), []);
    }
}
