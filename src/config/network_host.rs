//! `network = "host"` makes every build ask BuildKit for `--allow network.host`. When the matrix
//! also declares how the builder is made, that declaration must let BuildKit grant it. buildx
//! 0.13 appends the entitlement to docker-container builders by itself, but 0.12, which archgrid
//! supports, does not: a builder made from the same matrix elsewhere would refuse every build.

use std::collections::BTreeMap;

use super::entitlement::{allows_network_host, CREATE_DEFAULT_DRIVER, NETWORK_HOST_FLAGS};
use super::error::Collector;
use super::raw::RawBuilder;

pub(super) fn check(raw: &RawBuilder, errors: &mut Collector<'_>) {
    let Some(network) = raw.network.as_ref().filter(|n| n.get_ref() == "host") else {
        return;
    };
    let driver = match &raw.driver {
        Some(driver) => driver.get_ref().as_str(),
        None if raw.create => CREATE_DEFAULT_DRIVER,
        // A builder that already exists is checked against its real daemon flags before
        // building, since nothing here says how it was made.
        None => return,
    };
    // The docker driver is the engine's own BuildKit, which grants network.host unasked; a
    // remote daemon's flags are set where it runs, out of buildx's reach.
    if !matches!(driver, "docker-container" | "kubernetes") {
        return;
    }

    let flags = raw
        .buildkitd_flags
        .as_ref()
        .map(|f| f.get_ref().as_slice())
        .unwrap_or_default();
    if !allows_network_host(flags) {
        let span = raw
            .buildkitd_flags
            .as_ref()
            .map_or_else(|| network.span(), |f| f.span());
        let mut fixed = flags.to_vec();
        fixed.extend(NETWORK_HOST_FLAGS.iter().map(|f| f.to_string()));
        errors.push(
            span,
            format!(
                "builder.network = \"host\" makes builds ask for --allow network.host, but the \
                 {driver} builder's buildkitd_flags lack --allow-insecure-entitlement \
                 network.host; buildx before 0.13 starts BuildKit without it, and BuildKit then \
                 refuses every build"
            ),
            format!(
                "declare the entitlement: buildkitd_flags = {}",
                toml_list(&fixed)
            ),
        );
    }

    // Only the docker-container driver has a container whose network is a driver option.
    if driver != "docker-container" {
        return;
    }
    let opts = raw.driver_opts.as_ref();
    let mut fixed: BTreeMap<String, String> = opts.map(|o| o.get_ref().clone()).unwrap_or_default();
    fixed.insert("network".into(), "host".into());
    let hint = format!("set driver_opts = {}", toml_table(&fixed));
    match opts.and_then(|o| o.get_ref().get("network").map(|v| (o.span(), v))) {
        Some((_, value)) if value == "host" => {}
        Some((span, value)) => errors.push(
            span,
            format!(
                "builder.driver_opts puts the builder's container on network {value:?}, but \
                 builder.network = \"host\" asks for the host network"
            ),
            hint,
        ),
        None => errors.push(
            network.span(),
            "builder.network = \"host\" but driver_opts has no network = \"host\": the \
             builder's own container would stay on the bridge network, where registry pulls \
             under emulation time out",
            hint,
        ),
    }
}

fn toml_list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", items.join(", "))
}

fn toml_table(map: &BTreeMap<String, String>) -> String {
    // `network` first: it is the option this rule is about.
    let mut pairs: Vec<(&String, &String)> = map.iter().collect();
    pairs.sort_by_key(|(k, _)| k.as_str() != "network");
    let pairs: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| {
            let key = if k
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
            {
                k.clone()
            } else {
                format!("{k:?}")
            };
            format!("{key} = {v:?}")
        })
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}
