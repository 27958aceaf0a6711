//! `archgrid doctor` against the real lab engine, emulator and registry.

mod support;

use support::lab::{self, archgrid, archgrid_env, fixture, fresh_tag};

/// The check named `name`: its verdict line and the two lines after it.
fn check<'a>(stdout: &'a str, name: &str) -> [&'a str; 3] {
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| {
            l.split_once(char::is_whitespace)
                .map(|(_, rest)| rest.trim())
                == Some(name)
        })
        .unwrap_or_else(|| panic!("no check {name:?} in:\n{stdout}"));
    [lines[at], lines[at + 1], lines[at + 2]]
}

#[test]
fn every_check_passes_on_the_lab() {
    lab::ensure();
    let dir = fixture("demo", &fresh_tag("doctor"));
    let out = archgrid(dir.path(), &["doctor"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for name in [
        "engine",
        "buildx",
        "platform linux/amd64",
        "platform linux/arm64",
        "registry localhost:5000",
        "disk",
        "builder default (current)",
    ] {
        let [verdict, why, fix] = check(&out.stdout, name);
        assert!(
            verdict.starts_with("ok "),
            "{name}: {verdict}\n{}",
            out.all()
        );
        assert!(why.trim_start().starts_with("why: "), "{why}");
        assert!(fix.trim_start().starts_with("do:  "), "{fix}");
    }
    assert!(
        out.stdout.ends_with("7 ok, 0 warn, 0 fail\n"),
        "{}",
        out.all()
    );
    let [_, why, _] = check(&out.stdout, "platform linux/arm64");
    assert!(why.contains("qemu-aarch64 is enabled"), "{why}");
    let [_, why, _] = check(&out.stdout, "engine");
    assert!(why.contains("unix:///var/run/docker.sock"), "{why}");

    let out = archgrid(dir.path(), &["doctor", "--json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["failed"], false);
    assert!(doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["level"] == "ok"));
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
    let [verdict, why, fix] = check(&out.stdout, "engine");
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
    let [verdict, why, _] = check(&out.stdout, "builder");
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
    let [verdict, why, fix] = check(&out.stdout, &format!("registry {authority}"));
    assert!(verdict.starts_with("fail"), "{}", out.all());
    assert!(
        why.trim_start().starts_with(&format!(
            "why: nothing answers at {authority} (GET http://{authority}/v2/): {authority}: "
        )),
        "{why}"
    );
    assert!(why.to_lowercase().contains("refused"), "{why}");
    assert!(fix.contains("start the registry"), "{fix}");
    assert!(
        out.stdout.ends_with("6 ok, 0 warn, 1 fail\n"),
        "{}",
        out.all()
    );
}
