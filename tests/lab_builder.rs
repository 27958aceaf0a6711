//! Builders against the lab engine: node containers read through the Engine API, drift,
//! `archgrid builder create`, and the refusal before building.
//!
//! The docker-container driver cannot start BuildKit here (its image cannot be pulled), but
//! buildx registers such builders and reports their configuration, and a node's container is
//! whatever container has the node's name; a tiny local image stands in for BuildKit.

mod support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use archgrid::docker::container::{self, ContainerState};
use support::lab::{self, archgrid, docker, fixture, fresh_tag};

const FAKE_BUILDKIT: &str = "localhost/archgrid-test/fake-buildkit:1";

/// A builder name no other test or run uses.
fn unique_name() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "agt{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// An image that only sleeps, built from the demo's busybox.
fn fake_buildkit_image() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::copy(
            lab::repo().join("assets/demo/base/rootfs/amd64/busybox"),
            ctx.path().join("busybox"),
        )
        .unwrap();
        std::fs::write(
            ctx.path().join("Dockerfile"),
            "FROM scratch\nCOPY busybox /bin/busybox\nCMD [\"/bin/busybox\", \"sleep\", \"3600\"]\n",
        )
        .unwrap();
        let out = docker(&[
            "build",
            "--quiet",
            "--tag",
            FAKE_BUILDKIT,
            ctx.path().to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{}", out.all());
    });
}

/// A registered builder and anything started under its node's name, removed when dropped.
struct TestBuilder {
    name: String,
}

impl TestBuilder {
    /// `docker buildx create` without `--bootstrap`: registered, inactive.
    fn create(extra: &[&str]) -> TestBuilder {
        let name = unique_name();
        let mut args = vec![
            "buildx",
            "create",
            "--name",
            &name,
            "--driver",
            "docker-container",
        ];
        args.extend_from_slice(extra);
        let out = docker(&args);
        assert_eq!(out.code, 0, "{}", out.all());
        TestBuilder { name }
    }

    /// A builder archgrid will create itself; removed afterwards all the same.
    fn named() -> TestBuilder {
        TestBuilder {
            name: unique_name(),
        }
    }

    fn node(&self) -> String {
        format!("{}0", self.name)
    }

    fn container(&self) -> String {
        container::container_name(&self.node())
    }

    /// Runs the stand-in for BuildKit as this builder's node container.
    fn start_node_container(&self, network: &str) {
        fake_buildkit_image();
        let name = self.container();
        let args = [
            "run",
            "--detach",
            "--name",
            &name,
            "--network",
            network,
            FAKE_BUILDKIT,
        ];
        let out = docker(&args);
        assert_eq!(out.code, 0, "{}", out.all());
    }

    fn matrix(&self, dir: &Path) {
        let text = std::fs::read_to_string(dir.join("matrix.toml")).unwrap();
        let declared = format!(
            "[builder]\nname = \"{}\"\nnetwork = \"host\"\ncreate = true\n\
             driver = \"docker-container\"\ndriver_opts = {{ network = \"host\" }}\n\
             buildkitd_flags = [\"--allow-insecure-entitlement\", \"network.host\"]\n\
             platforms = [\"linux/amd64\", \"linux/arm64\"]\n",
            self.name
        );
        let text = text.replace("[builder]\nnetwork = \"host\"\n", &declared);
        assert!(
            text.contains(&self.name),
            "the demo matrix changed:\n{text}"
        );
        std::fs::write(dir.join("matrix.toml"), text).unwrap();
    }
}

impl Drop for TestBuilder {
    fn drop(&mut self) {
        // `buildx rm` removes the node container too; the second command covers a builder
        // that was never registered.
        docker(&["buildx", "rm", &self.name]);
        docker(&["rm", "--force", &self.container()]);
    }
}

const HOST_BUILDER: [&str; 4] = [
    "--driver-opt",
    "network=host",
    "--buildkitd-flags",
    "--allow-insecure-entitlement network.host",
];

