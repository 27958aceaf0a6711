//! The file for the bundled demo and for a matrix that uses every input a cell's argv can
//! carry, as snapshots; and what selection, `--no-cache`, a local-only project and builder
//! routes change.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;
use crate::config::{Matrix, Vars};
use crate::model::text::docker_command_line;
use crate::plan::{read_dockerfiles, Facts};

fn load(text: &str, path: &Path, env: &[(&str, &str)]) -> Matrix {
    let vars = Vars::new(env.iter().map(|(k, v)| (k.to_string(), v.to_string())), []);
    Matrix::from_str_with(text, path, &vars).unwrap_or_else(|e| panic!("{e}"))
}

fn plan_of(matrix: &Matrix, docker_contexts: &[&str]) -> Plan {
    let facts = Facts {
        docker_contexts: docker_contexts.iter().map(|c| c.to_string()).collect(),
        dockerfiles: read_dockerfiles(matrix),
        ..Facts::default()
    };
    Plan::new(matrix, &facts)
}

fn every_cell(plan: &Plan) -> BTreeSet<usize> {
    plan.cells.iter().map(|c| c.index).collect()
}

/// The file, then what was left out and the commands, as a user reads them.
fn report(t: &Translation) -> String {
    let mut out = t.file.to_json();
    out.push_str("--- left out\n");
    for l in &t.left_out {
        out.push_str(&format!(
            "{} ({}): {}\n",
            l.flags.join(" "),
            l.cells.join(", "),
            l.gap
        ));
    }
    out.push_str("--- runs\n");
    for run in &t.runs {
        out.push_str(&docker_command_line(&run.argv("docker-bake.json")));
        out.push('\n');
    }
    out
}

#[test]
fn the_demo_matrix() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("matrix.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let matrix = load(&text, &path, &[]);
    let plan = plan_of(&matrix, &[]);
    let t = translate(&plan, &every_cell(&plan), &matrix.root, false);
    insta::assert_snapshot!(report(&t));
}

const SHOP: &str = r#"
[project]
name = "shop"
registry = "localhost:5000/shop"
tag = "v2"
platforms = ["linux/amd64", "linux/arm64"]
labels = { "org.opencontainers.image.vendor" = "Acme" }

[builder]
name = "grid"
network = "host"

[platforms."linux/arm64"]
builder = "arm-ctx"

[cache]
registry = "localhost:5000/shop/cache"
mode = "min"

[secrets]
npm = { env = "NPM_TOKEN" }
netrc = { file = "secrets/netrc" }

[[component]]
name = "base"
context = "base"
target = "runtime"
args = { GREETING = "$${HOME} and %{ if } stay as written", JOBS = "4" }
platform_args = { "linux/arm64" = { JOBS = "1" } }

[[component]]
name = "api"
context = "api"
dockerfile = "../docker/api.Dockerfile"
depends_on = ["base"]
secrets = ["npm", "netrc"]
ssh = ["default", "deploy=keys/deploy"]
labels = { "org.opencontainers.image.description" = "the api" }
contexts = { docs = "docs", tools = "docker-image://localhost:5000/tools:1", layout = "oci-layout://layout:v1" }

[[component]]
name = "web.ui"
context = "web"
platforms = ["linux/amd64"]
"#;

/// A project with the SHOP matrix: base, api (reads base by its registry name) and web.ui
/// (reads api by both its names, which its matrix entry does not say).
fn shop(text: &str) -> (tempfile::TempDir, Matrix) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let files = [
        ("base/Dockerfile", "FROM scratch AS runtime\n"),
        (
            "docker/api.Dockerfile",
            "FROM localhost:5000/shop/base:v2\n",
        ),
        (
            "web/Dockerfile",
            "FROM api\nCOPY --from=localhost:5000/shop/api:v2 /etc /etc\n",
        ),
        ("secrets/netrc", "machine m password p\n"),
        ("keys/deploy", "key\n"),
        ("docs/README", "docs\n"),
        ("layout/index.json", "{}\n"),
    ];
    for (name, body) in files {
        std::fs::create_dir_all(root.join(name).parent().unwrap()).unwrap();
        std::fs::write(root.join(name), body).unwrap();
    }
    std::fs::create_dir_all(root.join("api")).unwrap();
    let sock = root.join("agent.sock");
    std::fs::write(&sock, "").unwrap();
    let env = [
        ("NPM_TOKEN", "npm-token-value"),
        ("SSH_AUTH_SOCK", sock.to_str().unwrap()),
    ];
    let matrix = load(text, &root.join("matrix.toml"), &env);
    (dir, matrix)
}

