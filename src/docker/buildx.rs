//! What buildx says about its builders. `docker buildx ls --format json` lists them (buildx
//! 0.13 repeats a builder's row once per node); `docker buildx inspect` has the driver options
//! and daemon flags but no JSON form, so its text is parsed.

use std::time::Duration;

use serde::Deserialize;

use crate::model::Platform;

/// An unreachable remote endpoint can keep buildx waiting far longer than anyone wants to
/// look at a "loading" line.
const QUERY_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Builder {
    pub name: String,
    pub driver: String,
    pub last_activity: Option<String>,
    pub error: Option<String>,
    pub nodes: Vec<Node>,
}

/// A node's state as buildx reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum NodeStatus {
    /// buildx printed none.
    #[default]
    Unknown,
    Running,
    Inactive,
    Stopped,
    Error,
    /// A word this version of archgrid does not know, as buildx printed it.
    Other(String),
}

impl NodeStatus {
    pub fn from_buildx(word: &str) -> NodeStatus {
        match word.trim() {
            "" => NodeStatus::Unknown,
            "running" => NodeStatus::Running,
            "inactive" => NodeStatus::Inactive,
            "stopped" => NodeStatus::Stopped,
            "error" => NodeStatus::Error,
            other => NodeStatus::Other(other.to_string()),
        }
    }
}

impl std::fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NodeStatus::Unknown => "status unknown",
            NodeStatus::Running => "running",
            NodeStatus::Inactive => "inactive",
            NodeStatus::Stopped => "stopped",
            NodeStatus::Error => "error",
            NodeStatus::Other(word) => word,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    pub name: String,
    pub endpoint: String,
    pub status: NodeStatus,
    pub buildkit: Option<String>,
    /// As buildx prints them: a trailing `*` marks a platform pinned to this node.
    pub platforms: Vec<String>,
    pub driver_opts: Vec<(String, String)>,
    pub flags: Vec<String>,
    pub labels: Vec<(String, String)>,
    pub error: Option<String>,
}

impl Node {
    /// The daemon grants `--allow network.host` only when started with this entitlement.
    pub fn allows_network_host(&self) -> bool {
        crate::config::entitlement::allows_network_host(&self.flags)
    }

    pub fn driver_opt(&self, key: &str) -> Option<&str> {
        self.driver_opts
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn supports(&self, platform: &Platform) -> bool {
        self.platforms.iter().any(|p| {
            p.trim_end_matches('*')
                .parse::<Platform>()
                .is_ok_and(|p| p.same_as(platform))
        })
    }
}

impl Builder {
    /// Nodes whose daemon would refuse builds that ask for `--allow network.host`. The docker
    /// driver's daemon is the engine's own, which allows host networking without the flag.
    pub fn nodes_refusing_network_host(&self) -> Vec<&Node> {
        if self.driver == "docker" {
            return Vec::new();
        }
        self.nodes
            .iter()
            .filter(|n| !n.allows_network_host())
            .collect()
    }