#[test]
fn a_node_container_network_is_read_through_the_engine_api() {
    lab::ensure();
    let mut args = HOST_BUILDER.to_vec();
    args.extend(["--platform", "linux/amd64,linux/arm64"]);
    let b = TestBuilder::create(&args);
    b.start_node_container("host");

    let rt = tokio::runtime::Runtime::new().unwrap();
    let found = rt.block_on(async {
        let engine = container::connect().unwrap();
        container::inspect(&engine, &b.node()).await
    });
    let c = found.unwrap().expect("the node container exists");
    assert_eq!(c.name, b.container());
    assert_eq!(c.network_mode.as_deref(), Some("host"));
    assert_eq!(c.status, Some(ContainerState::RUNNING));
    assert_eq!(c.image.as_deref(), Some(FAKE_BUILDKIT));

    let dir = fixture("demo", &fresh_tag("builder-host"));
    b.matrix(dir.path());
    let out = archgrid(dir.path(), &["builder", "inspect"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains(&format!(
            "    container:      {} running, network host, image {FAKE_BUILDKIT}",
            b.container()
        )),
        "{}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("    driver options: network=host [HOST NETWORK]"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains(
            "    daemon flags:   --allow-insecure-entitlement network.host  (allows network.host)"
        ),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("\nmatches matrix.toml\n"),
        "{}",
        out.all()
    );
}

