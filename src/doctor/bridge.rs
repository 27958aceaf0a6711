//! The engine's default bridge network, which RUN steps attach to unless builds use the host
//! network. Docker does not notice when its device goes away (`ip link delete docker0`, or a
//! second dockerd started with `--bridge none` deleting it): the network still inspects fine
//! while every RUN fails with "adding interface veth… to bridge docker0 failed: Device does not
//! exist". So the device itself is looked for, and a probe RUN that could not attach has the
//! last word.

use std::path::Path;
use std::time::Duration;

use bollard::Docker;

use super::{Check, EngineFacts, Level};
use crate::config::Matrix;

pub const NAME: &str = "bridge network";
const DEVICE_OPTION: &str = "com.docker.network.bridge.name";
const DEFAULT_DEVICE: &str = "docker0";
const SYS_CLASS_NET: &str = "/sys/class/net";
const RESTART: &str =
    "restart the Docker engine; it recreates docker0 (e.g. systemctl restart docker)";

/// Whether every build runs on the host network, so no RUN needs the bridge.
pub fn unused(matrix: &Matrix) -> bool {
    matrix
        .builder
        .as_ref()
        .is_some_and(|b| b.network.as_deref() == Some("host"))
}

/// `host_network`: every build runs on the host network (`unused`).
pub async fn check(host_network: bool, engine: Option<&EngineFacts>) -> Check {
    if host_network {
        return Check::ok(
            NAME,
            "not used: every build runs with [builder] network = \"host\"",
        );
    }
    let Some(engine) = engine else {
        return Check::warn(
            NAME,
            "not checked: the Docker engine does not answer",
            "fix the engine check above first",
        );
    };
    let inspected = match Docker::connect_with_defaults() {
        Ok(d) => {
            d.with_timeout(Duration::from_secs(10))
                .inspect_network("bridge", None)
                .await
        }
        Err(e) => Err(e),
    };
    let network = match inspected {
        Ok(n) => n,
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => return no_bridge_network(&engine.endpoint),
        // The engine answered its own check a moment ago; this says nothing about the bridge.
        Err(e) => {
            return Check::warn(
                NAME,
                format!("cannot inspect the engine's bridge network: {e}"),
                "run doctor again once the engine answers steadily",
            )
        }
    };
    let device = network
        .options
        .as_ref()
        .and_then(|o| o.get(DEVICE_OPTION))
        .filter(|d| !d.is_empty())
        .cloned()
        .unwrap_or_else(|| DEFAULT_DEVICE.to_string());
    let here = super::engine::same_machine(&engine.endpoint).await;
    judge(&device, here.then_some(Path::new(SYS_CLASS_NET)))
}

fn no_bridge_network(endpoint: &str) -> Check {
    Check::fail(
        NAME,
        format!(
            "the engine at {endpoint} has no default bridge network, so RUN steps have no \
             network to attach to"
        ),
        "start dockerd without --bridge=none, or set [builder] network = \"host\" so builds \
         do not use the bridge",
    )
}

/// `sys_class_net` is where this machine lists its network devices, when the engine is here.
fn judge(device: &str, sys_class_net: Option<&Path>) -> Check {
    let Some(dir) = sys_class_net else {
        return Check::ok(
            NAME,
            format!(
                "the engine's bridge network uses device {device}, on the engine's machine, \
                 which cannot be looked at from here; the probe builds below use it"
            ),
        );
    };
    let path = dir.join(device);
    if path.exists() {
        Check::ok(
            NAME,
            format!(
                "the engine's bridge network uses device {device}, which exists ({})",
                path.display()
            ),
        )
    } else {
        Check::fail(
            NAME,
            format!(
                "the engine's bridge network uses device {device}, which does not exist \
                 ({} is missing), so every RUN on the bridge network fails with \"Device does \
                 not exist\"",
                path.display()
            ),
            restart(device),
        )
    }
}

fn restart(device: &str) -> String {
    if device == DEFAULT_DEVICE {
        RESTART.to_string()
    } else {
        format!(
            "restart the Docker engine; it recreates docker0, or {device} if the engine's \
             --bridge names that device, which must exist before it starts"
        )
    }
}

/// A probe RUN that could not attach to the bridge fails the check even when the device was
/// found, quoting the engine; the first such sentence is enough.
pub fn with_probe_failure(check: Check, sentence: Option<&str>) -> Check {
    let Some(sentence) = sentence else {
        return check;
    };
    if check.level == Level::Fail {
        return check;
    }
    let device = bridge_in(sentence).unwrap_or(DEFAULT_DEVICE);
    Check::fail(
        NAME,
        format!(
            "a probe build's RUN could not attach to the bridge network: {sentence} ({})",
            check.why
        ),
        restart(device),
    )
}

/// `… to bridge docker0 failed: …` → `docker0`.
fn bridge_in(sentence: &str) -> Option<&str> {
    sentence
        .split(" to bridge ")
        .nth(1)?
        .split_whitespace()
        .next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_device_fails_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = judge("docker0", Some(dir.path()));
        assert_eq!(c.level, Level::Fail);
        assert!(
            c.why.starts_with(
                "the engine's bridge network uses device docker0, which does not exist"
            ),
            "{c:?}"
        );
        assert_eq!(
            c.fix,
            "restart the Docker engine; it recreates docker0 (e.g. systemctl restart docker)"
        );
        std::fs::create_dir(dir.path().join("docker0")).unwrap();
        assert_eq!(judge("docker0", Some(dir.path())).level, Level::Ok);
    }

    #[test]
    fn an_engine_without_a_bridge_network_fails() {
        let c = no_bridge_network("unix:///var/run/docker.sock");
        assert_eq!(c.level, Level::Fail);
        assert!(c.fix.contains("--bridge=none"), "{c:?}");
    }

    #[test]
    fn a_remote_engine_is_left_to_the_probes() {
        let c = judge("docker0", None);
        assert_eq!(c.level, Level::Ok);
        assert!(c.why.contains("cannot be looked at from here"), "{c:?}");
    }

    #[test]
    fn a_probe_that_could_not_attach_fails_the_check() {
        let sentence = crate::doctor::probe_output::sentence(&crate::samples::text(
            "infra/probe-bridge-missing.plain.err",
        ));
        let c = with_probe_failure(judge("docker0", None), Some(&sentence));
        assert_eq!(c.level, Level::Fail);
        assert!(
            c.why
                .contains("to bridge docker0 failed: Device does not exist"),
            "{c:?}"
        );
        assert!(c.fix.starts_with("restart the Docker engine"), "{c:?}");
        let ok = judge("docker0", None);
        assert_eq!(with_probe_failure(ok.clone(), None), ok);
        assert_eq!(bridge_in(&sentence), Some("docker0"));
    }

    #[test]
    fn the_host_network_everywhere_needs_no_bridge() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let text = "[project]\nname = \"p\"\ntag = \"t\"\nplatforms = [\"linux/amd64\"]\n\n\
                    [builder]\nnetwork = \"host\"\n\n[[component]]\nname = \"a\"\ncontext = \".\"\n";
        let m = Matrix::from_str(text, &dir.path().join("matrix.toml")).unwrap();
        assert!(unused(&m));
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let c = rt.block_on(check(unused(&m), None));
        assert_eq!(c.level, Level::Ok);
        assert!(c.why.starts_with("not used"), "{c:?}");
    }
}