#[test]
fn every_input_of_a_cell() {
    let (_dir, matrix) = shop(SHOP);
    let plan = plan_of(&matrix, &["arm-ctx"]);
    let t = translate(&plan, &every_cell(&plan), &matrix.root, false);
    let text = report(&t);
    assert!(
        !text.contains("npm-token-value"),
        "a secret's value: {text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn values_reach_bake_as_written() {
    let (_dir, matrix) = shop(SHOP);
    let plan = plan_of(&matrix, &["arm-ctx"]);
    let t = translate(&plan, &every_cell(&plan), &matrix.root, false);
    let base = &t.file.target["base-linux-arm64"];
    assert_eq!(base.args["GREETING"], "${HOME} and %{ if } stay as written");
    assert_eq!(base.args["JOBS"], "1");
    let text = t.file.to_json();
    assert!(
        text.contains(r#""$${HOME} and %%{ if } stay as written""#),
        "{text}"
    );
    // What bake reads back after evaluating the templates is the file archgrid meant.
    let unescaped = text.replace("$${", "${").replace("%%{", "%{");
    let back: BakeFile = serde_json::from_str(&unescaped).unwrap();
    assert_eq!(back, t.file);
}

/// Every name a dependent reads a dependency by is bound to a build of the dependency's
/// target of its own: the target itself, or a copy that builds the same and exports nothing.
/// The bare name every build binds stays out when the Dockerfile does not read it.
#[test]
fn each_name_a_dependency_is_read_by_links_its_own_build_of_the_dependency() {
    let (_dir, matrix) = shop(SHOP);
    let plan = plan_of(&matrix, &["arm-ctx"]);
    let t = translate(&plan, &every_cell(&plan), &matrix.root, false);
    let mut copies = 0;
    for cell in &plan.cells {
        let target = &t.file.target[&t.targets[&cell.index]];
        assert_eq!(
            target.tags,
            std::slice::from_ref(&cell.image),
            "{}",
            cell.id()
        );
        assert_eq!(target.platforms, [cell.platform.to_string()]);
        for edge in &cell.edges {
            let dep = &t.file.target[&t.targets[&edge.dep]];
            let read: BTreeSet<String> = edge.context_names().collect();
            assert!(!read.is_empty(), "{}", cell.id());
            let mut linked = BTreeSet::new();
            for name in &read {
                let source = &target.contexts[name];
                let name = source.strip_prefix("target:").expect(source);
                assert!(linked.insert(name), "{}: {source} twice", cell.id());
                let build = &t.file.target[name];
                if name == t.targets[&edge.dep] {
                    continue;
                }
                copies += 1;
                assert!(build.tags.is_empty() && build.output.is_empty());
                assert!(build.cache_to.is_empty());
                let same = Target {
                    tags: dep.tags.clone(),
                    output: dep.output.clone(),
                    cache_to: dep.cache_to.clone(),
                    ..build.clone()
                };
                assert_eq!(&same, dep, "{}: {name}", cell.id());
            }
            let bare = &plan.cells[edge.dep].component;
            assert_eq!(
                target.contexts.contains_key(bare),
                read.contains(bare),
                "{}",
                cell.id()
            );
        }
    }
    // web.ui reads api by both its names.
    assert_eq!(copies, 1);
    assert!(!t.file.group[DEFAULT_GROUP]
        .targets
        .iter()
        .any(|n| n.ends_with("-context")));
}

#[test]
fn a_selection_keeps_what_it_depends_on_and_a_left_out_dependency_reads_the_registry() {
    let (_dir, matrix) = shop(SHOP);
    let plan = plan_of(&matrix, &["arm-ctx"]);
    let selected = plan.select(&["api".into()], &["arm64".into()]).unwrap();
    let t = translate(&plan, &selected, &matrix.root, false);
    let names: Vec<&String> = t.file.target.keys().collect();
    assert_eq!(names, ["api-linux-arm64", "base-linux-arm64"]);
    assert_eq!(
        t.file.group[DEFAULT_GROUP].targets,
        ["base-linux-arm64", "api-linux-arm64"]
    );
    // One platform, so one builder: one run of the default group.
    assert_eq!(
        t.runs,
        [Run {
            docker_context: Some("arm-ctx".into()),
            builder: Some("arm-ctx".into()),
            group: None
        }]
    );

    let api = plan.find("api", &"linux/arm64".parse().unwrap()).unwrap();
    let only_api = BTreeSet::from([api.index]);
    let t = translate(&plan, &only_api, &matrix.root, false);
    assert_eq!(
        t.file.target["api-linux-arm64"].contexts["base"],
        "docker-image://localhost:5000/shop/base:v2-arm64"
    );
}

#[test]
fn no_cache_drops_the_cache_import_as_a_build_does() {
    let (_dir, matrix) = shop(SHOP);
    let plan = plan_of(&matrix, &[]);
    let t = translate(&plan, &every_cell(&plan), &matrix.root, true);
    let base = &t.file.target["base-linux-amd64"];
    assert_eq!(base.no_cache, Some(true));
    assert!(base.cache_from.is_empty());
    assert_eq!(
        base.cache_to,
        ["type=registry,ref=localhost:5000/shop/cache/base:cache-amd64,mode=min"]
    );
}

#[test]
fn a_project_without_a_registry_loads_into_the_engine() {
    let text = SHOP.replace("registry = \"localhost:5000/shop\"\n", "");
    let (_dir, matrix) = shop(&text);
    let plan = plan_of(&matrix, &[]);
    let t = translate(&plan, &every_cell(&plan), &matrix.root, false);
    let base = &t.file.target["base-linux-amd64"];
    assert_eq!(base.output, ["type=docker"]);
    assert_eq!(base.tags, ["localhost/shop/base:v2-amd64"]);
    assert_eq!(
        t.file.target["api-linux-amd64"].contexts["base"],
        "target:base-linux-amd64"
    );
}
