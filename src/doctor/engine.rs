//! Does the Docker engine answer, which one is it, and is it on this machine (so that this
//! machine's emulators and disks are the ones builds use).

use std::time::Duration;

use bollard::Docker;

use super::credentials::DockerConfig;
use super::Check;
use crate::docker::builder_facts::context_host;
use crate::docker::engine::endpoint;
use crate::docker::host::is_loopback;
use crate::model::Platform;

const NAME: &str = "engine";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineFacts {
    pub endpoint: String,
    /// The engine shares this machine's kernel (a unix socket or a loopback address).
    pub local: bool,
    /// `DockerRootDir`: where images and build cache live.
    pub root_dir: Option<String>,
    /// The engine's own platform, e.g. linux/amd64.
    pub platform: Option<Platform>,
}

/// Where the endpoint came from, for messages.
fn source() -> String {
    match std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()) {
        Some(_) => "DOCKER_HOST".into(),
        None => "the default socket; DOCKER_HOST is unset".into(),
    }
}

pub async fn check(docker_config: &DockerConfig) -> (Check, Option<EngineFacts>) {
    let endpoint = endpoint();
    let fail = |why: String| {
        Check::fail(
            NAME,
            format!(
                "no Docker engine answers at {endpoint} ({}): {why}",
                source()
            ),
            "start dockerd, or point DOCKER_HOST at a running engine (unset, archgrid uses \
             unix:///var/run/docker.sock)",
        )
    };
    let docker = match Docker::connect_with_defaults() {
        Ok(d) => d.with_timeout(Duration::from_secs(10)),
        Err(e) => return (fail(e.to_string()), None),
    };
    if let Err(e) = docker.ping().await {
        return (fail(e.to_string()), None);
    }
    let version = match docker.version().await {
        Ok(v) => v,
        Err(e) => return (fail(e.to_string()), None),
    };
    let info = docker.info().await.ok();
    let platform = info.as_ref().and_then(|i| {
        let os = i.os_type.as_deref().unwrap_or("linux");
        Platform::of_machine(os, i.architecture.as_deref()?)
    });
    let facts = EngineFacts {
        local: is_local(&endpoint),
        root_dir: info.as_ref().and_then(|i| i.docker_root_dir.clone()),
        platform,
        endpoint: endpoint.clone(),
    };
    let why = format!(
        "Docker {} (API {}) answers at {endpoint} ({})",
        version.version.as_deref().unwrap_or("?"),
        version.api_version.as_deref().unwrap_or("?"),
        source()
    );
    let check = match cli_context_elsewhere(docker_config, &endpoint).await {
        Some((context, host)) => Check::warn(
            NAME,
            format!(
                "{why}, but the docker CLI, and so buildx, uses context {context} at {host}: \
                 builds would run there while archgrid inspects {endpoint}"
            ),
            format!("set DOCKER_HOST={host} for archgrid, or `docker context use default`"),
        ),
        None => Check::ok(NAME, why),
    };
    (check, Some(facts))
}

/// buildx follows the docker CLI's current context; archgrid's Engine API client follows
/// DOCKER_HOST. When they point at different engines, what doctor sees is not what builds use.
async fn cli_context_elsewhere(config: &DockerConfig, endpoint: &str) -> Option<(String, String)> {
    if std::env::var("DOCKER_HOST").is_ok_and(|h| !h.is_empty()) {
        return None;
    }
    let context = std::env::var("DOCKER_CONTEXT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| config.current_context())?;
    if context == "default" {
        return None;
    }
    let host = context_host(&context).await?;
    (host != endpoint).then_some((context, host))
}

fn is_local(endpoint: &str) -> bool {
    if endpoint.starts_with("unix://") || endpoint.starts_with("npipe://") {
        return true;
    }
    let Some(rest) = endpoint.strip_prefix("tcp://") else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or(rest);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    is_loopback(host)
}

/// Whether a builder node's endpoint (an address or a docker context) is on this machine.
pub async fn same_machine(node_endpoint: &str) -> bool {
    if node_endpoint == "default" || node_endpoint == endpoint() {
        return is_local(&endpoint());
    }
    if node_endpoint.contains("://") {
        return is_local(node_endpoint);
    }
    match context_host(node_endpoint).await {
        Some(host) => is_local(&host),
        // A context that cannot be resolved is not known to be here.
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_sockets_and_loopback_addresses_are_this_machine() {
        assert!(is_local("unix:///var/run/docker.sock"));
        assert!(is_local("tcp://127.0.0.1:2375"));
        assert!(is_local("tcp://localhost:2375"));
        assert!(is_local("tcp://[::1]:2375"));
        assert!(!is_local("tcp://192.0.2.10:2375"));
        assert!(!is_local("ssh://builder@arm-box"));
    }
}
