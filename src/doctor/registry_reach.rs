//! Can each builder reach the registry from its own network? The `registry` check asks from this
//! process; pushes come from the builder, which for a docker-container builder on a bridge
//! network is somewhere else entirely (its `localhost` is its own container, its DNS is
//! Docker's). A fetch probe's outcome, in words.

use super::probe::TIMEOUT;
use super::probe_output::FetchResult;
use super::Check;
use crate::config::entitlement::NETWORK_HOST_FLAGS;
use crate::model::format_duration;

pub const NAME: &str = "registry from builder";

/// `registry from builder`, or with the builder's name when the matrix builds on several.
pub fn name(builder: Option<&str>) -> String {
    match builder {
        Some(b) => format!("{NAME} {b}"),
        None => NAME.to_string(),
    }
}

/// What is known about the builder that fetched: its name for messages and its driver, which
/// decides what to do when it cannot reach the registry.
pub struct Fetcher<'a> {
    pub label: &'a str,
    pub driver: Option<&'a str>,
    /// The docker-container node's own network (`driver_opts network`), when known.
    pub node_network: Option<&'a str>,
}

pub fn judge(name: String, url: &str, host: &str, by: &Fetcher, result: &FetchResult) -> Check {
    let label = by.label;
    match result {
        FetchResult::Fetched => Check::ok(
            name,
            format!("builder {label} fetched {url} itself: {host} resolves and answers there"),
        ),
        FetchResult::Answered { status } => Check::ok(
            name,
            format!("builder {label} reached {url}, which answered with {status}"),
        ),
        FetchResult::Tls { sentence } => Check::warn(
            name,
            format!("builder {label} reached {host}, but TLS failed: {sentence}"),
            format!(
                "pushes from the builder fail the same way unless it trusts {host}'s certificate: \
                 for the docker driver put the CA in /etc/docker/certs.d/{host}/ca.crt on the \
                 engine's machine; for a BuildKit container give it in buildkitd.toml under \
                 [registry.\"{host}\"]"
            ),
        ),
        FetchResult::Unresolved { sentence } => Check::fail(
            name,
            format!("builder {label} cannot resolve {host}: {sentence}"),
            unreachable_fix(by, host),
        ),
        FetchResult::Refused { sentence } => Check::fail(
            name,
            format!("nothing answers at {host} from builder {label}'s network: {sentence}"),
            unreachable_fix(by, host),
        ),
        FetchResult::TimedOut { sentence } => Check::fail(
            name,
            match sentence {
                Some(s) => format!("builder {label} got no answer from {url}: {s}"),
                None => format!(
                    "builder {label} got no answer from {url} within {}",
                    format_duration(TIMEOUT)
                ),
            },
            unreachable_fix(by, host),
        ),
        FetchResult::Failed { sentence } => Check::fail(
            name,
            format!("builder {label} could not fetch {url}: {sentence}"),
            "fix what the engine says; the builder check shows the builder's state",
        ),
        FetchResult::NotProbed { why } => {
            Check::warn(name, format!("not probed: {why}"), "see the builder check")
        }
    }
}

fn unreachable_fix(by: &Fetcher, host: &str) -> String {
    match (by.driver, by.node_network) {
        (Some("docker-container"), network) if network != Some("host") => format!(
            "put the builder on the host network, where {host} is reached as from this \
             machine: under [builder] set network = \"host\", driver_opts = {{ network = \
             \"host\" }} and buildkitd_flags = [\"{}\", \"{}\"], then run `archgrid builder \
             create --recreate`",
            NETWORK_HOST_FLAGS[0], NETWORK_HOST_FLAGS[1]
        ),
        (Some("docker"), _) => format!(
            "the engine itself cannot reach {host}: check [project] registry in matrix.toml, \
             and DNS and routes on the engine's machine"
        ),
        _ => format!(
            "make sure the builder's network resolves and reaches {host}, or fix [project] \
             registry in matrix.toml"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::probe_output::fetch_result;
    use crate::doctor::Level;

    const URL: &str = "http://localhost:5000/v2/";

    fn judged(driver: &str, network: Option<&str>, sample: Option<&str>) -> Check {
        let result = match sample {
            Some(name) => fetch_result(false, &crate::samples::text(&format!("infra/{name}"))),
            None => FetchResult::Fetched,
        };
        let by = Fetcher {
            label: "b",
            driver: Some(driver),
            node_network: network,
        };
        judge(name(None), URL, "localhost:5000", &by, &result)
    }

    #[test]
    fn an_answer_of_any_status_proves_the_route() {
        let c = judged("docker", None, None);
        assert_eq!(c.level, Level::Ok);
        assert_eq!(c.name, "registry from builder");
        let c = judged("docker", None, Some("probe-add-401.plain.err"));
        assert_eq!(c.level, Level::Ok);
        assert!(c.why.ends_with("answered with 401"), "{c:?}");
    }

    #[test]
    fn a_bridged_container_builder_is_told_to_use_the_host_network() {
        let c = judged(
            "docker-container",
            Some("bridge"),
            Some("probe-add-refused.plain.err"),
        );
        assert_eq!(c.level, Level::Fail);
        assert!(c.why.contains("connection refused"), "{c:?}");
        assert!(
            c.fix.contains("driver_opts = { network = \"host\" }"),
            "{c:?}"
        );
        assert!(
            c.fix
                .contains("--allow-insecure-entitlement\", \"network.host\""),
            "{c:?}"
        );
        let c = judged(
            "docker-container",
            Some("host"),
            Some("probe-add-refused.plain.err"),
        );
        assert!(!c.fix.contains("driver_opts"), "{c:?}");
        let c = judged("docker", None, Some("probe-add-refused.plain.err"));
        assert!(c.fix.starts_with("the engine itself cannot reach"), "{c:?}");
    }

    #[test]
    fn tls_trouble_warns() {
        let c = judged("docker", None, Some("probe-add-https-to-http.plain.err"));
        assert_eq!(c.level, Level::Warn);
        assert!(c.why.contains("TLS failed"), "{c:?}");
    }

    #[test]
    fn names_carry_the_builder_when_there_are_several() {
        assert_eq!(name(Some("lab2")), "registry from builder lab2");
    }
}
