//! The lab's Debian base image and its second engine, against the real daemon: the index holds
//! exactly the two platforms, a RUN on each reports its own architecture, and the second dockerd
//! leaves the first engine's bridge alone.

mod support;

use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::Command;

use support::lab::{self, docker, Output, REGISTRY};

const DEBIAN: &str = "localhost:5000/library/debian:bookworm";

/// `docker buildx build` of a one-RUN Dockerfile on the main engine, with plain progress so the
/// RUN's output can be read, and no cache so the RUN really runs.
fn build_run(platform: &str, run: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {DEBIAN}\nRUN {run}\n"),
    )
    .unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    docker(&[
        "buildx",
        "build",
        "--builder",
        "default",
        "--no-cache",
        "--progress=plain",
        "--platform",
        platform,
        dir_arg,
    ])
}

/// Lines a RUN printed, without BuildKit's `#N 0.123 ` prefix.
fn run_output(out: &Output) -> Vec<String> {
    out.stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix('#')?;
            let (_, rest) = rest.split_once(' ')?;
            let (secs, text) = rest.split_once(' ')?;
            secs.parse::<f64>().ok().map(|_| text.to_string())
        })
        .collect()
}

#[test]
fn the_debian_index_has_exactly_amd64_and_arm64() {
    lab::ensure();
    let accept = "application/vnd.oci.image.index.v1+json, \
                  application/vnd.docker.distribution.manifest.list.v2+json";
    let url = format!("http://{REGISTRY}/v2/library/debian/manifests/bookworm");
    let mut response = ureq::get(&url)
        .header("Accept", accept)
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let body = response.body_mut().read_to_string().unwrap();
    let index: serde_json::Value = serde_json::from_str(&body).unwrap();
    let platforms: BTreeSet<String> = index["manifests"]
        .as_array()
        .unwrap_or_else(|| panic!("{url} is not an index: {index}"))
        .iter()
        .map(|m| {
            format!(
                "{}/{}",
                m["platform"]["os"].as_str().unwrap_or("?"),
                m["platform"]["architecture"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let count = index["manifests"].as_array().unwrap().len();
    assert_eq!(
        platforms,
        BTreeSet::from(["linux/amd64".to_string(), "linux/arm64".to_string()]),
        "{index}"
    );
    assert_eq!(
        count, 2,
        "one manifest per platform, no attestations: {index}"
    );
}

#[test]
fn a_run_on_the_debian_image_reports_each_architecture() {
    lab::ensure();
    for (platform, dpkg, uname) in [
        ("linux/amd64", "amd64", "x86_64"),
        ("linux/arm64", "arm64", "aarch64"),
    ] {
        let out = build_run(
            platform,
            "echo \"dpkg=$(dpkg --print-architecture) uname=$(uname -m)\"",
        );
        assert_eq!(out.code, 0, "{platform}: {}", out.all());
        let want = format!("dpkg={dpkg} uname={uname}");
        assert!(
            run_output(&out).iter().any(|l| l == &want),
            "{platform}: no line `{want}` in the RUN output:\n{}",
            out.all()
        );
    }
}

fn ipv4_of(device: &str) -> Option<Ipv4Addr> {
    let out = Command::new("ip")
        .args(["-4", "-o", "addr", "show", "dev", device])
        .output()
        .expect("run ip");
    let text = String::from_utf8_lossy(&out.stdout);
    let cidr = text
        .split_whitespace()
        .skip_while(|w| *w != "inet")
        .nth(1)?;
    cidr.split('/').next()?.parse().ok()
}

/// The gateway of the default route in `/proc/net/route` text (little-endian hex).
fn default_gateway(route_table: &[String]) -> Option<Ipv4Addr> {
    route_table.iter().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() > 2 && f[1] == "00000000" && f[2] != "00000000")
            .then(|| u32::from_str_radix(f[2], 16).ok())
            .flatten()
            .map(|g| Ipv4Addr::from(g.swap_bytes()))
    })
}

#[test]
fn the_second_engine_leaves_the_first_engines_bridge_alone() {
    lab::ensure();
    lab::dockerd2_up();
    let docker0 = ipv4_of("docker0")
        .expect("the main engine's docker0 bridge is gone after `scripts/lab dockerd2 up`");
    assert!(
        Path::new("/sys/class/net/archgrid-lab2").exists(),
        "the second engine runs on a bridge of its own"
    );
    let out = build_run("linux/amd64", "cat /proc/net/route");
    assert_eq!(
        out.code,
        0,
        "a RUN on the main engine's bridge network: {}",
        out.all()
    );
    let gateway = default_gateway(&run_output(&out));
    assert_eq!(
        gateway,
        Some(docker0),
        "the RUN's default route goes through docker0: {}",
        out.all()
    );
    assert!(ipv4_of("docker0").is_some(), "docker0 still exists");
}
