//! `archgrid bake-file` through the binary, without an engine: the file it writes holds a target
//! per cell of `archgrid plan --json` with that cell's per-arch tag, platform and dependencies
//! bound to their targets; it is never written over without --force; what bake cannot express
//! is named on stderr with the cells it concerns.

mod support;

use std::path::Path;

use serde_json::Value;
use support::lab::{archgrid, fixture, Output};

fn plan(dir: &Path) -> Value {
    let out = archgrid(dir, &["plan", "--json"]);
    assert_eq!(out.code, 0, "{}", out.all());
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}", out.all()))
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// `app@linux/arm64` → `app-linux-arm64`.
fn target_name(id: &str) -> String {
    id.replace(['@', '/'], "-")
}

fn ok(out: &Output) {
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn a_target_per_cell_with_its_tag_and_its_dependencies_as_targets() {
    let dir = fixture("bake", "v1");
    let out = archgrid(dir.path(), &["bake-file"]);
    ok(&out);
    assert!(
        out.stdout
            .contains("wrote docker-bake.json: 6 targets (3 components × 2 platforms), and 2 copies of a dependency's target for a Dockerfile that reads it by a second name\nnext:\n  docker buildx bake -f docker-bake.json\n"),
        "{}",
        out.all()
    );
    let file = read(&dir.path().join("docker-bake.json"));
    let plan = plan(dir.path());
    let cells = plan["cells"].as_array().unwrap();
    let targets = file["target"].as_object().unwrap();
    // tool reads base by two names: the second links a copy of base's target per platform.
    let copies: Vec<&str> = targets
        .keys()
        .map(String::as_str)
        .filter(|n| n.ends_with("-context"))
        .collect();
    assert_eq!(
        copies,
        ["base-linux-amd64-context", "base-linux-arm64-context"]
    );
    assert_eq!(targets.len(), cells.len() + copies.len(), "{file:#}");
    for cell in cells {
        let id = cell["id"].as_str().unwrap();
        let target = &targets[&target_name(id)];
        assert_eq!(
            strings(&target["tags"]),
            [cell["image"].as_str().unwrap()],
            "{id}"
        );
        assert_eq!(
            strings(&target["platforms"]),
            [cell["platform"].as_str().unwrap()]
        );
        assert_eq!(strings(&target["output"]), ["type=registry"]);
        assert_eq!(
            strings(&target["attest"]),
            ["type=provenance,disabled=true"]
        );
        for dep in strings(&cell["depends_on"]) {
            let component = dep.split('@').next().unwrap();
            assert_eq!(
                target["contexts"][component],
                format!("target:{}", target_name(dep)),
                "{id}"
            );
        }
    }
    let mut all: Vec<&str> = strings(&file["group"]["default"]["targets"]);
    all.sort();
    let mut names: Vec<&str> = targets
        .keys()
        .map(String::as_str)
        .filter(|n| !copies.contains(n))
        .collect();
    names.sort();
    assert_eq!(all, names);
    assert_eq!(
        strings(&file["group"]["linux-arm64"]["targets"]),
        ["base-linux-arm64", "app-linux-arm64", "tool-linux-arm64"]
    );

    let base = &targets["base-linux-amd64"];
    assert_eq!(base["target"], "runtime");
    let context = dir.path().join(base["context"].as_str().unwrap());
    assert_eq!(
        context.canonicalize().unwrap(),
        support::lab::repo()
            .join("assets/demo/base")
            .canonicalize()
            .unwrap(),
        "{base:#}"
    );
    assert!(
        base["context"].as_str().unwrap().starts_with("../"),
        "{base:#}"
    );
    assert_eq!(base["dockerfile"], "Dockerfile");
    assert_eq!(base["args"]["GREETING"], "from base");
    assert_eq!(
        base["labels"]["org.opencontainers.image.vendor"],
        "archgrid tests"
    );
    assert_eq!(
        strings(&base["cache-to"]),
        ["type=registry,ref=localhost:5000/archgrid-test-bake/cache/base:cache-amd64,mode=max"]
    );
    let app = &targets["app-linux-arm64"];
    assert_eq!(app["context"], "app");
    assert_eq!(strings(&app["secret"]), ["id=tok,src=secret/token"]);
    // Escaped for bake's templates: bake hands the build `${HOME} %{ x } $ 100%`.
    assert_eq!(app["args"]["NOTE"], "$${HOME} %%{ x } $ 100%");
    let tool = &targets["tool-linux-arm64"];
    assert_eq!(
        tool["contexts"]["localhost:5000/archgrid-test-bake/base:test"],
        "target:base-linux-arm64-context",
        "the second name the Dockerfile uses is bound to a copy of the target"
    );

    let text = std::fs::read_to_string(dir.path().join("docker-bake.json")).unwrap();
    assert!(!text.contains("bake-file-test-token-value"), "{text}");
    let every_cell: Vec<&str> = cells.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let line = format!(
        "left out: --network host --allow network.host ({}): bake files have no network key before buildx 0.17",
        every_cell.join(", ")
    );
    assert!(
        out.stderr.contains(&line),
        "{line:?} missing\n{}",
        out.all()
    );
}

#[test]
fn an_existing_file_is_kept_unless_forced() {
    let dir = fixture("bake", "v1");
    let path = dir.path().join("docker-bake.json");
    std::fs::write(&path, "mine\n").unwrap();
    let out = archgrid(dir.path(), &["bake-file"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("docker-bake.json already exists"),
        "{}",
        out.all()
    );
    assert!(
        out.stderr.contains("hint: pass --force to overwrite"),
        "{}",
        out.all()
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");

    ok(&archgrid(dir.path(), &["bake-file", "--force"]));
    assert!(read(&path)["target"].is_object());

    let out = archgrid(dir.path(), &["bake-file", "-o", "app"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("app is a folder"), "{}", out.all());
}

#[test]
fn from_another_folder_the_commands_say_where_bake_runs() {
    let dir = fixture("bake", "v1");
    let elsewhere = tempfile::tempdir().unwrap();
    let matrix = dir.path().join("matrix.toml");
    let out = archgrid(
        elsewhere.path(),
        &[
            "--matrix",
            matrix.to_str().unwrap(),
            "bake-file",
            "-o",
            "out/grid.json",
            "--only",
            "app",
            "--platform",
            "arm64",
        ],
    );
    ok(&out);
    let written = elsewhere
        .path()
        .canonicalize()
        .unwrap()
        .join("out/grid.json");
    let root = dir.path().canonicalize().unwrap();
    assert!(
        out.stdout.contains(&format!(
            "wrote out/grid.json: 2 targets (2 components × 1 platform)\nnext, in {} (bake reads the file's paths from the folder it runs in):\n  docker buildx bake -f {}\n",
            root.display(),
            written.display()
        )),
        "{}",
        out.all()
    );
    let file = read(&written);
    let mut names: Vec<&String> = file["target"].as_object().unwrap().keys().collect();
    names.sort();
    assert_eq!(names, ["app-linux-arm64", "base-linux-arm64"]);
    // Relative to the matrix's folder, not to the file's.
    assert_eq!(file["target"]["app-linux-arm64"]["context"], "app");
    assert!(!dir.path().join("docker-bake.json").exists());
}
