//! Is the engine there, and is buildx: asked before any cell starts, so an unreachable daemon is
//! one clear error instead of a grid of identical failures.

use std::time::Duration;

use bollard::Docker;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineInfo {
    pub endpoint: String,
    pub version: String,
    pub api_version: String,
}

/// Where the engine is expected: DOCKER_HOST, or the default socket.
pub fn endpoint() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string())
}

pub async fn ping() -> Result<EngineInfo, String> {
    let endpoint = endpoint();
    let fail = |why: String| format!("the Docker engine at {endpoint} does not answer: {why}");
    let docker = Docker::connect_with_defaults().map_err(|e| fail(e.to_string()))?;
    let docker = docker.with_timeout(Duration::from_secs(10));
    docker.ping().await.map_err(|e| fail(e.to_string()))?;
    let version = docker.version().await.map_err(|e| fail(e.to_string()))?;
    Ok(EngineInfo {
        endpoint: endpoint.clone(),
        version: version.version.unwrap_or_default(),
        api_version: version.api_version.unwrap_or_default(),
    })
}

/// `docker buildx version`, e.g. "0.13.1+ds1".
pub async fn buildx_version() -> Result<String, String> {
    let argv = ["buildx", "version"].map(String::from);
    let ran = super::command::docker(&argv, None, None).await?;
    if !ran.success {
        return Err(format!(
            "docker buildx is not available: {}",
            ran.stderr.trim()
        ));
    }
    let text = ran.stdout;
    text.split_whitespace()
        .nth(1)
        .map(|v| v.trim_start_matches('v').to_string())
        .ok_or_else(|| format!("unexpected `docker buildx version` output: {}", text.trim()))
}
