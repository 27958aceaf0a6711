//! Each matrix key reaches the argv of the cells it is meant for, and only those.

use std::path::Path;

use super::*;
use crate::config::Vars;

fn plan(text: &str, env: &[(&str, &str)], source: Source) -> (tempfile::TempDir, Plan) {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["base", "app", "docs"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        std::fs::write(dir.path().join(sub).join("Dockerfile"), "FROM scratch\n").unwrap();
    }
    std::fs::write(dir.path().join("netrc"), "machine m password p\n").unwrap();
    let vars = Vars::new(env.iter().map(|(k, v)| (k.to_string(), v.to_string())), []);
    let matrix = Matrix::from_str_with(text, &dir.path().join("matrix.toml"), &vars)
        .unwrap_or_else(|e| panic!("{e}"));
    let facts = Facts {
        source,
        ..Default::default()
    };
    let plan = Plan::new(&matrix, &facts);
    (dir, plan)
}

/// The values of every `flag VALUE` pair in a cell's argv.
fn values<'a>(plan: &'a Plan, id: &str, flag: &str) -> Vec<&'a str> {
    let cell = plan.cells.iter().find(|c| c.id() == id).unwrap();
    cell.argv
        .windows(2)
        .filter(|w| w[0] == flag)
        .map(|w| w[1].as_str())
        .collect()
}

const MATRIX: &str = r#"
[project]
name = "demo"
registry = "localhost:5000/demo"
tag = "${TAG:-v0.1.0}"
platforms = ["linux/amd64", "linux/arm64"]
labels = { "org.opencontainers.image.vendor" = "Acme", team = "grid" }

[secrets]
npm_token = { env = "NPM_TOKEN" }
netrc = { file = "netrc" }

[cache]
registry = "localhost:5000/demo/cache"

[[component]]
name = "base"
context = "base"
args = { JOBS = "4", MODE = "fast" }
platform_args = { "linux/arm64" = { JOBS = "1" } }
secrets = ["npm_token", "netrc"]
labels = { team = "base-team" }

[[component]]
name = "app"
context = "app"
depends_on = ["base"]
contexts = { docs = "docs", tools = "docker-image://localhost:5000/tools:1" }
"#;

#[test]
fn secrets_are_passed_by_reference_never_by_value() {
    let (dir, plan) = plan(MATRIX, &[("NPM_TOKEN", "s3cr3t-value")], Source::default());
    let netrc = dir.path().canonicalize().unwrap().join("netrc");
    assert_eq!(
        values(&plan, "base@linux/arm64", "--secret"),
        [
            "id=npm_token,env=NPM_TOKEN".to_string(),
            format!("id=netrc,src={}", netrc.display())
        ]
    );
    assert!(values(&plan, "app@linux/arm64", "--secret").is_empty());
    let json = serde_json::to_string(&plan).unwrap();
    assert!(!json.contains("s3cr3t-value"));
}

#[test]
fn platform_args_reach_only_their_platform() {
    let (_dir, plan) = plan(MATRIX, &[("NPM_TOKEN", "x")], Source::default());
    assert_eq!(
        values(&plan, "base@linux/arm64", "--build-arg"),
        ["JOBS=1", "MODE=fast"]
    );
    assert_eq!(
        values(&plan, "base@linux/amd64", "--build-arg"),
        ["JOBS=4", "MODE=fast"]
    );
}

#[test]
fn every_cell_has_its_own_cache_ref() {
    let (_dir, plan) = plan(MATRIX, &[("NPM_TOKEN", "x")], Source::default());
    let mut refs = Vec::new();
    for cell in &plan.cells {
        let from = values(&plan, &cell.id(), "--cache-from");
        let to = values(&plan, &cell.id(), "--cache-to");
        let want = format!(
            "localhost:5000/demo/cache/{}:cache-{}",
            cell.component,
            cell.platform.arch_tag()
        );
        assert_eq!(from, [format!("type=registry,ref={want}")]);
        assert_eq!(to, [format!("type=registry,ref={want},mode=max")]);
        refs.push(want);
    }
    refs.sort();
    refs.dedup();
    assert_eq!(refs.len(), plan.cells.len(), "no two cells share a ref");
}

#[test]
fn no_cache_drops_the_cache_import_and_keeps_the_export() {
    let (_dir, plan) = plan(MATRIX, &[("NPM_TOKEN", "x")], Source::default());
    let cell = &plan.cells[0];
    let argv = without_cache(&cell.argv);
    assert!(!argv.iter().any(|a| a == CACHE_FROM));
    assert!(argv.iter().any(|a| a == "--cache-to"));
    assert_eq!(argv[argv.len() - 2], "--no-cache");
    assert_eq!(argv.last(), cell.argv.last(), "the context stays last");
}

#[test]
fn oci_labels_then_project_then_component() {
    let source = Source {
        url: Some("https://example.org/acme/grid".into()),
        revision: Some("0123456789abcdef0123456789abcdef01234567".into()),
    };
    let (_dir, plan) = plan(MATRIX, &[("NPM_TOKEN", "x"), ("TAG", "v0.3.9")], source);
    assert_eq!(
        values(&plan, "base@linux/amd64", "--label"),
        [
            "org.opencontainers.image.revision=0123456789abcdef0123456789abcdef01234567",
            "org.opencontainers.image.source=https://example.org/acme/grid",
            "org.opencontainers.image.title=base",
            "org.opencontainers.image.vendor=Acme",
            "org.opencontainers.image.version=v0.3.9",
            "team=base-team",
        ]
    );
    assert!(values(&plan, "app@linux/amd64", "--label").contains(&"team=grid"));
    assert_eq!(plan.tag, "v0.3.9");
}

#[test]
fn named_contexts_come_after_the_dependencies() {
    let (dir, plan) = plan(MATRIX, &[("NPM_TOKEN", "x")], Source::default());
    let docs = dir.path().canonicalize().unwrap().join("docs");
    assert_eq!(
        values(&plan, "app@linux/arm64", "--build-context"),
        [
            "base=docker-image://localhost:5000/demo/base:v0.1.0-arm64".to_string(),
            format!("docs={}", docs.display()),
            "tools=docker-image://localhost:5000/tools:1".to_string(),
        ]
    );
}

#[test]
fn a_secret_file_with_a_comma_is_one_csv_field() {
    let spec = secret_spec("k", &SecretSource::File(Path::new("/a,b/\"k\"").into()));
    assert_eq!(spec, r#"id=k,"src=/a,b/""k""""#);
}
