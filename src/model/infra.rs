//! What in the engine or the host broke a build, when it was not the build's own fault, and
//! which `doctor` check looks at that part.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InfraCause {
    /// The Docker daemon stopped answering: killed, restarting, or its socket is gone.
    EngineGone,
    /// The engine's containerd (images, snapshots, leases) refused or timed out.
    Containerd,
    /// A registry refused connections: usually one restarting.
    RegistryGone,
    /// The engine could not attach a build container to its network (bridge device gone).
    Network,
    /// The engine or the host ran out of disk.
    DiskFull,
    /// The kernel could not execute the platform's binaries: no binfmt handler for them.
    Emulation,
}

impl InfraCause {
    /// Something that stops answering and comes back by itself: cells wait for it instead of
    /// failing, without spending their retries.
    pub fn is_outage(self) -> bool {
        matches!(
            self,
            InfraCause::EngineGone | InfraCause::Containerd | InfraCause::RegistryGone
        )
    }

    /// The name of the `doctor` check that looks at this part; a platform check carries the
    /// platform after it (`platform linux/arm64`).
    pub fn check(self) -> &'static str {
        match self {
            InfraCause::EngineGone | InfraCause::Containerd => "engine",
            InfraCause::RegistryGone => "registry",
            InfraCause::Network => "bridge network",
            InfraCause::DiskFull => "disk",
            InfraCause::Emulation => "platform",
        }
    }

    pub fn words(self) -> &'static str {
        match self {
            InfraCause::EngineGone => "the Docker engine stopped answering",
            InfraCause::Containerd => "the engine's containerd stopped answering",
            InfraCause::RegistryGone => "the registry refused connections",
            InfraCause::Network => "the engine could not attach the build to its network",
            InfraCause::DiskFull => "no space left on the engine's disk",
            InfraCause::Emulation => "this platform's binaries cannot be executed here",
        }
    }
}

impl fmt::Display for InfraCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.words())
    }
}
