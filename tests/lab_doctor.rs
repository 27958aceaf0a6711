//! `archgrid doctor` against the real lab engine, emulator and registry, probe builds included.

mod support;

use std::time::{Duration, Instant};

use support::lab::{self, archgrid, archgrid_env, fixture, fresh_tag};

/// Doctor runs on every refresh of the console's builder pane; its probes must stay quick.
const QUICK: Duration = Duration::from_secs(20);

#[test]
fn every_check_passes_on_the_lab() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("doctor"));
    let started = Instant::now();
    let out = archgrid(dir.path(), &["doctor"]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(took < QUICK, "doctor took {took:?}");
    eprintln!("doctor took {took:?}");
    for name in [
        "engine",
        "buildx",
        "bridge network",
        "platform linux/amd64",
        "platform linux/arm64",
        "registry localhost:5000",
        "registry from builder",
        "dependencies",
        "base images",
        "builder default (current)",
    ] {
        let [verdict, why, fix] = lab::doctor_check(&out.stdout, name);
        assert!(
            verdict.starts_with("ok "),
            "{name}: {verdict}\n{}",
            out.all()
        );
        assert!(why.trim_start().starts_with("why: "), "{why}");
        assert!(fix.trim_start().starts_with("do:  "), "{fix}");
    }
    let (ok, warn) = lab::assert_disk_check(&out.stdout);
    assert!(
        out.stdout
            .ends_with(&format!("{} ok, {warn} warn, 0 fail\n", 10 + ok)),
        "{}",
        out.all()
    );
    let [_, why, _] = lab::doctor_check(&out.stdout, "platform linux/arm64");
    assert!(why.contains("qemu-aarch64 is enabled"), "{why}");
    for platform in ["linux/amd64", "linux/arm64"] {
        let [_, why, _] = lab::doctor_check(&out.stdout, &format!("platform {platform}"));
        assert!(
            why.contains(&format!(
                "; a probe build on builder default (current) ran a {platform} binary ("
            )),
            "{why}"
        );
    }
    // The demo builds on the host network, so no RUN needs the bridge.
    let [_, why, _] = lab::doctor_check(&out.stdout, "bridge network");
    assert_eq!(
        why,
        "     why: not used: every build runs with [builder] network = \"host\""
    );
    let [_, why, _] = lab::doctor_check(&out.stdout, "registry from builder");
    assert_eq!(
        why,
        "     why: builder default (current) fetched http://localhost:5000/v2/ itself: \
         localhost:5000 resolves and answers there"
    );
    let [_, why, _] = lab::doctor_check(&out.stdout, "engine");
    assert!(why.contains("unix:///var/run/docker.sock"), "{why}");

    let out = archgrid(dir.path(), &["doctor", "--json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["failed"], false);
    assert_eq!(doc["matrix"]["found"], true, "{doc}");
    let checks = doc["checks"].as_array().unwrap();
    lab::assert_json_checks_pass(&doc);
    for name in ["bridge network", "registry from builder"] {
        assert!(checks.iter().any(|c| c["name"] == name), "{name}: {doc}");
    }
}

#[test]
fn without_a_matrix_the_machine_is_checked_and_passes() {
    lab::ensure();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
    let started = Instant::now();
    let out = archgrid(dir.path(), &["doctor"]);
    let took = started.elapsed();
    // No matrix is not a fault of the machine.
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(took < QUICK, "doctor took {took:?}");
    let path = dir.path().canonicalize().unwrap().join("matrix.toml");
    assert!(
        out.stdout
            .starts_with(&format!("note no matrix file at {}\n", path.display())),
        "{}",
        out.all()
    );
    assert!(
        out.stdout
            .contains("`archgrid import compose.yaml` makes one from that file"),
        "{}",
        out.all()
    );
    for name in [
        "engine",
        "buildx",
        "bridge network",
        "platform linux/amd64",
        "platform linux/arm64",
        "builder default (current)",
    ] {
        let [verdict, _, _] = lab::doctor_check(&out.stdout, name);
        assert!(
            verdict.starts_with("ok "),
            "{name}: {verdict}\n{}",
            out.all()
        );
    }
    // Without a matrix builds use the bridge, so the probes prove it along with emulation.
    for platform in ["linux/amd64", "linux/arm64"] {
        let [_, why, _] = lab::doctor_check(&out.stdout, &format!("platform {platform}"));
        assert!(
            why.contains(&format!(
                "; a probe build on builder default (current) ran a {platform} binary ("
            )),
            "{why}"
        );
    }
    let (ok, warn) = lab::assert_disk_check(&out.stdout);
    assert!(
        out.stdout
            .ends_with(&format!("{} ok, {warn} warn, 0 fail\n", 6 + ok)),
        "no registry is checked without a matrix: {}",
        out.all()
    );

    let out = archgrid(dir.path(), &["doctor", "--json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["matrix"]["found"], false, "{doc}");
    assert_eq!(doc["failed"], false, "{doc}");
    let checks = doc["checks"].as_array().unwrap();
    lab::assert_json_checks_pass(&doc);
    assert!(
        !checks
            .iter()
            .any(|c| c["name"].as_str().unwrap().starts_with("registry")),
        "{doc}"
    );
}

#[test]
fn on_the_bridge_network_the_device_is_found_and_the_probes_run_there() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("doctor-bridge"));
    lab::without_host_network(dir.path());
    let started = Instant::now();
    let out = archgrid(dir.path(), &["doctor"]);
    let took = started.elapsed();
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(took < QUICK, "doctor took {took:?}");
    let [verdict, why, _] = lab::doctor_check(&out.stdout, "bridge network");
    assert!(verdict.starts_with("ok "), "{}", out.all());
    assert_eq!(
        why,
        "     why: the engine's bridge network uses device docker0, which exists \
         (/sys/class/net/docker0)"
    );
    for platform in ["linux/amd64", "linux/arm64"] {
        let [verdict, why, _] = lab::doctor_check(&out.stdout, &format!("platform {platform}"));
        assert!(verdict.starts_with("ok "), "{}", out.all());
        assert!(why.contains("a probe build on builder"), "{why}");
    }
    let doc: serde_json::Value =
        serde_json::from_str(&archgrid(dir.path(), &["doctor", "--json"]).stdout).unwrap();
    let bridge = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "bridge network")
        .unwrap_or_else(|| panic!("{doc}"));
    assert_eq!(bridge["level"], "ok", "{doc}");
}

#[test]
fn a_routed_platform_is_probed_on_its_own_builder() {
    lab::ensure();
    lab::dockerd2_up();
    let dir = fixture("demo", &fresh_tag("doctor-route"));
    let matrix = dir.path().join("matrix.toml");
    let mut text = std::fs::read_to_string(&matrix).unwrap();
    text.push_str("\n[platforms.\"linux/arm64\"]\nbuilder = \"archgrid-lab2\"\n");
    std::fs::write(&matrix, text).unwrap();
    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let [_, why, _] = lab::doctor_check(&out.stdout, "platform linux/arm64");
    assert!(
        why.contains("a probe build on builder archgrid-lab2 ran a linux/arm64 binary"),
        "{why}"
    );
    let [_, why, _] = lab::doctor_check(&out.stdout, "platform linux/amd64");
    assert!(
        why.contains("a probe build on builder default (current) ran"),
        "{why}"
    );
    // One fetch per builder, each named for it.
    for builder in ["default (current)", "archgrid-lab2"] {
        let [verdict, why, _] =
            lab::doctor_check(&out.stdout, &format!("registry from builder {builder}"));
        assert!(verdict.starts_with("ok "), "{}", out.all());
        assert!(
            why.contains("fetched http://localhost:5000/v2/ itself"),
            "{why}"
        );
    }
}

/// Each generated probe runs under the lab's user-mode emulator for its architecture (and the
/// amd64 one natively), exiting 0: what a probe build's RUN relies on, for the architectures
/// the lab has no binfmt handler for too.
#[test]
fn every_probe_binary_exits_0_under_its_emulator() {
    use std::os::unix::fs::PermissionsExt;
    lab::ensure();
    let dir = tempfile::tempdir().unwrap();
    for (platform, runner) in [
        ("linux/amd64", None),
        ("linux/386", Some("qemu-i386-static")),
        ("linux/arm64", Some("qemu-aarch64-static")),
        ("linux/arm/v7", Some("qemu-arm-static")),
        ("linux/riscv64", Some("qemu-riscv64-static")),
    ] {
        let bytes = archgrid::doctor::elf::probe(&platform.parse().unwrap()).unwrap();
        let path = dir.path().join(platform.replace('/', "-"));
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut cmd = match runner {
            Some(qemu) => {
                let mut c = std::process::Command::new(qemu);
                c.arg(&path);
                c
            }
            None => std::process::Command::new(&path),
        };
        let status = cmd.status().unwrap_or_else(|e| panic!("{platform}: {e}"));
        assert_eq!(status.code(), Some(0), "{platform}: {status:?}");
    }
}

#[test]
fn a_dead_docker_host_fails_naming_the_socket() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("doctor-dead"));
    // A socket file nobody listens on, as a crashed daemon leaves behind.
    let sock = dir.path().join("dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&sock).unwrap());
    let host = format!("unix://{}", sock.display());
    let out = archgrid_env(dir.path(), &["doctor"], &[("DOCKER_HOST", &host)]);
    assert_eq!(out.code, 1, "{}", out.all());
    let [verdict, why, fix] = lab::doctor_check(&out.stdout, "engine");
    assert!(verdict.starts_with("fail"), "{}", out.all());
    assert!(
        why.contains(&format!("no Docker engine answers at {host} (DOCKER_HOST)")),
        "{why}"
    );
    assert!(
        fix.contains("point DOCKER_HOST at a running engine"),
        "{fix}"
    );
    // What depends on the engine says so instead of failing on its own.
    let [verdict, why, _] = lab::doctor_check(&out.stdout, "builder");
    assert!(verdict.starts_with("warn"), "{verdict}");
    assert!(why.contains("the Docker engine does not answer"), "{why}");
}

