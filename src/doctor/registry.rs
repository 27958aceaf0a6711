//! Does the project's registry resolve and answer, and does the docker config have credentials
//! for it? Pushes fail late and per cell otherwise.

use std::net::SocketAddr;

use super::credentials::DockerConfig;
use super::http::{self, Answer};
use super::Check;
use crate::docker::host::{is_loopback, split_port};

/// Where a registry prefix from matrix.toml is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// Docker speaks plain HTTP only to loopback registries unless told otherwise.
    pub https: bool,
    /// The spellings the docker config may store its credentials under.
    pub credential_hosts: Vec<String>,
}

impl Target {
    /// `host:port`, with brackets around an IPv6 address.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub fn url(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        format!("{scheme}://{}/v2/", self.authority())
    }
}

/// `registry` as in `[project] registry`: `host[:port]/path`, or a Docker Hub namespace.
pub fn target(registry: &str) -> Target {
    let first = registry.split('/').next().unwrap_or(registry);
    // Docker's rule for telling a host from a Docker Hub namespace.
    let is_host = first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase());
    if !is_host || first == "docker.io" || first == "index.docker.io" {
        return Target {
            host: "registry-1.docker.io".into(),
            port: 443,
            https: true,
            credential_hosts: ["index.docker.io", "docker.io", "registry-1.docker.io"]
                .map(String::from)
                .to_vec(),
        };
    }
    let (host, port) = split_port(first);
    let https = !is_loopback(host);
    Target {
        host: host.to_string(),
        port: port.unwrap_or(if https { 443 } else { 80 }),
        https,
        credential_hosts: vec![first.to_string()],
    }
}

pub async fn check(registry: Option<&str>, config: &DockerConfig) -> Check {
    let Some(registry) = registry else {
        return Check::ok(
            "registry",
            "no [project] registry: images are loaded into the local engine",
        );
    };
    let target = target(registry);
    let name = format!("registry {}", target.authority());
    let fix_address = "start the registry, or fix [project] registry in matrix.toml";
    let addrs: Vec<SocketAddr> =
        match tokio::net::lookup_host((target.host.as_str(), target.port)).await {
            Ok(addrs) => addrs.collect(),
            Err(e) => return Check::fail(
                name,
                format!("host {} does not resolve: {e}", target.host),
                "check the spelling of [project] registry in matrix.toml, and DNS or /etc/hosts",
            ),
        };
    let answer = if target.https {
        http::https_get(target.url()).await
    } else {
        http::plain_get(&addrs, &target.authority(), "/v2/").await
    };
    let credentials = config.credentials(&target.credential_hosts);
    let creds = config.describe(&credentials, &target.credential_hosts[0]);
    let over = if target.https { "HTTPS" } else { "HTTP" };
    match answer {
        Err(e) => Check::fail(
            name,
            format!(
                "nothing answers at {} (GET {}): {e}",
                target.authority(),
                target.url()
            ),
            fix_address,
        ),
        Ok(Answer { status: 200, .. }) => Check::ok(
            name,
            format!(
                "{} answers /v2/ over {over} (200, no login needed); {creds}",
                target.authority()
            ),
        ),
        Ok(Answer { status: 401, .. }) if credentials.present() => Check::ok(
            name,
            format!(
                "{} answers /v2/ over {over} and asks for credentials (401); {creds}",
                target.authority()
            ),
        ),
        Ok(Answer { status: 401, .. }) => Check::fail(
            name,
            format!(
                "{} asks for credentials (401) and {creds}, so pushes would be refused",
                target.authority()
            ),
            format!("docker login {}", target.credential_hosts[0]),
        ),
        Ok(Answer {
            status,
            api_version,
        }) => Check::warn(
            name,
            format!(
                "{} answered GET /v2/ with {status}{}",
                target.authority(),
                if api_version.is_none() {
                    ", without the Docker-Distribution-API-Version header a registry sends"
                } else {
                    ""
                }
            ),
            "check that [project] registry in matrix.toml names a registry",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_registries_are_plain_http() {
        let t = target("localhost:5000/archgrid-demo");
        assert_eq!(
            (t.host.as_str(), t.port, t.https),
            ("localhost", 5000, false)
        );
        assert_eq!(t.url(), "http://localhost:5000/v2/");
        assert_eq!(t.credential_hosts, ["localhost:5000"]);
        assert!(!target("127.0.0.1:5000").https);
        let t = target("[::1]:5000/x");
        assert_eq!(t.url(), "http://[::1]:5000/v2/");
    }

    #[test]
    fn other_registries_are_https() {
        let t = target("ghcr.io/acme");
        assert_eq!(t.url(), "https://ghcr.io:443/v2/");
        let t = target("registry.example.com:8443/team/x");
        assert_eq!(t.authority(), "registry.example.com:8443");
        assert!(t.https);
    }

    #[test]
    fn a_namespace_is_docker_hub() {
        for r in ["acme", "docker.io/acme"] {
            let t = target(r);
            assert_eq!(t.host, "registry-1.docker.io", "{r}");
            assert!(t.credential_hosts.contains(&"index.docker.io".to_string()));
        }
    }
}
