//! The builder the matrix declares, as the `docker buildx create` a user would type for it.

use crate::config::BuilderConfig;
use crate::model::text::{csv_field, shell_words};

use crate::config::entitlement::CREATE_DEFAULT_DRIVER;

/// Whether the matrix says how the builder is made, so that any difference between it and the
/// real builder is drift, rather than only naming a builder made some other way.
pub fn is_declared(cfg: &BuilderConfig) -> bool {
    cfg.create || cfg.driver.is_some()
}

/// The driver the matrix asks for.
pub fn driver(cfg: &BuilderConfig) -> &str {
    cfg.driver.as_deref().unwrap_or(CREATE_DEFAULT_DRIVER)
}

/// The network a docker-container node's container should be on: its `network` driver option,
/// or the host network when builds ask for it.
pub fn wanted_node_network(cfg: &BuilderConfig) -> Option<&str> {
    cfg.driver_opts
        .get("network")
        .map(String::as_str)
        .or(cfg.network.as_deref().filter(|n| *n == "host"))
}

/// The arguments after `docker` that create the declared builder and start it.
pub fn create_argv(cfg: &BuilderConfig) -> Result<Vec<String>, String> {
    let name = cfg.name.as_deref().ok_or_else(|| {
        "[builder] has no name, so builds could not ask for the builder it creates: add \
         name = \"archgrid\" (or another name) under [builder] in matrix.toml"
            .to_string()
    })?;
    let mut argv: Vec<String> = ["buildx", "create", "--name", name, "--driver", driver(cfg)]
        .map(String::from)
        .to_vec();
    for (key, value) in &cfg.driver_opts {
        argv.push("--driver-opt".into());
        argv.push(csv_field(&format!("{key}={value}")));
    }
    if !cfg.buildkitd_flags.is_empty() {
        // buildx takes every daemon flag in this one argument and splits it shell-style.
        argv.push("--buildkitd-flags".into());
        argv.push(shell_words(cfg.buildkitd_flags.iter().map(String::as_str)));
    }
    if !cfg.platforms.is_empty() {
        let platforms: Vec<String> = cfg.platforms.iter().map(|p| p.to_string()).collect();
        argv.push("--platform".into());
        argv.push(platforms.join(","));
    }
    if let Some(endpoint) = &cfg.endpoint {
        argv.push(endpoint.clone());
    }
    argv.push("--bootstrap".into());
    Ok(argv)
}

pub fn rm_argv(name: &str) -> Vec<String> {
    ["buildx", "rm", name].map(String::from).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> BuilderConfig {
        BuilderConfig {
            name: Some("archgrid".into()),
            network: Some("host".into()),
            create: true,
            driver: Some("docker-container".into()),
            driver_opts: [("network".to_string(), "host".to_string())].into(),
            buildkitd_flags: vec!["--allow-insecure-entitlement".into(), "network.host".into()],
            platforms: vec![
                "linux/amd64".parse().unwrap(),
                "linux/arm64".parse().unwrap(),
            ],
            endpoint: None,
        }
    }

    #[test]
    fn docker_container_builder_with_host_networking() {
        let argv = create_argv(&config()).unwrap();
        assert_eq!(
            argv,
            [
                "buildx",
                "create",
                "--name",
                "archgrid",
                "--driver",
                "docker-container",
                "--driver-opt",
                "network=host",
                "--buildkitd-flags",
                "--allow-insecure-entitlement network.host",
                "--platform",
                "linux/amd64,linux/arm64",
                "--bootstrap",
            ]
        );
        assert_eq!(
            crate::model::text::docker_command_line(&argv),
            "docker buildx create --name archgrid --driver docker-container --driver-opt \
             network=host --buildkitd-flags '--allow-insecure-entitlement network.host' \
             --platform linux/amd64,linux/arm64 --bootstrap"
        );
    }

    #[test]
    fn the_endpoint_is_positional_and_options_are_sorted() {
        let mut cfg = config();
        cfg.endpoint = Some("tcp://arm-box:2375".into());
        cfg.driver_opts
            .insert("image".into(), "moby/buildkit:v0.13.2".into());
        cfg.platforms.clear();
        let argv = create_argv(&cfg).unwrap();
        let tail: Vec<&str> = argv[6..].iter().map(String::as_str).collect();
        assert_eq!(
            tail,
            [
                "--driver-opt",
                "image=moby/buildkit:v0.13.2",
                "--driver-opt",
                "network=host",
                "--buildkitd-flags",
                "--allow-insecure-entitlement network.host",
                "tcp://arm-box:2375",
                "--bootstrap",
            ]
        );
    }

    #[test]
    fn create_without_a_driver_names_buildx_default_and_omits_empty_options() {
        let cfg = BuilderConfig {
            name: Some("plain".into()),
            network: None,
            create: true,
            driver: None,
            driver_opts: Default::default(),
            buildkitd_flags: Vec::new(),
            platforms: Vec::new(),
            endpoint: None,
        };
        assert_eq!(
            create_argv(&cfg).unwrap(),
            [
                "buildx",
                "create",
                "--name",
                "plain",
                "--driver",
                "docker-container",
                "--bootstrap"
            ]
        );
    }

    #[test]
    fn values_that_buildx_would_split_are_quoted() {
        let mut cfg = config();
        cfg.driver_opts = [("env.NO_PROXY".to_string(), "a,b".to_string())].into();
        cfg.buildkitd_flags = vec!["--debug".into(), "--oci-worker-gc-keepstorage=10 GB".into()];
        let argv = create_argv(&cfg).unwrap();
        assert!(
            argv.contains(&"\"env.NO_PROXY=a,b\"".to_string()),
            "{argv:?}"
        );
        assert!(
            argv.contains(&"--debug '--oci-worker-gc-keepstorage=10 GB'".to_string()),
            "{argv:?}"
        );
    }

    #[test]
    fn a_builder_without_a_name_cannot_be_created() {
        let mut cfg = config();
        cfg.name = None;
        let e = create_argv(&cfg).unwrap_err();
        assert!(e.contains("add name = \"archgrid\""), "{e}");
    }

    #[test]
    fn the_wanted_network_comes_from_driver_options_or_the_build_network() {
        let mut cfg = config();
        assert_eq!(wanted_node_network(&cfg), Some("host"));
        cfg.driver_opts.clear();
        assert_eq!(wanted_node_network(&cfg), Some("host"));
        cfg.network = None;
        assert_eq!(wanted_node_network(&cfg), None);
    }
}
