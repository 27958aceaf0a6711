//! Edges found in the Dockerfiles: added, reported, given the right build context, or refused.

use super::*;
use crate::config::Vars;

/// `files` are `(component, Dockerfile text)`; every component's context is its own folder.
fn plan(matrix: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, Plan) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        std::fs::write(dir.path().join(name).join("Dockerfile"), text).unwrap();
    }
    let vars = Vars::new([], []);
    let matrix = Matrix::from_str_with(matrix, &dir.path().join("matrix.toml"), &vars)
        .unwrap_or_else(|e| panic!("{e}"));
    let facts = Facts {
        dockerfiles: read_dockerfiles(&matrix),
        ..Default::default()
    };
    let plan = Plan::new(&matrix, &facts);
    (dir, plan)
}

const HEAD: &str = r#"
[project]
name = "seed"
registry = "localhost:5000/seed"
tag = "v1"
platforms = ["linux/amd64", "linux/arm64"]
"#;

fn component(name: &str, extra: &str) -> String {
    format!("\n[[component]]\nname = \"{name}\"\ncontext = \"{name}\"\n{extra}\n")
}

fn cell<'a>(plan: &'a Plan, id: &str) -> &'a Cell {
    plan.cells.iter().find(|c| c.id() == id).unwrap()
}

fn contexts<'a>(plan: &'a Plan, id: &str) -> Vec<&'a str> {
    cell(plan, id)
        .argv
        .windows(2)
        .filter(|w| w[0] == "--build-context")
        .map(|w| w[1].as_str())
        .collect()
}

fn dep_ids(plan: &Plan, id: &str) -> Vec<String> {
    cell(plan, id)
        .deps
        .iter()
        .map(|&d| plan.cells[d].id())
        .collect()
}

#[test]
fn a_from_that_depends_on_leaves_out_is_added_and_reported() {
    // worker comes first in the file: the edge must also put base first.
    let matrix = HEAD.to_string()
        + &component("worker", "depends_on = [\"api\"]")
        + &component("api", "")
        + &component("base", "");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("worker", "FROM base\nRUN true\n"),
            ("api", "FROM scratch\n"),
            ("base", "FROM scratch\n"),
        ],
    );
    assert_eq!(
        dep_ids(&plan, "worker@linux/arm64"),
        ["api@linux/arm64", "base@linux/arm64"]
    );
    let worker = cell(&plan, "worker@linux/arm64");
    let added = &worker.edges[1];
    assert!(!added.declared);
    assert_eq!(added.found[0].to_string(), "worker/Dockerfile:1, FROM base");
    assert!(contexts(&plan, "worker@linux/arm64")
        .contains(&"base=docker-image://localhost:5000/seed/base:v1-arm64"));
    let position = |c: &str| plan.components.iter().position(|n| n == c).unwrap();
    assert!(position("base") < position("worker"));
    assert!(
        plan.order
            .iter()
            .position(|&i| plan.cells[i].component == "base")
            < plan
                .order
                .iter()
                .position(|&i| plan.cells[i].component == "worker")
    );
    assert!(plan.dependency_errors().is_empty());
    assert_eq!(
        plan.dependency_notes(),
        [
            "worker@linux/amd64: depends on base (worker/Dockerfile:1, FROM base)",
            "worker@linux/arm64: depends on base (worker/Dockerfile:1, FROM base)",
        ]
    );
}

#[test]
fn strict_deps_makes_an_added_edge_an_error() {
    let matrix = HEAD.replace("tag =", "strict_deps = true\ntag =")
        + &component("base", "")
        + &component("worker", "");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("worker", "# syntax=docker/dockerfile:1\n\nFROM base\n"),
            ("base", "FROM scratch\n"),
        ],
    );
    let errors = plan.dependency_errors();
    assert_eq!(errors.len(), 2);
    assert!(
        errors[0].starts_with("worker@linux/amd64: depends on base (worker/Dockerfile:3, FROM base), which depends_on does not list"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("hint: add \"base\""));
    // The frontend image is read from outside the project, never taken for a component.
    let worker = cell(&plan, "worker@linux/amd64");
    assert_eq!(worker.reads[0].reference, "docker/dockerfile:1");
    assert_eq!(worker.reads[0].kind, crate::dockerfile::UseKind::Syntax);
}

#[test]
fn a_registry_name_with_args_gets_its_own_named_context() {
    let matrix = HEAD.to_string()
        + &component("base", "")
        + &component(
            "api",
            "args = { TAG = \"v1\" }\nplatform_args = { \"linux/arm64\" = { TAG = \"v1-arm\" } }",
        );
    let dockerfile = "ARG REGISTRY=localhost:5000/seed\nARG TAG=latest\nFROM ${REGISTRY}/base:${TAG} AS b\nFROM b\n";
    let (_dir, plan) = plan(&matrix, &[("base", "FROM scratch\n"), ("api", dockerfile)]);
    assert_eq!(
        contexts(&plan, "api@linux/amd64"),
        [
            "base=docker-image://localhost:5000/seed/base:v1-amd64",
            "localhost:5000/seed/base:v1=docker-image://localhost:5000/seed/base:v1-amd64",
        ]
    );
    assert_eq!(
        contexts(&plan, "api@linux/arm64")[1],
        "localhost:5000/seed/base:v1-arm=docker-image://localhost:5000/seed/base:v1-arm64"
    );
}