#[test]
fn a_registry_that_does_not_answer_fails_naming_its_address() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("doctor-registry"));
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap().replace(
        "registry = \"localhost:5000/archgrid-demo\"",
        &format!("registry = \"127.0.0.1:{port}/archgrid-demo\""),
    );
    std::fs::write(&matrix, text).unwrap();
    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 1, "{}", out.all());
    let authority = format!("127.0.0.1:{port}");
    let [verdict, why, fix] = lab::doctor_check(&out.stdout, &format!("registry {authority}"));
    assert!(verdict.starts_with("fail"), "{}", out.all());
    assert!(
        why.trim_start().starts_with(&format!(
            "why: nothing answers at {authority} (GET http://{authority}/v2/): {authority}: "
        )),
        "{why}"
    );
    assert!(why.to_lowercase().contains("refused"), "{why}");
    assert!(fix.contains("start the registry"), "{fix}");
    // The builder, asked from its own network, finds nothing there either.
    let [verdict, why, fix] = lab::doctor_check(&out.stdout, "registry from builder");
    assert!(verdict.starts_with("fail"), "{}", out.all());
    assert!(
        why.contains(&format!(
            "nothing answers at {authority} from builder default (current)'s network: Get \
             \"http://{authority}/v2/\": dial tcp {authority}: connect: connection refused"
        )),
        "{why}"
    );
    assert!(fix.contains("the engine itself cannot reach"), "{fix}");
    let (ok, warn) = lab::assert_disk_check(&out.stdout);
    assert!(
        out.stdout
            .ends_with(&format!("{} ok, {warn} warn, 2 fail\n", 8 + ok)),
        "{}",
        out.all()
    );
}