    /// Platforms no node lists. A node of an inactive builder may list none until it boots;
    /// while any node's platforms are unknown, nothing is reported.
    pub fn missing_platforms<'a>(&self, wanted: &'a [Platform]) -> Vec<&'a Platform> {
        if self.nodes.is_empty() || self.nodes.iter().any(|n| n.platforms.is_empty()) {
            return Vec::new();
        }
        wanted
            .iter()
            .filter(|p| !self.nodes.iter().any(|n| n.supports(p)))
            .collect()
    }

    /// Fills what inspect leaves out (platforms of a node, the BuildKit version) from the
    /// same builder's `ls` entry.
    pub fn merge_listing(&mut self, listed: &Builder) {
        for node in &mut self.nodes {
            let Some(other) = listed.nodes.iter().find(|n| n.name == node.name) else {
                continue;
            };
            if node.platforms.is_empty() {
                node.platforms = other.platforms.clone();
            }
            if node.buildkit.is_none() {
                node.buildkit = other.buildkit.clone();
            }
            if node.error.is_none() {
                node.error = other.error.clone();
            }
        }
        if self.error.is_none() {
            self.error = listed.error.clone();
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LsBuilder {
    name: String,
    #[serde(default)]
    driver: String,
    #[serde(default)]
    last_activity: Option<String>,
    #[serde(default)]
    nodes: Vec<LsNode>,
    #[serde(default)]
    err: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct LsNode {
    #[serde(default)]
    name: String,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    platforms: Vec<String>,
    #[serde(default)]
    flags: Vec<String>,
    #[serde(default)]
    driver_opts: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    labels: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    err: Option<serde_json::Value>,
}

fn error_text(err: Option<serde_json::Value>) -> Option<String> {
    match err? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) if s.is_empty() => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// Parses `docker buildx ls --format json`: one object per builder, or per node in buildx
/// 0.13, which repeats the builder; the first of each name is kept.
pub fn parse_ls_json(text: &str) -> Result<Vec<Builder>, String> {
    let mut builders: Vec<Builder> = Vec::new();
    for item in serde_json::Deserializer::from_str(text).into_iter::<LsBuilder>() {
        let b =
            item.map_err(|e| format!("unexpected `docker buildx ls --format json` output: {e}"))?;
        if builders.iter().any(|known| known.name == b.name) {
            continue;
        }
        builders.push(Builder {
            name: b.name,
            driver: b.driver,
            last_activity: b.last_activity.filter(|s| !s.is_empty()),
            error: error_text(b.err),
            nodes: b
                .nodes
                .into_iter()
                .map(|n| Node {
                    name: n.name,
                    endpoint: n.endpoint,
                    status: NodeStatus::from_buildx(&n.status),
                    buildkit: n.version.filter(|v| !v.is_empty()),
                    platforms: n.platforms,
                    driver_opts: n.driver_opts.into_iter().collect(),
                    flags: n.flags,
                    labels: n.labels.into_iter().collect(),
                    error: error_text(n.err),
                })
                .collect(),
        });
    }
    Ok(builders)
}

/// Parses the text of `docker buildx inspect [NAME]`.
pub fn parse_inspect(text: &str) -> Result<Builder, String> {
    let mut builder = Builder::default();
    let mut in_nodes = false;
    let mut in_labels = false;
    for line in text.lines() {
        if line.trim().is_empty() {
            in_labels = false;
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // Indented lines continue a section; only the labels are kept.
            if in_labels {
                if let (Some(node), Some((k, v))) = (builder.nodes.last_mut(), line.split_once(':'))
                {
                    node.labels
                        .push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            continue;
        }
        in_labels = false;
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim().to_string();
        if key == "nodes" && value.is_empty() {
            in_nodes = true;
            continue;
        }
        if !in_nodes {
            match key.as_str() {
                "name" => builder.name = value,
                "driver" => builder.driver = value,
                "last activity" => builder.last_activity = Some(value),
                "error" => builder.error = Some(value),
                _ => {}
            }
            continue;
        }
        if key == "name" || builder.nodes.is_empty() {
            builder.nodes.push(Node::default());
        }
        let node = builder.nodes.last_mut().expect("a node was just ensured");
        match key.as_str() {
            "name" => node.name = value,
            "endpoint" => node.endpoint = value,
            "status" => node.status = NodeStatus::from_buildx(&value),
            "driver options" => node.driver_opts = parse_driver_opts(&value),
            "buildkit daemon flags" | "flags" => {
                node.flags = value.split_whitespace().map(str::to_string).collect()
            }
            "buildkit version" | "buildkit" => node.buildkit = Some(value),
            "platforms" => {
                node.platforms = value
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            }
            "labels" => in_labels = true,
            "error" => node.error = Some(value),
            _ => {}
        }
    }
    if builder.name.is_empty() {
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!(
            "unexpected `docker buildx inspect` output: {first}"
        ));
    }
    Ok(builder)
}

/// `image="moby/buildkit:buildx-stable-1" network="host"`: Go-quoted values.
pub fn parse_driver_opts(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let key: String =
            std::iter::from_fn(|| chars.next_if(|&c| c != '=' && !c.is_whitespace())).collect();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
            } else {
                value = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect();
            }
        }
        out.push((key, value));
    }
    out
}

/// Why `docker buildx inspect` gave no builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectError {
    /// buildx knows no builder of that name.
    NoSuchBuilder(String),
    /// Anything else: buildx missing, a timeout, output that could not be read.
    Failed(String),
}

