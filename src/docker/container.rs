//! The container behind a docker-container builder node, read through the Engine API: buildx
//! does not report the network its BuildKit container actually runs on, and a builder created
//! with other options keeps its old container until it is removed.

use std::time::Duration;

use bollard::errors::Error;
use bollard::models::ContainerInspectResponse;
pub use bollard::models::ContainerStateStatusEnum as ContainerState;
use bollard::Docker;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeContainer {
    /// The builder node this container runs.
    pub node: String,
    pub name: String,
    /// As the engine reports it; `None` when it reports none.
    pub status: Option<ContainerState>,
    /// `host`, `bridge`, a network's name, or `container:<id>`.
    pub network_mode: Option<String>,
    /// The image as the container was created from it (not its ID).
    pub image: Option<String>,
}

/// buildx names a docker-container node's container after the node.
pub fn container_name(node: &str) -> String {
    format!("buildx_buildkit_{node}")
}

pub fn connect() -> Result<Docker, String> {
    Docker::connect_with_defaults()
        .map(|d| d.with_timeout(Duration::from_secs(10)))
        .map_err(|e| {
            format!(
                "cannot reach the Docker engine at {}: {e}",
                super::engine::endpoint()
            )
        })
}

/// `Ok(None)` when the node has no container, as for a builder that never started.
pub async fn inspect(docker: &Docker, node: &str) -> Result<Option<NodeContainer>, String> {
    let name = container_name(node);
    match docker.inspect_container(&name, None).await {
        Ok(response) => Ok(Some(from_inspect(node, &response))),
        Err(Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(None),
        Err(e) => Err(format!("cannot inspect container {name}: {e}")),
    }
}

impl NodeContainer {
    /// `running`, `restarting`, `exited`, … or `unknown`.
    pub fn status_word(&self) -> String {
        self.status
            .map_or_else(|| "unknown".to_string(), |s| s.to_string())
    }
}

pub fn from_inspect(node: &str, response: &ContainerInspectResponse) -> NodeContainer {
    let name = response
        .name
        .as_deref()
        .map(|n| n.trim_start_matches('/').to_string())
        .unwrap_or_else(|| container_name(node));
    let status = response
        .state
        .as_ref()
        .and_then(|s| s.status)
        .filter(|s| *s != ContainerState::EMPTY);
    NodeContainer {
        node: node.to_string(),
        name,
        status,
        network_mode: response
            .host_config
            .as_ref()
            .and_then(|h| h.network_mode.clone())
            .map(|mode| normalize_network(&mode).to_string()),
        image: response.config.as_ref().and_then(|c| c.image.clone()),
    }
}

/// The engine says `default` for a container left on the default network, which on Linux is
/// the bridge; comparing against the matrix needs the name people use.
pub fn normalize_network(mode: &str) -> &str {
    match mode {
        "" | "default" => "bridge",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restarting_node_container_on_the_host_network() {
        let text = crate::samples::text("engine-api-container-inspect-buildx_buildkit_rbx20.json");
        let response: ContainerInspectResponse = serde_json::from_str(&text).unwrap();
        let c = from_inspect("rbx20", &response);
        assert_eq!(
            c,
            NodeContainer {
                node: "rbx20".into(),
                name: "buildx_buildkit_rbx20".into(),
                status: Some(ContainerState::RESTARTING),
                network_mode: Some("host".into()),
                image: Some("127.0.0.1:5000/test/base:v1".into()),
            }
        );
    }

    #[test]
    fn the_default_network_is_the_bridge() {
        let response: ContainerInspectResponse =
            serde_json::from_str(r#"{"HostConfig":{"NetworkMode":"default"}}"#).unwrap();
        let c = from_inspect("b0", &response);
        assert_eq!(c.network_mode.as_deref(), Some("bridge"));
        assert_eq!(c.name, "buildx_buildkit_b0");
        assert_eq!(c.status, None);
        assert_eq!(c.status_word(), "unknown");
    }
}
