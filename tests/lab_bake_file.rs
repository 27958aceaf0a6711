//! The file `archgrid bake-file` writes, built by `docker buildx bake` on the lab: bake reads
//! back the targets archgrid meant (escaped values included), builds the dependency graph in one
//! run, and pushes every per-arch tag `archgrid plan --json` lists, each for its platform, with
//! the same image configuration as archgrid's own build of the same matrix.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use archgrid::bake_file::BakeFile;
use serde_json::Value;
use support::inputs::image_config;
use support::lab::{self, archgrid_env, fixture, fresh_tag, Output};

/// docker with argument vector `args`, run in `dir`: bake resolves the file's paths there.
fn docker_in(dir: &Path, args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run docker")
        .into()
}

/// What makes two builds of a cell the same image, apart from timestamps inside layers.
fn essentials(config: &Value) -> Value {
    serde_json::json!({
        "architecture": config["architecture"],
        "os": config["os"],
        "variant": config["variant"],
        "labels": config["config"]["Labels"],
        "env": config["config"]["Env"],
        "cmd": config["config"]["Cmd"],
        "layers": config["rootfs"]["diff_ids"].as_array().map(Vec::len),
    })
}

/// The file as bake evaluates it: every `$${` and `%%{` template escape undone.
fn as_bake_reads_it(text: &str) -> BakeFile {
    let plain = text.replace("$${", "${").replace("%%{", "%{");
    serde_json::from_str(&plain).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn bake_pushes_the_tags_archgrid_pushes_with_the_same_images() {
    lab::ensure();
    let tag = fresh_tag("bake");
    let dir = fixture("bake", &tag);
    // tool's Dockerfile reads base by its registry name, with this run's tag.
    let env = [("BAKE_TAG", tag.as_str())];

    let out = archgrid_env(dir.path(), &["bake-file"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stderr
            .contains("left out: --network host --allow network.host ("),
        "{}",
        out.all()
    );
    let text = std::fs::read_to_string(dir.path().join("docker-bake.json")).unwrap();

    let printed = docker_in(
        dir.path(),
        &["buildx", "bake", "-f", "docker-bake.json", "--print"],
    );
    assert_eq!(printed.code, 0, "{}", printed.all());
    let printed: BakeFile = serde_json::from_str(&printed.stdout).expect("bake --print");
    let meant = as_bake_reads_it(&text);
    assert_eq!(printed.target, meant.target);
    let app = &printed.target["app-linux-arm64"];
    assert_eq!(app.args["NOTE"], "${HOME} %{ x } $ 100%");

    let plan = archgrid_env(dir.path(), &["plan", "--json"], &env);
    assert_eq!(plan.code, 0, "{}", plan.all());
    let plan: Value = serde_json::from_str(&plan.stdout).expect("plan --json");
    let cells: Vec<(String, String, String)> = plan["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap().to_string();
            (s("id"), s("platform"), s("image"))
        })
        .collect();
    assert_eq!(cells.len(), 6);

    // Without the cache, every step runs and prints its line, whatever an earlier run left.
    let baked = docker_in(
        dir.path(),
        &[
            "buildx",
            "bake",
            "-f",
            "docker-bake.json",
            "--no-cache",
            "--progress=plain",
        ],
    );
    assert_eq!(baked.code, 0, "{}", baked.all());
    for line in [
        "app: note intact on aarch64",
        "app: note intact on x86_64",
        "app: token mounted",
        "tool: base says from base",
    ] {
        assert!(
            baked.stderr.contains(line),
            "{line:?} missing\n{}",
            baked.all()
        );
    }
    assert!(
        !baked.stderr.contains("bake-file-test-token-value"),
        "{}",
        baked.all()
    );

    let mut by_bake = Vec::new();
    for (id, platform, image) in &cells {
        let config = image_config(image);
        let arch = platform.split('/').nth(1).unwrap();
        assert_eq!(config["architecture"], arch, "{id}: {image}");
        by_bake.push(essentials(&config));
    }

    // archgrid's own build of the same cells, to the same tags.
    let built = archgrid_env(dir.path(), &["build"], &env);
    assert_eq!(built.code, 0, "{}", built.all());
    for ((id, _, image), baked) in cells.iter().zip(&by_bake) {
        assert_eq!(&essentials(&image_config(image)), baked, "{id}: {image}");
    }
}