impl InspectError {
    /// Sorts buildx's words once, where they come in, so callers match on the kind.
    pub fn from_buildx(text: String) -> InspectError {
        // buildx 0.13: `ERROR: no builder "NAME" found`.
        if text.contains("no builder") {
            InspectError::NoSuchBuilder(text)
        } else {
            InspectError::Failed(text)
        }
    }
}

impl std::fmt::Display for InspectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InspectError::NoSuchBuilder(text) | InspectError::Failed(text) => f.write_str(text),
        }
    }
}

/// What buildx said about the builders the plan uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Every builder `ls` knows, or why it could not be listed.
    pub listed: Result<Vec<Builder>, String>,
    /// One entry per builder the plan uses (`None`: the current builder).
    pub used: Vec<(Option<String>, Result<Builder, InspectError>)>,
}

/// Runs `ls` and one `inspect` per builder in `names`.
pub async fn query(names: &[Option<String>]) -> Facts {
    let listed = match docker(&["buildx", "ls", "--format", "json"]).await {
        Ok(out) => parse_ls_json(&out),
        Err(e) => Err(e),
    };
    let mut used = Vec::new();
    for name in names {
        let mut args = vec!["buildx", "inspect"];
        args.extend(name.as_deref());
        let result = match docker(&args).await {
            Ok(out) => parse_inspect(&out)
                .map(|mut b| {
                    if let Ok(list) = &listed {
                        if let Some(l) = list.iter().find(|l| l.name == b.name) {
                            b.merge_listing(l);
                        }
                    }
                    b
                })
                .map_err(InspectError::Failed),
            Err(e) => Err(InspectError::from_buildx(e)),
        };
        used.push((name.clone(), result));
    }
    Facts { listed, used }
}

