//! `archgrid import` and `archgrid init` through the real binary: the written matrix is planned
//! with `archgrid plan --json` and the cells, their platforms, build args, targets and
//! dependency edges are compared with what the compose and bake files say. Import needs
//! `docker buildx bake --print` (it builds nothing), so those tests start the lab first.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::lab::{self, copy_dir, repo, Output};

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures/import").join(name)
}

/// archgrid in `dir` with `args`, the variables in `unset` removed and `set` added.
fn archgrid(dir: &Path, args: &[&str], unset: &[&str], set: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_archgrid"));
    cmd.args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .envs(set.iter().copied());
    for var in unset {
        cmd.env_remove(var);
    }
    cmd.output().expect("run archgrid").into()
}

/// `archgrid plan --json` of the matrix at `matrix`.
fn plan(matrix: &Path, set: &[(&str, &str)]) -> Value {
    let dir = matrix.parent().unwrap();
    let out = archgrid(
        dir,
        &["plan", "--json", "--matrix", matrix.to_str().unwrap()],
        &[],
        set,
    );
    assert_eq!(out.code, 0, "plan failed\n{}", out.all());
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.all()))
}

fn cells(plan: &Value) -> &Vec<Value> {
    plan["cells"].as_array().expect("cells")
}

fn cell<'a>(plan: &'a Value, id: &str) -> &'a Value {
    cells(plan)
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no cell {id} in {plan:#}"))
}