#[test]
fn aliases_match_any_tag_and_a_bare_name_only_untagged() {
    let matrix = HEAD.to_string()
        + &component("nginx", "aliases = [\"acme/nginx\"]")
        + &component("web", "")
        + &component("proxy", "");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("nginx", "FROM scratch\n"),
            ("web", "FROM acme/nginx:2.0\n"),
            (
                "proxy",
                "FROM nginx:1.25\nCOPY --from=docker.io/library/nginx / /\n",
            ),
        ],
    );
    assert_eq!(dep_ids(&plan, "web@linux/amd64"), ["nginx@linux/amd64"]);
    assert_eq!(
        contexts(&plan, "web@linux/amd64")[1],
        "acme/nginx:2.0=docker-image://localhost:5000/seed/nginx:v1-amd64"
    );
    // `nginx:1.25` is the public image; the untagged COPY source is the component.
    let proxy = cell(&plan, "proxy@linux/amd64");
    assert_eq!(proxy.edges.len(), 1);
    assert_eq!(
        proxy.edges[0].found[0].instruction,
        "COPY --from=docker.io/library/nginx"
    );
}

#[test]
fn declared_edges_carry_where_the_dockerfile_reads_them() {
    let matrix =
        HEAD.to_string() + &component("base", "") + &component("app", "depends_on = [\"base\"]");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("base", "FROM scratch AS base\nFROM base\n"),
            (
                "app",
                "FROM base AS build\nFROM scratch\nCOPY --from=build / /\n",
            ),
        ],
    );
    let app = cell(&plan, "app@linux/amd64");
    assert!(app.edges[0].declared);
    assert_eq!(app.edges[0].found[0].line, 1);
    assert!(plan.dep_findings.is_empty(), "{:?}", plan.dep_findings);
    // base's own stage named base is not a reference to itself.
    assert!(cell(&plan, "base@linux/amd64").deps.is_empty());
}

#[test]
fn cycles_and_missing_platforms_are_errors_and_the_plan_stays_finite() {
    let matrix = HEAD.to_string()
        + &component("base", "platforms = [\"linux/amd64\"]")
        + &component(
            "app",
            "depends_on = [\"base\"]\nplatforms = [\"linux/amd64\"]",
        )
        + &component("tool", "");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("base", "FROM app\n"),
            ("app", "FROM base\n"),
            ("tool", "FROM base\n"),
        ],
    );
    let errors = plan.dependency_errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with(
        "base@linux/amd64: reads app (base/Dockerfile:1, FROM app), but app already depends on it"
    ));
    assert!(errors[1].starts_with("tool@linux/arm64: reads base (tool/Dockerfile:1, FROM base), which is not built for linux/arm64"));
    assert_eq!(plan.order.len(), plan.cells.len());
}

#[test]
fn an_unreadable_dockerfile_is_a_note_and_depends_on_still_counts() {
    let matrix =
        HEAD.to_string() + &component("base", "") + &component("app", "depends_on = [\"base\"]");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("base", "FROM scratch\n"),
            ("app", "FROM base\nRUN <<EOF\n"),
        ],
    );
    assert!(plan.dependency_errors().is_empty());
    let notes = plan.dependency_notes();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with("app: dependencies not read from its Dockerfile"),
        "{}",
        notes[0]
    );
    assert!(notes[0].contains("heredoc <<EOF is never closed"));
    assert_eq!(dep_ids(&plan, "app@linux/amd64"), ["base@linux/amd64"]);
}

#[test]
fn a_dependency_read_only_by_copy_from_gets_a_cache_warming_build() {
    let matrix = HEAD.to_string()
        + &component("base", "")
        + &component("api", "depends_on = [\"base\"]")
        + &component("worker", "depends_on = [\"base\", \"api\"]")
        + &component("gateway", "depends_on = [\"api\"]");
    let (_dir, plan) = plan(
        &matrix,
        &[
            ("base", "FROM scratch\nCOPY . /\n"),
            ("api", "FROM base\nRUN make\n"),
            (
                "worker",
                "FROM base\nARG SPINS\nRUN spin\nCOPY --from=api /api.out /\nRUN more\n",
            ),
            // Nothing runs before the read: no warming.
            ("gateway", "FROM base\nCOPY --from=api /a /a\nRUN x\n"),
        ],
    );
    let worker = cell(&plan, "worker@linux/arm64");
    let warm = worker.warm.as_ref().expect("worker warms");
    assert_eq!(warm.cut, 4);
    assert_eq!(
        warm.late
            .iter()
            .map(|&d| plan.cells[d].id())
            .collect::<Vec<_>>(),
        ["api@linux/arm64"]
    );
    let argv = &warm.argv;
    let has = |flag: &str| argv.iter().any(|a| a == flag);
    for gone in ["--tag", "--push", "--load", "--metadata-file", "--cache-to"] {
        assert!(!has(gone), "{gone} in {argv:?}");
    }
    let pairs: Vec<(&str, &str)> = argv
        .windows(2)
        .map(|w| (w[0].as_str(), w[1].as_str()))
        .collect();
    assert!(pairs.contains(&("--output", "type=cacheonly")));
    assert!(pairs.contains(&("--file", warm.dockerfile.to_str().unwrap())));
    let contexts: Vec<&str> = pairs
        .iter()
        .filter(|(f, _)| *f == "--build-context")
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(
        contexts,
        ["base=docker-image://localhost:5000/seed/base:v1-arm64"],
        "api does not exist yet"
    );
    assert_eq!(argv.last(), worker.argv.last(), "the same context");
    assert!(warm
        .dockerfile
        .ends_with(".archgrid/warm/worker-arm64.Dockerfile"));
    assert!(cell(&plan, "gateway@linux/arm64").warm.is_none());
    assert!(
        cell(&plan, "api@linux/arm64").warm.is_none(),
        "base is read by FROM"
    );
}