#[test]
fn a_node_container_on_the_bridge_is_drift_that_recreate_fixes() {
    lab::ensure();
    let mut args = HOST_BUILDER.to_vec();
    args.extend(["--platform", "linux/amd64,linux/arm64"]);
    let b = TestBuilder::create(&args);
    b.start_node_container("bridge");
    let dir = fixture("demo", &fresh_tag("builder-bridge"));
    b.matrix(dir.path());

    let drift = format!(
        "node {} container {} network: the builder has bridge, matrix.toml declares host",
        b.node(),
        b.container()
    );
    let out = archgrid(dir.path(), &["builder", "inspect"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(&format!(
            "differs from matrix.toml (1):\n  - {drift}\n  fix: archgrid builder create --recreate\n"
        )),
        "{}",
        out.all()
    );
    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(&format!(
            "fail builder {}\n     why: differs from matrix.toml in 1 way: {drift}\n     do:  run \
             `archgrid builder create --recreate`",
            b.name
        )),
        "{}",
        out.all()
    );

    // Without --recreate an existing builder is left alone.
    let out = archgrid(dir.path(), &["builder", "create"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stderr.contains(&drift), "{}", out.all());

    // The old builder was made with the declared settings; with them gone from its record,
    // a builder that has them after --recreate can only be the one --recreate made.
    strip_node_settings(&b.name);
    let out = archgrid(dir.path(), &["builder", "create", "--recreate"]);
    assert!(
        out.stdout
            .contains(&format!("$ docker buildx rm {}\n", b.name)),
        "{}",
        out.all()
    );
    bootstrapped_or_registered(&out, &b.name);
    assert_declared_node(&b, &out);
    let out = archgrid(dir.path(), &["builder", "inspect"]);
    assert!(!out.stdout.contains("differs"), "{}", out.all());
    assert!(
        out.stdout.contains("\nmatches matrix.toml\n"),
        "{}",
        out.all()
    );
}

/// Leaves builder `name` registered but with no driver options, daemon flags or platforms on
/// any of its nodes.
fn strip_node_settings(name: &str) {
    let path = buildx_dir().join("instances").join(name);
    let mut record = builder_record(name);
    for node in record["Nodes"].as_array_mut().unwrap() {
        for key in ["DriverOpts", "Flags", "Platforms"] {
            node[key] = serde_json::Value::Null;
        }
    }
    std::fs::write(&path, record.to_string()).unwrap();
    let inspect = docker(&["buildx", "inspect", name]);
    assert_eq!(inspect.code, 0, "{}", inspect.all());
    for gone in ["Driver Options:", "BuildKit daemon flags:", "Platforms:"] {
        assert!(!inspect.stdout.contains(gone), "{gone}\n{}", inspect.all());
    }
}

/// buildx's stored record of builder `name`: its driver and each node's configuration.
fn builder_record(name: &str) -> serde_json::Value {
    let path = buildx_dir().join("instances").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", path.display()))
}

/// The builder after `--recreate` (whose output is `out`) is a new one made as matrix.toml
/// declares: one node with the declared driver options, daemon flags and platforms, and the
/// old node's container is gone with the old builder.
fn assert_declared_node(b: &TestBuilder, out: &support::lab::Output) {
    let record = builder_record(&b.name);
    assert_eq!(
        record["Driver"],
        "docker-container",
        "{record}\n{}",
        out.all()
    );
    let nodes = record["Nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{record}\n{}", out.all());
    let node = &nodes[0];
    assert_eq!(node["Name"], b.node(), "{record}");
    assert_eq!(
        node["DriverOpts"],
        serde_json::json!({ "network": "host" }),
        "{record}\n{}",
        out.all()
    );
    assert_eq!(
        node["Flags"],
        serde_json::json!(["--allow-insecure-entitlement", "network.host"]),
        "{record}\n{}",
        out.all()
    );
    assert_eq!(
        node["Platforms"],
        serde_json::json!([
            { "architecture": "amd64", "os": "linux" },
            { "architecture": "arm64", "os": "linux" }
        ]),
        "{record}\n{}",
        out.all()
    );
    // buildx reads the same record back.
    let inspect = docker(&["buildx", "inspect", &b.name]);
    assert_eq!(inspect.code, 0, "{}", inspect.all());
    for line in [
        "Driver:        docker-container".to_string(),
        format!("Name:                  {}\n", b.node()),
        "Driver Options:        network=\"host\"".to_string(),
        "BuildKit daemon flags: --allow-insecure-entitlement network.host".to_string(),
        "Platforms:             linux/amd64*, linux/arm64*".to_string(),
    ] {
        assert!(inspect.stdout.contains(&line), "{line}\n{}", inspect.all());
    }
    // The stand-in on the bridge went with the old builder; a node container now could only
    // be one the new builder started, on the host network.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let found = rt.block_on(async {
        let engine = container::connect().unwrap();
        container::inspect(&engine, &b.node()).await
    });
    if let Some(c) = found.unwrap() {
        assert_ne!(
            c.image.as_deref(),
            Some(FAKE_BUILDKIT),
            "{c:?}\n{}",
            out.all()
        );
        assert_eq!(c.network_mode.as_deref(), Some("host"), "{c:?}");
    }
}

/// `--bootstrap` cannot succeed here (no BuildKit image can be pulled); the builder is
/// registered all the same, which is what buildx does, and archgrid says so.
fn bootstrapped_or_registered(out: &support::lab::Output, name: &str) {
    if out.code != 0 {
        assert!(
            out.stderr
                .contains(&format!("builder {name} is registered but did not start")),
            "{}",
            out.all()
        );
    }
}

