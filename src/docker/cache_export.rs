//! Whether the builders the cells use can write `[cache]` to a registry, asked before any cell
//! starts: otherwise every cell fails at its very end, when BuildKit exports the cache.

use std::time::Duration;

use super::buildx::parse_inspect;
use super::command::docker;
use crate::config::Matrix;
use crate::plan::{docker_options, Plan};

/// The docker driver exports a cache only when the engine keeps images in containerd.
const CONTAINERD_STORE: &str = "io.containerd.snapshotter";
const LIMIT: Duration = Duration::from_secs(20);

/// Every builder that cannot export the cache, with the fix, as one error.
pub async fn check(matrix: &Matrix, plan: &Plan) -> Result<(), String> {
    if matrix.cache.is_none() {
        return Ok(());
    }
    let mut seen = Vec::new();
    let mut refusals = Vec::new();
    for cell in &plan.cells {
        let key = (cell.builder.clone(), cell.docker_context.clone());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key.clone());
        let (builder, context) = key;
        if let Some(why) = refusal(builder.as_deref(), context.as_deref()).await {
            refusals.push(why);
        }
    }
    if refusals.is_empty() {
        return Ok(());
    }
    Err(format!(
        "[cache] cannot be written: {}\n  hint: turn on the containerd image store of that engine \
         (\"features\": {{\"containerd-snapshotter\": true}} in /etc/docker/daemon.json, then \
         restart dockerd), or build on a docker-container builder ([builder] create = true, \
         driver = \"docker-container\"), or remove [cache] from the matrix",
        refusals.join("; ")
    ))
}

async fn refusal(builder: Option<&str>, context: Option<&str>) -> Option<String> {
    let mut inspect = docker_options(context);
    inspect.extend(["buildx".into(), "inspect".into()]);
    inspect.extend(builder.map(str::to_string));
    // A builder that cannot be inspected is the builder check's to report.
    let ran = docker(&inspect, None, Some(LIMIT)).await.ok()?;
    let found = parse_inspect(&ran.stdout).ok()?;
    if found.driver != "docker" {
        return None;
    }
    let mut info = docker_options(context);
    info.extend(["info", "--format", "{{json .DriverStatus}}"].map(String::from));
    let ran = docker(&info, None, Some(LIMIT)).await.ok()?;
    if !ran.success || ran.stdout.contains(CONTAINERD_STORE) {
        return None;
    }
    let name = builder.unwrap_or(&found.name);
    Some(format!(
        "builder {name} uses the docker driver on an engine without the containerd image store, \
         which cannot export a build cache"
    ))
}
