//! A folder with no matrix file: every command that needs one names the path it looked at and
//! how to get one, and doctor checks the machine all the same.

mod support;

use std::path::Path;

use support::lab::{archgrid, archgrid_env, Output};

const INIT: &str = "`archgrid init` proposes one from the Dockerfiles under a folder";
const ELSEWHERE: &str = "`--matrix PATH` uses a matrix file elsewhere";

/// Asserts exit 2 and the message for a missing `dir/matrix.toml`, whose import hint is
/// `import`.
fn says_how_to_get_a_matrix(out: &Output, dir: &Path, import: &str) {
    assert_eq!(out.code, 2, "{}", out.all());
    let path = dir.canonicalize().unwrap().join("matrix.toml");
    assert_eq!(
        out.stderr,
        format!(
            "error: no matrix file at {}\n  hint: {INIT}\n  hint: {import}\n  hint: {ELSEWHERE}\n",
            path.display()
        ),
        "{}",
        out.all()
    );
    assert!(out.stdout.is_empty(), "{}", out.all());
}

#[test]
fn the_console_without_a_matrix_names_the_path_and_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    // stdin is /dev/null and stdout a pipe: no terminal.
    let out = archgrid(dir.path(), &[]);
    says_how_to_get_a_matrix(
        &out,
        dir.path(),
        "`archgrid import FILE` makes one from a compose or bake file",
    );
}

#[test]
fn build_without_a_matrix_names_the_path_and_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = archgrid(dir.path(), &["build"]);
    says_how_to_get_a_matrix(
        &out,
        dir.path(),
        "`archgrid import FILE` makes one from a compose or bake file",
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "build wrote into the folder"
    );
}

#[test]
fn build_without_a_matrix_suggests_importing_the_compose_and_bake_files_there() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["docker-bake.hcl", "docker-compose.yml"] {
        std::fs::write(dir.path().join(name), "").unwrap();
    }
    let out = archgrid(dir.path(), &["build"]);
    says_how_to_get_a_matrix(
        &out,
        dir.path(),
        "`archgrid import docker-compose.yml` or `archgrid import docker-bake.hcl` makes one \
         from that file",
    );
}

#[test]
fn other_commands_without_a_matrix_say_the_same() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "").unwrap();
    for args in [
        &["plan"][..],
        &["publish"],
        &["verify"],
        &["export", "out"],
        &["builder", "inspect"],
    ] {
        let out = archgrid(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
        assert!(
            out.stderr
                .contains("`archgrid import compose.yaml` makes one from that file"),
            "{args:?}: {}",
            out.all()
        );
    }
}

#[test]
fn a_matrix_path_that_cannot_be_read_keeps_its_read_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("matrix.toml")).unwrap();
    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .starts_with("matrix.toml: cannot read matrix file: "),
        "{}",
        out.all()
    );
    assert!(
        out.stderr
            .contains("hint: check the path and that the file is readable UTF-8 text"),
        "{}",
        out.all()
    );
}

/// Doctor on an engine that is not there, so this runs anywhere and touches no engine; the lab
/// test of doctor without a matrix proves the checks pass on a working machine.
fn doctor_without_an_engine(dir: &Path, args: &[&str]) -> Output {
    let host = format!("unix://{}", dir.join("no-engine.sock").display());
    archgrid_env(dir, args, &[("DOCKER_HOST", &host)])
}

#[test]
fn doctor_without_a_matrix_checks_the_machine_under_a_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("docker-compose.yml"), "").unwrap();
    let out = doctor_without_an_engine(dir.path(), &["doctor"]);
    // The engine that is not there fails its check; the missing matrix fails nothing.
    assert_eq!(out.code, 1, "{}", out.all());
    let path = dir.path().canonicalize().unwrap().join("matrix.toml");
    let note = format!(
        "note no matrix file at {}\n     \
         why: only this machine is checked, for linux/amd64 and linux/arm64; a registry and a \
         declared [builder] are checked once there is one\n     \
         do:  {INIT}\n          \
         `archgrid import docker-compose.yml` makes one from that file\n          \
         {ELSEWHERE}\n",
        path.display()
    );
    assert!(out.stdout.starts_with(&note), "{}", out.all());
    for name in [
        "engine",
        "buildx",
        "bridge network",
        "platform linux/amd64",
        "platform linux/arm64",
        "disk",
        "builder",
    ] {
        support::lab::doctor_check(&out.stdout, name);
    }
    let [verdict, _, _] = support::lab::doctor_check(&out.stdout, "engine");
    assert!(verdict.starts_with("fail "), "{}", out.all());
    assert!(
        !out.stdout
            .lines()
            .filter(|l| !l.starts_with(' '))
            .any(|l| l.contains("registry")),
        "no registry to check: {}",
        out.all()
    );
    assert!(out.stderr.is_empty(), "{}", out.all());
}

#[test]
fn doctor_json_without_a_matrix_says_it_was_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let out = doctor_without_an_engine(dir.path(), &["doctor", "--json"]);
    assert!([0, 1].contains(&out.code), "{}", out.all());
    let doc: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()));
    let path = dir.path().canonicalize().unwrap().join("matrix.toml");
    assert_eq!(doc["matrix"]["found"], false, "{doc}");
    assert_eq!(doc["matrix"]["path"], path.to_str().unwrap(), "{doc}");
    assert_eq!(doc["matrix"]["importable"], serde_json::json!([]), "{doc}");
    let hints = doc["matrix"]["hints"].as_array().unwrap();
    assert_eq!(hints[0], INIT, "{doc}");
    assert_eq!(doc["failed"], out.code == 1, "{doc}");
    let names: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in [
        "engine",
        "buildx",
        "platform linux/amd64",
        "platform linux/arm64",
        "disk",
    ] {
        assert!(names.contains(&name), "{name}: {doc}");
    }
    assert!(!names.iter().any(|n| n.starts_with("registry")), "{doc}");
}