#[test]
fn builder_create_runs_the_argv_a_user_would_type() {
    lab::ensure();
    let b = TestBuilder::named();
    let dir = fixture("demo", &fresh_tag("builder-create"));
    b.matrix(dir.path());
    let typed = format!(
        "docker buildx create --name {} --driver docker-container --driver-opt network=host \
         --buildkitd-flags '--allow-insecure-entitlement network.host' --platform \
         linux/amd64,linux/arm64 --bootstrap",
        b.name
    );

    let out = archgrid(dir.path(), &["builder", "create", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(out.stdout, format!("{typed}\n"));
    assert_eq!(
        docker(&["buildx", "inspect", &b.name]).code,
        1,
        "a dry run creates nothing"
    );

    let out = archgrid(dir.path(), &["builder", "create"]);
    assert!(
        out.stdout.starts_with(&format!("$ {typed}\n")),
        "{}",
        out.all()
    );
    bootstrapped_or_registered(&out, &b.name);
    // What buildx made of that argv is the declared builder.
    let inspect = docker(&["buildx", "inspect", &b.name]);
    assert_eq!(inspect.code, 0, "{}", inspect.all());
    for line in [
        "Driver:        docker-container",
        "Driver Options:        network=\"host\"",
        "BuildKit daemon flags: --allow-insecure-entitlement network.host",
        "Platforms:             linux/amd64*, linux/arm64*",
    ] {
        assert!(inspect.stdout.contains(line), "{line}\n{}", inspect.all());
    }
    // The user's current builder is left as it was.
    let ls = docker(&["buildx", "ls"]);
    assert!(ls.stdout.contains("default*"), "{}", ls.all());

    let out = archgrid(dir.path(), &["builder", "create"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("already exists and matches matrix.toml"),
        "{}",
        out.all()
    );
}

/// Where buildx keeps its builders, as buildx looks for it.
fn buildx_dir() -> std::path::PathBuf {
    if let Some(dir) = std::env::var_os("BUILDX_CONFIG") {
        return dir.into();
    }
    let docker = std::env::var_os("DOCKER_CONFIG")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(&std::env::var_os("HOME").unwrap()).join(".docker"));
    docker.join("buildx")
}

/// buildx 0.13 gives every docker-container node `--allow-insecure-entitlement=network.host`;
/// 0.12 did not. Dropping the flags from this test's own builder record makes the builder an
/// older buildx would have made, which is how the entitlement goes missing in practice.
fn as_made_by_buildx_0_12(name: &str) {
    let path = buildx_dir().join("instances").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut record: serde_json::Value = serde_json::from_str(&text).unwrap();
    for node in record["Nodes"].as_array_mut().unwrap() {
        node["Flags"] = serde_json::Value::Null;
    }
    std::fs::write(&path, record.to_string()).unwrap();
    let inspect = docker(&["buildx", "inspect", name]);
    assert!(!inspect.stdout.contains("entitlement"), "{}", inspect.all());
}

#[test]
fn buildx_0_13_grants_the_entitlement_to_docker_container_builders_by_itself() {
    lab::ensure();
    let b = TestBuilder::create(&[]);
    let inspect = docker(&["buildx", "inspect", &b.name]);
    assert!(
        inspect
            .stdout
            .contains("BuildKit daemon flags: --allow-insecure-entitlement=network.host"),
        "if this changes, builders without the flag become possible again:\n{}",
        inspect.all()
    );
}

#[test]
fn a_builder_whose_daemon_lacks_the_entitlement_is_refused_before_building() {
    lab::ensure();
    let b = TestBuilder::create(&["--driver-opt", "network=host"]);
    as_made_by_buildx_0_12(&b.name);
    let dir = fixture("demo", &fresh_tag("builder-refused"));
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap().replace(
        "[builder]\nnetwork = \"host\"\n",
        &format!("[builder]\nname = \"{}\"\nnetwork = \"host\"\n", b.name),
    );
    std::fs::write(&matrix, text).unwrap();

    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains(&format!(
            "node {} of builder {} (docker-container driver) runs BuildKit with no daemon \
             flags, without --allow-insecure-entitlement network.host, so BuildKit would refuse \
             every build",
            b.node(),
            b.name
        )),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains(
            "hint: declare the builder under [builder] in matrix.toml (create = true, driver = \
             \"docker-container\""
        ),
        "{}",
        out.all()
    );
    assert!(
        !out.stdout.contains("started"),
        "no cell ran:\n{}",
        out.all()
    );
    assert!(!dir.path().join(".archgrid/logs").exists(), "{}", out.all());

    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(&format!("fail builder {}\n", b.name)),
        "{}",
        out.all()
    );
}
