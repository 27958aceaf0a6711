//! `--platform` through the binary: `plan` needs no engine, and a name that fits no platform is
//! refused before anything else runs, by every command that takes it.

mod support;

use support::lab::archgrid;

/// base on every column, app on every column after base, docs on amd64 only.
const MATRIX: &str = r#"[project]
name = "demo"
registry = "localhost:5000/demo"
tag = "v1"
platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"]

[[component]]
name = "base"
context = "base"

[[component]]
name = "app"
context = "app"
depends_on = ["base"]

[[component]]
name = "docs"
context = "docs"
platforms = ["linux/amd64"]
"#;

const PLATFORMS: &str = "linux/amd64, linux/arm64, linux/arm/v7";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for c in ["base", "app", "docs"] {
        std::fs::create_dir_all(dir.path().join(c)).unwrap();
        std::fs::write(dir.path().join(c).join("Dockerfile"), "FROM scratch\n").unwrap();
    }
    std::fs::write(dir.path().join("matrix.toml"), MATRIX).unwrap();
    dir
}

fn plan_json(args: &[&str]) -> serde_json::Value {
    let dir = project();
    let args: Vec<&str> = ["plan", "--json"].iter().chain(args).copied().collect();
    let out = archgrid(dir.path(), &args);
    assert_eq!(out.code, 0, "{}", out.all());
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn ids(plan: &serde_json::Value) -> Vec<String> {
    plan["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn plan_shows_only_the_chosen_column_and_its_dependencies() {
    let plan = plan_json(&["--platform", "arm64"]);
    assert_eq!(ids(&plan), ["base@linux/arm64", "app@linux/arm64"]);
    let app = &plan["cells"][1];
    assert_eq!(app["depends_on"], serde_json::json!(["base@linux/arm64"]));
    assert_eq!(
        plan["selected_platforms"],
        serde_json::json!(["linux/arm64"])
    );
    // The project's platforms stay what the matrix says.
    assert_eq!(plan["platforms"].as_array().unwrap().len(), 3);
}

#[test]
fn only_and_platform_together_keep_the_dependencies() {
    let plan = plan_json(&["--only", "app", "--platform", "linux/arm64"]);
    assert_eq!(ids(&plan), ["base@linux/arm64", "app@linux/arm64"]);
}

#[test]
fn comma_lists_and_repeats_add_up() {
    let commas = plan_json(&["--platform=armv7,amd64"]);
    let repeats = plan_json(&["--platform", "linux/arm/v7", "--platform", "amd64"]);
    assert_eq!(ids(&commas), ids(&repeats));
    assert_eq!(
        commas["selected_platforms"],
        serde_json::json!(["linux/amd64", "linux/arm/v7"])
    );
    let mut got = ids(&commas);
    got.sort();
    assert_eq!(
        got,
        [
            "app@linux/amd64",
            "app@linux/arm/v7",
            "base@linux/amd64",
            "base@linux/arm/v7",
            "docs@linux/amd64",
        ]
    );
}

#[test]
fn without_platform_every_cell_is_planned() {
    let plan = plan_json(&[]);
    assert_eq!(ids(&plan).len(), 7);
    assert_eq!(plan["selected_platforms"], plan["platforms"]);
}

#[test]
fn the_text_plan_says_what_it_leaves_out() {
    let dir = project();
    let out = archgrid(dir.path(), &["plan", "--platform", "arm64"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("only linux/arm64 (--platform); leaves out linux/amd64, linux/arm/v7"),
        "{}",
        out.all()
    );
    assert!(!out.stdout.contains("amd64 "), "{}", out.all());
}

#[test]
fn an_unknown_platform_is_a_usage_error_naming_the_projects_platforms() {
    let dir = project();
    let export_dir = dir.path().join("out");
    let export_dir = export_dir.to_str().unwrap();
    let commands: [&[&str]; 5] = [
        &["plan", "--json"],
        &["build"],
        &["publish"],
        &["verify"],
        &["export", export_dir],
    ];
    for command in commands {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(["--platform", "riscv64"])
            .collect();
        let out = archgrid(dir.path(), &args);
        assert_eq!(out.code, 2, "{args:?}\n{}", out.all());
        assert!(
            out.stderr.contains(&format!(
                "--platform riscv64: not a platform of this project (platforms: {PLATFORMS})"
            )),
            "{args:?}\n{}",
            out.all()
        );
        assert!(out.stdout.is_empty(), "{args:?}\n{}", out.all());
    }
}

#[test]
fn a_filter_outside_the_chosen_platforms_is_a_usage_error() {
    let dir = project();
    let out = archgrid(
        dir.path(),
        &["plan", "--only", "docs", "--platform", "arm64"],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("--only docs"), "{}", out.all());
}
