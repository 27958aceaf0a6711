//! Every validation rule, through the real binary: its message, where it points, exit 2.

mod support;

use support::lab::archgrid;

const GOOD: &str = r#"[project]
name = "demo"
registry = "localhost:5000/demo"
tag = "v1"
platforms = ["linux/amd64", "linux/arm64"]

[[component]]
name = "base"
context = "base"

[[component]]
name = "app"
context = "app"
depends_on = ["base"]
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for c in ["base", "app"] {
        std::fs::create_dir_all(dir.path().join(c)).unwrap();
        std::fs::write(dir.path().join(c).join("Dockerfile"), "FROM scratch\n").unwrap();
    }
    dir
}

/// Runs `archgrid plan` on `text` and returns stderr, asserting exit 2.
fn rejected(text: &str) -> String {
    let dir = project();
    std::fs::write(dir.path().join("matrix.toml"), text).unwrap();
    let out = archgrid(dir.path(), &["plan"]);
    assert_eq!(out.code, 2, "expected exit 2 for:\n{text}\n{}", out.all());
    assert!(!out.stderr.contains("panicked"), "{}", out.all());
    out.stderr
}

fn check(text: &str, position: &str, message: &str) {
    let err = rejected(text);
    assert!(
        err.contains(&format!("matrix.toml:{position}: ")),
        "position {position} missing in:\n{err}"
    );
    assert!(
        err.contains(message),
        "message {message:?} missing in:\n{err}"
    );
    assert!(err.contains("hint:"), "no hint in:\n{err}");
}

#[test]
fn the_good_matrix_plans() {
    let dir = project();
    std::fs::write(dir.path().join("matrix.toml"), GOOD).unwrap();
    let out = archgrid(dir.path(), &["plan"]);
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn toml_syntax() {
    check(
        &GOOD.replace("tag = \"v1\"", "tag = \"v1"),
        "4:10",
        "invalid basic string",
    );
}

#[test]
fn unknown_key() {
    check(
        &GOOD.replace("tag = \"v1\"", "tag = \"v1\"\ncolour = \"blue\""),
        "5:1",
        "colour",
    );
}

#[test]
fn wrong_type() {
    check(&GOOD.replace("tag = \"v1\"", "tag = 1"), "4:7", "tag");
}

#[test]
fn bad_platform_strings() {
    for bad in ["amd64", "linux/", "a/b/c/d"] {
        let text = GOOD.replace(
            "\"linux/amd64\", \"linux/arm64\"",
            &format!("\"linux/amd64\", \"{bad}\""),
        );
        check(&text, "5:29", bad);
    }
}

#[test]
fn component_platform_not_in_project() {
    let text = GOOD.replace(
        "context = \"base\"",
        "context = \"base\"\nplatforms = [\"linux/s390x\"]",
    );
    check(&text, "10:14", "linux/s390x");
}

#[test]
fn duplicate_component_names() {
    check(
        &GOOD
            .replace("name = \"app\"", "name = \"base\"")
            .replace("depends_on = [\"base\"]\n", ""),
        "12:8",
        "base",
    );
}

#[test]
fn unknown_dependency() {
    check(
        &GOOD.replace("depends_on = [\"base\"]", "depends_on = [\"bsae\"]"),
        "14:15",
        "bsae",
    );
}

#[test]
fn dependency_cycle_prints_the_cycle() {
    let text = GOOD.replace(
        "context = \"base\"",
        "context = \"base\"\ndepends_on = [\"app\"]",
    );
    let err = rejected(&text);
    assert!(
        err.contains("app -> base -> app") || err.contains("base -> app -> base"),
        "{err}"
    );
}

#[test]
fn dependency_lacking_a_platform() {
    let text = GOOD.replace(
        "context = \"base\"",
        "context = \"base\"\nplatforms = [\"linux/amd64\"]",
    );
    check(
        &text,
        "15:15",
        "app builds linux/arm64 but its dependency base does not",
    );
}

#[test]
fn missing_context_and_dockerfile() {
    check(
        &GOOD.replace("context = \"app\"", "context = \"nowhere\""),
        "13:11",
        "nowhere",
    );
    let text = GOOD.replace(
        "context = \"app\"",
        "context = \"app\"\ndockerfile = \"Nope.Dockerfile\"",
    );
    check(&text, "14:14", "Nope.Dockerfile");
}

#[test]
fn invalid_repository_and_tag_characters() {
    check(
        &GOOD.replace("localhost:5000/demo", "localhost:5000/Demo Images"),
        "3:12",
        "registry",
    );
    check(
        &GOOD.replace("tag = \"v1\"", "tag = \"v1 beta\""),
        "4:7",
        "tag",
    );
}

#[test]
fn registry_with_a_scheme() {
    check(
        &GOOD.replace("\"localhost:5000/demo\"", "\"https://localhost:5000/demo\""),
        "3:12",
        "must not include a scheme",
    );
}

#[test]
fn empty_platforms() {
    check(
        &GOOD.replace("[\"linux/amd64\", \"linux/arm64\"]", "[]"),
        "5:13",
        "project.platforms is empty",
    );
}

#[test]
fn concurrency_zero() {
    check(
        &GOOD.replace("tag = \"v1\"", "tag = \"v1\"\nconcurrency = 0"),
        "5:15",
        "concurrency must be at least 1",
    );
}

#[test]
fn unparsable_backoff() {
    check(
        &format!("{GOOD}\n[retry]\nbackoff = \"soon\"\n"),
        "17:11",
        "soon",
    );
}

#[test]
fn plan_keeps_an_argument_with_spaces_as_one_argument() {
    let dir = project();
    let text = GOOD.replace(
        "context = \"base\"",
        "context = \"base\"\nargs = { GREETING = \"hello \\\"quoted\\\" $HOME world\" }",
    );
    std::fs::write(dir.path().join("matrix.toml"), text).unwrap();
    let out = archgrid(dir.path(), &["plan", "--json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let plan: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let cells = plan["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    let base = cells
        .iter()
        .find(|c| c["id"] == "base@linux/arm64")
        .unwrap();
    let argv: Vec<&str> = base["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = argv.iter().position(|a| *a == "--build-arg").unwrap();
    assert_eq!(argv[at + 1], "GREETING=hello \"quoted\" $HOME world");
    assert_eq!(&argv[..2], &["buildx", "build"]);
    assert!(
        argv.contains(&"--provenance=false")
            && argv.contains(&"--push")
            && argv.contains(&"--progress=rawjson")
    );
    let app = cells.iter().find(|c| c["id"] == "app@linux/arm64").unwrap();
    let argv: Vec<&str> = app["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let at = argv.iter().position(|a| *a == "--build-context").unwrap();
    assert_eq!(
        argv[at + 1],
        "base=docker-image://localhost:5000/demo/base:v1-arm64"
    );
    assert_eq!(app["depends_on"], serde_json::json!(["base@linux/arm64"]));
    // dependencies come first in the order
    let pos = |id: &str| cells.iter().position(|c| c["id"] == id).unwrap();
    assert!(pos("base@linux/arm64") < pos("app@linux/arm64"));
}