async fn docker(args: &[&str]) -> Result<String, String> {
    let argv: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let ran = super::command::docker(&argv, None, Some(QUERY_TIMEOUT)).await?;
    if !ran.success {
        return Err(format!(
            "docker {} failed: {}",
            args.join(" "),
            ran.stderr.trim()
        ));
    }
    Ok(ran.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        crate::samples::text(name)
    }

    fn platform(s: &str) -> Platform {
        s.parse().expect("platform")
    }

    #[test]
    fn ls_json_keeps_one_entry_per_builder() {
        let text = sample("ls-format-json.txt");
        assert_eq!(text.lines().count(), 2, "the sample repeats the builder");
        let builders = parse_ls_json(&text).expect("parses");
        assert_eq!(builders.len(), 1);
        let b = &builders[0];
        assert_eq!(b.name, "default");
        assert_eq!(b.driver, "docker");
        assert_eq!(b.last_activity.as_deref(), Some("2026-11-22T09:52:22Z"));
        assert_eq!(b.error, None);
        assert_eq!(b.nodes.len(), 1);
        let n = &b.nodes[0];
        assert_eq!(n.name, "default");
        assert_eq!(n.status, NodeStatus::Running);
        assert_eq!(n.buildkit.as_deref(), Some("v0.0.0+unknown"));
        assert_eq!(
            n.platforms,
            [
                "linux/amd64",
                "linux/amd64/v2",
                "linux/amd64/v3",
                "linux/arm64"
            ]
        );
        assert!(n.labels.contains(&(
            "org.mobyproject.buildkit.worker.network".into(),
            "host".into()
        )));
    }

    #[test]
    fn ls_json_reports_errors_and_rejects_text() {
        let text = r#"{"Name":"default","Driver":"docker","Nodes":[],"Err":"Cannot connect to the Docker daemon"}"#;
        let b = parse_ls_json(text).expect("parses");
        assert_eq!(
            b[0].error.as_deref(),
            Some("Cannot connect to the Docker daemon")
        );
        assert!(parse_ls_json(&sample("ls-table.txt")).is_err());
    }

    #[test]
    fn inspect_of_the_docker_driver() {
        let b = parse_inspect(&sample("inspect-default.txt")).expect("parses");
        assert_eq!(b.name, "default");
        assert_eq!(b.driver, "docker");
        assert_eq!(
            b.last_activity.as_deref(),
            Some("2026-11-22 09:52:22 +0000 UTC")
        );
        assert_eq!(b.nodes.len(), 1);
        let n = &b.nodes[0];
        assert_eq!(n.endpoint, "default");
        assert_eq!(n.buildkit.as_deref(), Some("v0.0.0+unknown"));
        assert_eq!(n.platforms.len(), 4);
        assert_eq!(n.labels.len(), 8);
        assert!(n.labels.contains(&(
            "org.mobyproject.buildkit.worker.moby.host-gateway-ip".into(),
            "<nil>".into()
        )));
        assert!(n.flags.is_empty());
        assert!(
            b.nodes_refusing_network_host().is_empty(),
            "docker driver allows host networking"
        );
    }

    #[test]
    fn inspect_of_an_inactive_docker_container_builder() {
        let b = parse_inspect(&sample("inspect-docker-container-inactive.txt")).expect("parses");
        assert_eq!(b.name, "rbx");
        assert_eq!(b.driver, "docker-container");
        let n = &b.nodes[0];
        assert_eq!(n.name, "rbx0");
        assert_eq!(n.endpoint, "unix:///var/run/docker.sock");
        assert_eq!(n.status, NodeStatus::Inactive);
        assert_eq!(n.driver_opt("network"), Some("host"));
        assert_eq!(n.driver_opt("image"), Some("moby/buildkit:buildx-stable-1"));
        assert_eq!(
            n.flags,
            ["--allow-insecure-entitlement", "network.host", "--debug"]
        );
        assert!(n.allows_network_host());
        assert_eq!(n.platforms, ["linux/amd64*"]);
        assert!(n.supports(&platform("linux/amd64")));
        assert!(b.nodes_refusing_network_host().is_empty());
        assert_eq!(
            b.missing_platforms(&[platform("linux/amd64"), platform("linux/arm64")]),
            [&platform("linux/arm64")]
        );
    }

    #[test]
    fn inspect_of_two_nodes_finds_the_one_without_the_entitlement() {
        let b = parse_inspect(&sample("inspect-multinode.txt")).expect("parses");
        let names: Vec<_> = b.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["rbx0", "rbxarm"]);
        assert!(b.nodes[0].flags.is_empty());
        assert!(b.nodes[0].platforms.is_empty());
        assert_eq!(b.nodes[1].endpoint, "fakearm");
        assert_eq!(
            b.nodes[1].driver_opts,
            [("network".to_string(), "host".to_string())]
        );
        let refusing: Vec<_> = b
            .nodes_refusing_network_host()
            .iter()
            .map(|n| n.name.as_str())
            .collect();
        assert_eq!(refusing, ["rbx0"]);
        assert!(
            b.missing_platforms(&[platform("linux/amd64")]).is_empty(),
            "rbx0's platforms are unknown until it starts"
        );
    }

    #[test]
    fn inspect_merges_what_ls_knows() {
        let mut b = parse_inspect(&sample("inspect-default.txt")).expect("parses");
        b.nodes[0].platforms.clear();
        let listed = parse_ls_json(&sample("ls-format-json.txt")).expect("parses");
        b.merge_listing(&listed[0]);
        assert_eq!(b.nodes[0].platforms.len(), 4);
    }

    #[test]
    fn inspect_rejects_what_is_not_inspect_output() {
        assert!(parse_inspect("ERROR: no builder \"nosuchbuilder\" found\n").is_err());
    }

    #[test]
    fn entitlement_flag_forms() {
        let node = |flags: &[&str]| Node {
            flags: flags.iter().map(|s| s.to_string()).collect(),
            ..Node::default()
        };
        assert!(node(&["--allow-insecure-entitlement=network.host"]).allows_network_host());
        assert!(node(&[
            "--allow-insecure-entitlement",
            "security.insecure,network.host"
        ])
        .allows_network_host());
        assert!(
            !node(&["--allow-insecure-entitlement", "security.insecure"]).allows_network_host()
        );
        assert!(!node(&["--debug", "network.host"]).allows_network_host());
        assert!(!node(&["--allow-insecure-entitlement"]).allows_network_host());
    }

    #[test]
    fn driver_opts_unquote() {
        assert_eq!(
            parse_driver_opts(r#"image="a b\"c" network=host env.X="""#),
            [
                ("image".to_string(), "a b\"c".to_string()),
                ("network".to_string(), "host".to_string()),
                ("env.X".to_string(), String::new()),
            ]
        );
    }
}
