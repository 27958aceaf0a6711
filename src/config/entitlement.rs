//! BuildKit's entitlement rules as the matrix sees them: which daemon flags grant
//! `network.host`, and which driver a declared builder gets. Both the validator and the checks
//! against a real builder read them from here, so the two never disagree.

/// The daemon flags that grant `network.host`, as `[builder] buildkitd_flags` spells them.
pub const NETWORK_HOST_FLAGS: [&str; 2] = ["--allow-insecure-entitlement", "network.host"];

/// What `docker buildx create` uses when no `--driver` is given.
pub const CREATE_DEFAULT_DRIVER: &str = "docker-container";

/// Whether BuildKit started with these daemon flags grants `--allow network.host`.
pub fn allows_network_host(flags: &[String]) -> bool {
    let mut args = flags.iter();
    while let Some(flag) = args.next() {
        let value = match flag.strip_prefix("--allow-insecure-entitlement") {
            Some("") => args.next().map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        if value.is_some_and(|v| v.split(',').any(|e| e.trim() == "network.host")) {
            return true;
        }
    }
    false
}
