//! Doctor reports for tests, built from the captured buildx samples and the same drift and
//! entitlement code the real doctor runs, so the pane is tested on what it would really get.

use crate::config::BuilderConfig;
use crate::docker::builder_facts::{BuilderFacts, Found};
use crate::docker::buildx::{parse_inspect, Builder};
use crate::docker::container::NodeContainer;
use crate::docker::{drift, entitlement};
use crate::doctor::{Check, Report};
use crate::platform::Platform;

use super::fixture::reference;

pub fn sample_builder(name: &str) -> Builder {
    parse_inspect(&reference(name)).expect("sample parses")
}

fn p(s: &str) -> Platform {
    s.parse().expect("platform")
}

/// What the doctor says on the lab with every check passing.
pub fn ok_checks() -> Vec<Check> {
    vec![
        Check::ok(
            "engine",
            "Docker 26.1.5 (API 1.45) answers at unix:///var/run/docker.sock",
        ),
        Check::ok(
            "buildx",
            "buildx 0.13.1 (0.12 or newer reports progress as rawjson)",
        ),
        Check::ok(
            "platform linux/amd64",
            "native: the engine runs on linux/amd64",
        ),
        Check::ok(
            "registry localhost:5000",
            "localhost:5000 answers /v2/ over HTTP (200, no login needed)",
        ),
        Check::ok("disk", "57.1 GiB free under /var/lib/docker"),
    ]
}

/// Facts as `builder_facts::gather` makes them, for a builder the matrix does not declare.
pub fn undeclared(name: Option<&str>, b: Builder, platforms: &[&str]) -> BuilderFacts {
    BuilderFacts {
        name: name.map(str::to_string),
        declared: None,
        platforms: platforms.iter().map(|s| p(s)).collect(),
        found: Found::Present(b),
        containers: Vec::new(),
        unknowns: Vec::new(),
        differences: Vec::new(),
        refusal: None,
    }
}

/// The current builder is the two-node docker-container sample, whose first node lacks the
/// network.host entitlement.
pub fn multinode_report() -> Report {
    let b = sample_builder("inspect-multinode.txt");
    let refusal = entitlement::refusal(&b, None);
    let mut facts = undeclared(None, b, &["linux/amd64", "linux/arm64", "linux/riscv64"]);
    facts.refusal = refusal;
    Report {
        checks: ok_checks(),
        builders: vec![facts],
    }
}

pub fn default_builder_report() -> Report {
    Report {
        checks: ok_checks(),
        builders: vec![undeclared(
            None,
            sample_builder("inspect-default.txt"),
            &["linux/amd64", "linux/arm64", "linux/riscv64"],
        )],
    }
}

/// What `[builder]` declares for `rbx` in the routed fixture.
pub fn declared_rbx() -> BuilderConfig {
    BuilderConfig {
        name: Some("rbx".into()),
        network: Some("host".into()),
        create: true,
        driver: Some("docker-container".into()),
        driver_opts: [
            (
                "image".to_string(),
                "moby/buildkit:buildx-stable-1".to_string(),
            ),
            ("network".to_string(), "host".to_string()),
        ]
        .into(),
        buildkitd_flags: vec!["--allow-insecure-entitlement".into(), "network.host".into()],
        platforms: Vec::new(),
        endpoint: None,
    }
}

/// `rbx` (declared, drifted: its first node was made without the entitlement and its
/// container runs on the bridge) builds amd64 and riscv64; linux/arm64 is routed to
/// `arm-native`, a docker-driver builder on another engine.
pub fn routed_report() -> Report {
    let rbx = sample_builder("inspect-multinode.txt");
    let cfg = declared_rbx();
    let containers = vec![NodeContainer {
        node: "rbx0".into(),
        name: "buildx_buildkit_rbx0".into(),
        status: "running".into(),
        network_mode: Some("bridge".into()),
        image: Some("moby/buildkit:buildx-stable-1".into()),
    }];
    let rbx_facts = BuilderFacts {
        name: Some("rbx".into()),
        declared: Some(cfg.clone()),
        platforms: vec![p("linux/amd64"), p("linux/riscv64")],
        differences: drift::differences(&cfg, &rbx, &containers),
        refusal: entitlement::refusal(&rbx, Some(&cfg)),
        found: Found::Present(rbx),
        containers,
        unknowns: vec![
            "node rbxarm runs on fakearm, not on the engine archgrid inspects \
             (unix:///var/run/docker.sock), so its container was not looked at"
                .into(),
        ],
    };
    let mut arm = sample_builder("inspect-default.txt");
    arm.name = "arm-native".into();
    arm.nodes[0].name = "arm-native".into();
    arm.nodes[0].endpoint = "arm-box".into();
    let mut checks = ok_checks();
    checks.insert(
        3,
        Check::ok(
            "platform linux/arm64",
            "served by node arm-native of builder arm-native, which lists it",
        ),
    );
    checks.insert(
        4,
        Check::warn(
            "platform linux/riscv64",
            "not native, no binfmt handler for it (/proc/sys/fs/binfmt_misc/qemu-riscv64 is \
             missing), and no builder node lists it",
            "register QEMU: docker run --privileged --rm tonistiigi/binfmt --install riscv64",
        ),
    );
    let why: Vec<String> = rbx_facts
        .differences
        .iter()
        .map(|d| d.to_string())
        .collect();
    checks.push(Check::fail(
        "builder rbx",
        format!(
            "differs from matrix.toml in {} ways: {}",
            why.len(),
            why.join("; ")
        ),
        "run `archgrid builder create --recreate` to replace it with what matrix.toml declares",
    ));
    checks.push(Check::ok(
        "builder arm-native",
        "docker driver, 1 node, the engine's own BuildKit grants network.host without flags",
    ));
    Report {
        checks,
        builders: vec![
            rbx_facts,
            undeclared(Some("arm-native"), arm, &["linux/arm64"]),
        ],
    }
}
