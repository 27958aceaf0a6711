//! `[platforms."linux/arm64"] builder = …` against the lab: a second dockerd on its own socket,
//! registered as docker context `archgrid-lab2`, builds the arm64 column.

mod support;

use std::path::Path;
use std::process::Command;

use support::lab::{self, archgrid, docker, fixture, fresh_tag, Output};

const LAB2: &str = "archgrid-lab2";
const LAB2_HOST: &str = "unix:///var/run/archgrid-lab2/docker.sock";
const DEMO_REGISTRY: &str = "localhost:5000/archgrid-demo";
const DEMO: [&str; 5] = ["base", "app", "worker", "frontend", "gateway"];

/// `docker ARGS` against the engine at `host`.
fn docker_at(host: &str, args: &[&str]) -> Output {
    let out = Command::new("docker")
        .args(args)
        .env("DOCKER_HOST", host)
        .env_remove("DOCKER_CONTEXT")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run docker");
    out.into()
}

fn route_arm64_to(dir: &Path, builder: &str) {
    let matrix = dir.join("matrix.toml");
    let mut text = std::fs::read_to_string(&matrix).unwrap();
    text.push_str(&format!(
        "\n\n[platforms.\"linux/arm64\"]\nbuilder = \"{builder}\"\nconcurrency = 2\n"
    ));
    std::fs::write(&matrix, text).unwrap();
}

fn metadata(dir: &Path, comp: &str, arch: &str) -> serde_json::Value {
    let path = dir.join(format!(".archgrid/meta/{comp}-{arch}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn the_arm64_column_builds_on_the_second_daemon() {
    lab::ensure();
    lab::dockerd2_up();
    let tag = fresh_tag("route");
    let dir = fixture("demo", &tag);
    route_arm64_to(dir.path(), LAB2);

    // the plan shows the builder and the exact argv: a docker context is chosen with --context
    let plan = archgrid(dir.path(), &["plan", "--json"]);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let doc: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
    for cell in doc["cells"].as_array().unwrap() {
        let argv: Vec<&str> = cell["argv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let at = argv.iter().position(|a| *a == "--builder");
        if cell["platform"] == "linux/arm64" {
            assert_eq!(cell["builder"], LAB2, "{cell}");
            assert_eq!(argv[..4], ["--context", LAB2, "buildx", "build"], "{cell}");
            assert_eq!(argv[at.expect("--builder") + 1], LAB2);
        } else {
            assert!(cell["builder"].is_null(), "{cell}");
            assert_eq!(argv[..2], ["buildx", "build"], "{cell}");
            assert!(at.is_none(), "{cell}");
        }
    }
    let text = archgrid(dir.path(), &["plan"]);
    assert!(
        text.stdout
            .contains("base@linux/arm64  builder: archgrid-lab2"),
        "{}",
        text.all()
    );

    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(out.stdout.contains("10/10 cells green"), "{}", out.all());

    for comp in DEMO {
        // buildx records the builder and node that ran each build
        let arm = metadata(dir.path(), comp, "arm64");
        let reference = arm["buildx.build.ref"].as_str().unwrap();
        assert!(
            reference.starts_with("archgrid-lab2/archgrid-lab2/"),
            "{comp}: {arm}"
        );
        let amd = metadata(dir.path(), comp, "amd64");
        assert!(
            amd["buildx.build.ref"]
                .as_str()
                .unwrap()
                .starts_with("default/"),
            "{comp}: {amd}"
        );
        // and the second daemon's image store holds the arm64 image, the first's does not
        let arm_image = format!("{DEMO_REGISTRY}/{comp}:{tag}-arm64");
        let amd_image = format!("{DEMO_REGISTRY}/{comp}:{tag}-amd64");
        let on_lab2 = docker_at(
            LAB2_HOST,
            &[
                "image",
                "inspect",
                "--format",
                "{{.Architecture}}",
                &arm_image,
            ],
        );
        assert_eq!(on_lab2.code, 0, "{}", on_lab2.all());
        assert_eq!(on_lab2.stdout.trim(), "arm64");
        assert_ne!(
            docker(&["image", "inspect", &arm_image]).code,
            0,
            "{arm_image} on the first daemon"
        );
        assert_eq!(
            docker(&["image", "inspect", &amd_image]).code,
            0,
            "{amd_image}"
        );
        assert_ne!(
            docker_at(LAB2_HOST, &["image", "inspect", &amd_image]).code,
            0
        );
    }

    // the lists combine what both daemons pushed
    let out = archgrid(dir.path(), &["publish"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let out = archgrid(dir.path(), &["verify"]);
    assert_eq!(out.code, 0, "{}", out.all());
}

/// A docker context whose daemon is not there, removed when dropped.
struct DeadContext(String);

impl DeadContext {
    fn new() -> DeadContext {
        let name = format!("archgrid-test-unreachable-{}", std::process::id());
        let host = format!("host=unix:///nonexistent/{name}.sock");
        let out = docker(&["context", "create", &name, "--docker", &host]);
        assert_eq!(out.code, 0, "{}", out.all());
        DeadContext(name)
    }
}

impl Drop for DeadContext {
    fn drop(&mut self) {
        let _ = docker(&["context", "rm", "--force", &self.0]);
    }
}

#[test]
fn a_column_whose_builder_cannot_be_reached_is_blocked_before_the_run() {
    lab::ensure();
    let dead = DeadContext::new();
    let tag = fresh_tag("deadroute");
    let dir = fixture("demo", &tag);
    route_arm64_to(dir.path(), &dead.0);
    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 1, "{}", out.all());
    let reason = format!(
        "builder {} cannot be reached: Cannot connect to the Docker daemon at unix:///nonexistent/{}.sock",
        dead.0, dead.0
    );
    assert!(
        out.stdout
            .contains(&format!("linux/arm64 is blocked: {reason}")),
        "{}",
        out.all()
    );
    for comp in DEMO {
        assert!(
            out.stdout.contains(&format!(
                "[{comp} linux/arm64] blocked before the run: {reason}"
            )),
            "{}",
            out.all()
        );
        assert!(
            !out.stdout
                .contains(&format!("[{comp} linux/arm64] started")),
            "{}",
            out.all()
        );
        assert!(
            !dir.path()
                .join(format!(".archgrid/logs/{comp}-arm64.log"))
                .exists(),
            "{comp} arm64 ran"
        );
        assert!(
            out.stdout.contains(&format!("[{comp} linux/amd64] green")),
            "{}",
            out.all()
        );
    }
    assert!(out.stdout.contains("5/10 cells green"), "{}", out.all());
}
