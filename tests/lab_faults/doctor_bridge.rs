//! `archgrid doctor` with the engine's bridge device deleted, as a second dockerd started with
//! `--bridge none` does. The engine is restarted afterwards whatever happens, which recreates
//! docker0.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::faults;
use crate::support::lab::{self, archgrid, fixture, fresh_tag};

const DEVICE: &str = "docker0";

fn device_exists() -> bool {
    Path::new("/sys/class/net").join(DEVICE).exists()
}

#[test]
fn doctor_fails_the_bridge_network_naming_docker0_when_it_is_deleted() {
    // Declared first, so the engine is back before the lock is shared again.
    let _alone = lab::exclusive_lab(Duration::from_secs(1800), "deletes the engine's bridge");
    assert!(device_exists(), "the lab engine runs with {DEVICE}");
    let dir = fixture("demo", &fresh_tag("bridge-fault"));
    // On the host network no RUN needs the bridge; the demo's copy builds on the bridge.
    lab::without_host_network(dir.path());
    {
        let _restart = faults::delete_bridge();
        assert!(!device_exists());

        let started = Instant::now();
        let out = archgrid(dir.path(), &["doctor"]);
        eprintln!("doctor took {:.1?} without {DEVICE}", started.elapsed());
        assert_eq!(out.code, 1, "{}", out.all());
        let [verdict, why, fix] = lab::doctor_check(&out.stdout, "bridge network");
        assert_eq!(verdict, "fail bridge network", "{}", out.all());
        assert_eq!(
            why,
            "     why: the engine's bridge network uses device docker0, which does not exist \
             (/sys/class/net/docker0 is missing), so every RUN on the bridge network fails \
             with \"Device does not exist\""
        );
        assert_eq!(
            fix,
            "     do:  restart the Docker engine; it recreates docker0 (e.g. systemctl restart \
             docker)"
        );
        // The probes met the same fault and leave the verdict to that one check.
        for platform in ["linux/amd64", "linux/arm64"] {
            let [verdict, why, _] = lab::doctor_check(&out.stdout, &format!("platform {platform}"));
            assert!(verdict.starts_with("ok "), "{}", out.all());
            assert!(
                why.ends_with(
                    "not proven: the probe's RUN could not attach to the bridge network (see \
                     bridge network)"
                ),
                "{why}"
            );
        }
        assert!(
            out.stdout.ends_with(" 1 fail\n"),
            "one cause, one failure:\n{}",
            out.all()
        );

        let out = archgrid(dir.path(), &["doctor", "--json"]);
        assert_eq!(out.code, 1, "{}", out.all());
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(doc["failed"], true);
        let bridge = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "bridge network")
            .unwrap_or_else(|| panic!("{doc}"));
        assert_eq!(bridge["level"], "fail", "{doc}");
    }
    assert!(device_exists(), "restarting the engine recreates {DEVICE}");
    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 0, "{}", out.all());
}
