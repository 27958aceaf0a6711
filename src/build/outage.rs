//! The engines and registries cells need, as conditions shared by every cell: when one stops
//! answering, cells on it wait for it instead of each failing on it, and go on by themselves
//! once it answers again.

use std::fmt;
use std::time::Duration;

use crate::docker::{command, engine, registry_probe};
use crate::model::InfraCause;
use crate::plan::{Cell, Plan};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// The engine a cell builds on: `None` is the one `docker` talks to by default, a name is
    /// the docker context of a routed builder.
    Engine(Option<String>),
    /// The registry cells push to and pull their dependencies from, as `host[:port]`.
    Registry(String),
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resource::Engine(None) => f.write_str("engine"),
            Resource::Engine(Some(context)) => write!(f, "engine of context {context}"),
            Resource::Registry(host) => write!(f, "registry {host}"),
        }
    }
}

/// How often a resource that stopped answering is asked again.
pub const PROBE_EVERY: Duration = Duration::from_secs(2);
/// How often an engine with cells running on it is asked whether it is still there.
pub const HEALTH_EVERY: Duration = Duration::from_secs(10);
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The engine a cell builds on.
pub fn engine_of(cell: &Cell) -> Resource {
    Resource::Engine(cell.docker_context.clone())
}

/// The registry every cell of the plan pushes to, if it pushes.
pub fn registry_of(plan: &Plan) -> Option<Resource> {
    let registry = plan.registry.as_deref()?;
    let host = registry.split('/').next().filter(|h| !h.is_empty())?;
    Some(Resource::Registry(host.to_string()))
}

/// What a failure with this cause says stopped answering.
pub fn resource_for(cause: InfraCause, cell: &Cell, plan: &Plan) -> Option<Resource> {
    match cause {
        InfraCause::EngineGone | InfraCause::Containerd => Some(engine_of(cell)),
        InfraCause::RegistryGone => registry_of(plan),
        InfraCause::Network | InfraCause::DiskFull | InfraCause::Emulation => None,
    }
}

/// Asks the resource itself: the engine's API (`docker --context` for a routed one), or the
/// registry's `/v2/`, which any registry that listens answers.
pub async fn answers(resource: &Resource) -> Result<(), String> {
    match resource {
        Resource::Engine(None) => engine::ping().await.map(|_| ()),
        Resource::Engine(Some(context)) => {
            let argv: Vec<String> = [
                "--context",
                context,
                "version",
                "--format",
                "{{.Server.Version}}",
            ]
            .map(String::from)
            .to_vec();
            let ran = command::docker(&argv, None, Some(PROBE_TIMEOUT)).await?;
            if ran.success {
                Ok(())
            } else {
                Err(ran.stderr.trim().to_string())
            }
        }
        Resource::Registry(host) => {
            if registry_probe::answers(host).await {
                Ok(())
            } else {
                Err(format!("{host} does not answer on /v2/"))
            }
        }
    }
}