fn ids(plan: &Value) -> BTreeSet<String> {
    cells(plan)
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// Each cell's `depends_on`.
fn edges(plan: &Value) -> BTreeMap<String, BTreeSet<String>> {
    cells(plan)
        .iter()
        .map(|c| {
            let deps = c["depends_on"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_str().unwrap().to_string())
                .collect();
            (c["id"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

/// The values of every `flag` in the cell's argv.
fn values(cell: &Value, flag: &str) -> Vec<String> {
    let argv: Vec<&str> = cell["argv"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    argv.windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1].to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn edge_map(items: &[(&str, &[&str])]) -> BTreeMap<String, BTreeSet<String>> {
    items
        .iter()
        .map(|(cell, deps)| (cell.to_string(), set(deps)))
        .collect()
}

/// The build context: the last argument.
fn context(cell: &Value) -> PathBuf {
    let argv = cell["argv"].as_array().unwrap();
    Path::new(argv.last().unwrap().as_str().unwrap())
        .canonicalize()
        .unwrap()
}

#[test]
fn a_compose_file_becomes_a_matrix_with_its_args_targets_platforms_and_edges() {
    lab::ensure();
    let tmp = tempfile::tempdir().unwrap();
    let matrix = tmp.path().join("matrix.toml");
    let src = fixture("compose");
    // Unset, so compose's default applies.
    let out = archgrid(
        &src,
        &["import", "-o", matrix.to_str().unwrap()],
        &["GREETING_SUFFIX", "NPM_TOKEN"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr
            .contains("skipped: db: only pulls localhost:5000/library/debian:bookworm (no build:)"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr
            .contains("left out: api: cache-to = type=inline: use [cache] registry"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr
            .contains("export NPM_TOKEN before archgrid build"),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("archgrid plan --matrix"),
        "{}",
        out.all()
    );
    let text = std::fs::read_to_string(&matrix).unwrap();
    for expected in [
        "db: only pulls localhost:5000/library/debian:bookworm",
        "# Left out cache-to = type=inline",
        r#"registry = "localhost:5000/shop"   # from the targets' tags"#,
        r#"START = "exec api --home $HOME --path $${PATH}""#,
        r#"depends_on = ["base"]   # FROM localhost:5000/shop/base:1.4.2 (Dockerfile:1)"#,
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
    // A pull-only service never becomes a component.
    assert!(!text.contains("name = \"db\""), "{text}");

    let plan = plan(&matrix, &[("NPM_TOKEN", "a-token-for-the-plan")]);
    assert_eq!(plan["registry"], "localhost:5000/shop");
    assert_eq!(plan["tag"], "1.4.2");
    assert_eq!(
        ids(&plan),
        set(&[
            "base@linux/amd64",
            "base@linux/arm64",
            "api@linux/amd64",
            "web@linux/amd64",
            "web@linux/arm64",
        ])
    );
    assert_eq!(
        edges(&plan),
        edge_map(&[
            ("base@linux/amd64", &[]),
            ("base@linux/arm64", &[]),
            ("api@linux/amd64", &["base@linux/amd64"]),
            ("web@linux/amd64", &["base@linux/amd64"]),
            ("web@linux/arm64", &["base@linux/arm64"]),
        ])
    );
    let base = cell(&plan, "base@linux/arm64");
    // `$$5` in compose is a literal `$5`; the unset variable took its default.
    assert_eq!(
        values(base, "--build-arg"),
        ["GREETING=costs $5, paid in cash"]
    );
    assert_eq!(context(base), src.join("base").canonicalize().unwrap());
    let api = cell(&plan, "api@linux/amd64");
    assert_eq!(
        values(api, "--build-arg"),
        [
            "API_PORT=8080",
            // Exactly what bake passes: `$HOME` and `${PATH}` reach the build as written.
            "START=exec api --home $HOME --path ${PATH}",
        ]
    );
    assert_eq!(values(api, "--target"), ["runtime"]);
    let file = PathBuf::from(&values(api, "--file")[0]);
    assert_eq!(
        file.canonicalize().unwrap(),
        src.join("api/docker/api.Dockerfile")
            .canonicalize()
            .unwrap()
    );
    // The context name the Dockerfile uses is the base image's alias.
    assert!(
        values(api, "--build-context")
            .iter()
            .any(|c| c.starts_with("shop-base=docker-image://localhost:5000/shop/base:1.4.2-amd64")),
        "{api:#}"
    );
    let web = cell(&plan, "web@linux/amd64");
    assert_eq!(values(web, "--secret"), ["id=npm_token,env=NPM_TOKEN"]);
    assert_eq!(values(web, "--target"), Vec::<String>::new());
}

#[test]
fn a_bake_file_with_variables_matrix_inherits_and_target_contexts_becomes_a_matrix() {
    lab::ensure();
    let tmp = tempfile::tempdir().unwrap();
    let matrix = tmp.path().join("matrix.toml");
    let src = fixture("bake");
    let out = archgrid(
        &src,
        &["import", "docker-bake.hcl", "-o", matrix.to_str().unwrap()],
        &["REGISTRY", "VERSION"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains(
            r#"left out: cli: cache-to = type=registry,ref=localhost:5000/tools/cache/cli: use [cache] registry = "localhost:5000/tools/cache""#
        ),
        "{}",
        out.all()
    );
    assert!(
        out.stderr
            .contains("note: os: alias os-base: the context name cli uses for it"),
        "{}",
        out.all()
    );

    let plan = plan(&matrix, &[]);
    assert_eq!(plan["registry"], "localhost:5000/tools");
    assert_eq!(plan["tag"], "0.7.0");
    assert_eq!(
        plan["platforms"],
        serde_json::json!(["linux/amd64", "linux/arm64"])
    );
    assert_eq!(
        edges(&plan),
        edge_map(&[
            ("os@linux/amd64", &[]),
            ("os@linux/arm64", &[]),
            ("cli@linux/amd64", &["os@linux/amd64"]),
            ("cli@linux/arm64", &["os@linux/arm64"]),
            ("plugin-fmt@linux/amd64", &["cli@linux/amd64"]),
            ("plugin-lint@linux/amd64", &["cli@linux/amd64"]),
        ])
    );
    let cli = cell(&plan, "cli@linux/arm64");
    // HCL's `$${HOME}` is a literal `${HOME}`, and so it stays.
    assert_eq!(
        values(cli, "--build-arg"),
        ["BANNER=cli 0.7.0: ${HOME} stays as written"]
    );
    assert!(
        values(cli, "--label").contains(&"org.opencontainers.image.vendor=Acme".to_string()),
        "{cli:#}"
    );
    for plugin in ["fmt", "lint"] {
        let c = cell(&plan, &format!("plugin-{plugin}@linux/amd64"));
        assert_eq!(values(c, "--build-arg"), [format!("PLUGIN={plugin}")]);
        assert!(
            values(c, "--file")[0].ends_with(&format!("plugins/{plugin}.Dockerfile")),
            "{c:#}"
        );
        assert_eq!(context(c), src.join("plugins").canonicalize().unwrap());
    }
}

#[test]
fn flags_override_the_platforms_registry_and_tag_bake_implies() {
    lab::ensure();
    let tmp = tempfile::tempdir().unwrap();
    let matrix = tmp.path().join("matrix.toml");
    let out = archgrid(
        &fixture("bake"),
        &[
            "import",
            "-o",
            matrix.to_str().unwrap(),
            "--platforms",
            "linux/arm64",
            "--registry",
            "localhost:5000/elsewhere",
            "--tag",
            "v9",
        ],
        &[],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let plan = plan(&matrix, &[]);
    assert_eq!(plan["registry"], "localhost:5000/elsewhere");
    assert_eq!(plan["tag"], "v9");
    assert_eq!(
        ids(&plan),
        set(&[
            "os@linux/arm64",
            "cli@linux/arm64",
            "plugin-fmt@linux/arm64",
            "plugin-lint@linux/arm64",
        ])
    );
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    let matrix = tmp.path().join("matrix.toml");
    std::fs::write(&matrix, "# mine\n").unwrap();
    let out = archgrid(
        &fixture("bake"),
        &["import", "-o", matrix.to_str().unwrap()],
        &[],
        &[],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("already exists"), "{}", out.all());
    assert!(out.stderr.contains("--force"), "{}", out.all());
    assert_eq!(std::fs::read_to_string(&matrix).unwrap(), "# mine\n");

    lab::ensure();
    let out = archgrid(
        &fixture("bake"),
        &["import", "--force", "-o", matrix.to_str().unwrap()],
        &[],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(std::fs::read_to_string(&matrix)
        .unwrap()
        .contains("[[component]]"));
}

/// Component names and each one's depends_on, from a matrix file.
fn graph(matrix: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let doc: toml::Table = std::fs::read_to_string(matrix).unwrap().parse().unwrap();
    doc["component"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let deps = c
                .get("depends_on")
                .and_then(|d| d.as_array())
                .map(|d| d.iter().map(|n| n.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (c["name"].as_str().unwrap().to_string(), deps)
        })
        .collect()
}

#[test]
fn init_finds_the_ai_infra_components_and_their_dependencies_in_the_dockerfiles() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("ai-infra");
    copy_dir(&repo().join("examples/ai-infra"), &tree);
    std::fs::remove_file(tree.join("matrix.toml")).unwrap();
    let matrix = tmp.path().join("out/matrix.toml");
    let out = archgrid(
        tmp.path(),
        &["init", "ai-infra", "-o", "out/matrix.toml"],
        &[],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr.contains("no platforms were named anywhere"),
        "{}",
        out.all()
    );
    assert_eq!(
        graph(&matrix),
        graph(&repo().join("examples/ai-infra/matrix.toml"))
    );
    let text = std::fs::read_to_string(&matrix).unwrap();
    assert!(
        text.contains(r#"depends_on = ["os-base"]   # FROM os-base (Dockerfile:3)"#),
        "{text}"
    );
    // Contexts are relative to the written file.
    let doc: toml::Table = text.parse().unwrap();
    for c in doc["component"].as_array().unwrap() {
        let context = c["context"].as_str().unwrap();
        assert!(context.starts_with("../ai-infra/"), "{context}");
        assert!(matrix.parent().unwrap().join(context).is_dir(), "{context}");
    }
}

#[test]
fn init_names_variants_and_the_root_and_needs_no_matrix() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("Shop");
    for (file, text) in [
        ("Dockerfile", "FROM api\n"),
        ("api/Dockerfile", "FROM scratch\n"),
        ("api/Dockerfile.dev", "FROM api\n"),
        (
            "web/prod.Dockerfile",
            "FROM localhost:5000/library/debian:bookworm\n",
        ),
        ("node_modules/x/Dockerfile", "FROM scratch\n"),
    ] {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let out = archgrid(
        &root,
        &["init", "--platforms", "linux/amd64", "--tag", "v1"],
        &[],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let matrix = root.join("matrix.toml");
    let want: BTreeMap<String, BTreeSet<String>> = [
        ("shop", set(&["api"])),
        ("api", set(&[])),
        ("api-dev", set(&["api"])),
        ("web-prod", set(&[])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(graph(&matrix), want);
    let text = std::fs::read_to_string(&matrix).unwrap();
    for expected in [
        r#"platforms = ["linux/amd64"]"#,
        r#"tag = "v1""#,
        r#"dockerfile = "Dockerfile.dev""#,
        r#"dockerfile = "prod.Dockerfile""#,
        r#"context = ".""#,
    ] {
        assert!(text.contains(expected), "{expected:?} missing in:\n{text}");
    }
}
