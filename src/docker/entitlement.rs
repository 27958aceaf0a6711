//! Builds that ask for `--allow network.host` succeed only on a BuildKit daemon started with the
//! `network.host` entitlement; knowing that before building saves a grid of identical failures.

use serde::Serialize;

use super::buildx::Builder;
use crate::config::entitlement::{allows_network_host, NETWORK_HOST_FLAGS};
use crate::config::BuilderConfig;

/// Why builds on a builder would be refused, and what makes them work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub why: String,
    pub fix: String,
}

/// `declared` is the matrix's `[builder]` when `builder` is the one it declares.
pub fn refusal(builder: &Builder, declared: Option<&BuilderConfig>) -> Option<Refusal> {
    // A remote daemon's flags are not visible through buildx, so nothing can be concluded.
    if builder.driver == "remote" {
        return None;
    }
    let nodes = builder.nodes_refusing_network_host();
    let node = nodes.first()?;
    let flags = if node.flags.is_empty() {
        "no daemon flags".to_string()
    } else {
        format!("daemon flags {}", node.flags.join(" "))
    };
    let why = format!(
        "[builder] network = \"host\" makes every build ask for --allow network.host, but node \
         {} of builder {} ({} driver) runs BuildKit with {flags}, without \
         --allow-insecure-entitlement network.host, so BuildKit would refuse every build",
        node.name, builder.name, builder.driver
    );
    let fix = match declared {
        Some(cfg) if super::builder::is_declared(cfg) => {
            if allows_network_host(&cfg.buildkitd_flags) {
                "run `archgrid builder create --recreate`: matrix.toml already declares the flag"
                    .to_string()
            } else {
                format!(
                    "add buildkitd_flags = [\"{}\", \"{}\"] under [builder] in matrix.toml, \
                     then run `archgrid builder create --recreate`",
                    NETWORK_HOST_FLAGS[0], NETWORK_HOST_FLAGS[1]
                )
            }
        }
        Some(_) => format!(
            "declare the builder under [builder] in matrix.toml (create = true, driver = \"{}\", \
             driver_opts = {{ network = \"host\" }}, buildkitd_flags = [\"{}\", \"{}\"]) and run \
             `archgrid builder create --recreate`, or use a builder with the docker driver",
            builder.driver, NETWORK_HOST_FLAGS[0], NETWORK_HOST_FLAGS[1]
        ),
        None => format!(
            "recreate builder {} with --buildkitd-flags '{} {}' (docker buildx rm {}, then \
             docker buildx create again with that flag)",
            builder.name, NETWORK_HOST_FLAGS[0], NETWORK_HOST_FLAGS[1], builder.name
        ),
    };
    Some(Refusal { why, fix })
}
