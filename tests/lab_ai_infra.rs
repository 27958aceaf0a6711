//! The representative subset of examples/ai-infra on the lab, for both platforms: the os base,
//! an apt component (the toolchain, which installs gcc) and a compiled one (inference, a
//! multi-stage gcc build). The published lists are then run under `docker run --platform`.
//! The whole twelve-component grid takes minutes per arm64 cell; README.md there has its times.

mod support;

use std::path::Path;

use archgrid::model::RecordedStatus;
use support::lab::{self, archgrid, copy_dir, docker, fresh_tag, with_values};
use support::state;

const REGISTRY: &str = "localhost:5000/ai-infra-ci";
const SUBSET: [&str; 3] = ["os-base", "toolchain", "inference"];

/// A private copy of the example with its own registry path and a fresh tag.
fn example(tag: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("archgrid-ai-infra-")
        .tempdir()
        .unwrap();
    copy_dir(&lab::repo().join("examples/ai-infra"), dir.path());
    let path = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = with_values(&text, &[("registry", REGISTRY), ("tag", tag)]);
    std::fs::write(&path, text).unwrap();
    dir
}

fn green_cells(dir: &Path) -> Vec<String> {
    let st = state::read(dir);
    let mut green: Vec<String> = st
        .cells
        .keys()
        .filter(|id| state::status(&st, id) == Some(RecordedStatus::Green))
        .cloned()
        .collect();
    green.sort();
    green
}

fn run_image(image: &str, platform: &str, command: &[&str]) -> String {
    let mut args = vec![
        "run",
        "--rm",
        "--pull",
        "always",
        "--platform",
        platform,
        image,
    ];
    args.extend_from_slice(command);
    let out = docker(&args);
    assert_eq!(
        out.code,
        0,
        "docker run {image} ({platform}): {}",
        out.all()
    );
    out.stdout
}

#[test]
fn the_subset_builds_for_both_platforms_and_its_images_run() {
    lab::ensure();
    let tag = fresh_tag("ai");
    let dir = example(&tag);

    let out = archgrid(dir.path(), &["build", "--only", "inference"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let mut want: Vec<String> = SUBSET
        .iter()
        .flat_map(|c| [format!("{c}@linux/amd64"), format!("{c}@linux/arm64")])
        .collect();
    want.sort();
    assert_eq!(green_cells(dir.path()), want, "{}", out.all());

    for component in SUBSET {
        let out = archgrid(dir.path(), &["publish", "--component", component]);
        assert_eq!(out.code, 0, "publish {component}: {}", out.all());
    }

    for (platform, uname, dpkg) in [
        ("linux/amd64", "x86_64", "amd64"),
        ("linux/arm64", "aarch64", "arm64"),
    ] {
        let os_base = run_image(&format!("{REGISTRY}/os-base:{tag}"), platform, &[]);
        let want = format!("os-base 2026.11.1 uname={uname} dpkg={dpkg}");
        assert_eq!(os_base.trim(), want, "{platform}");

        let gcc = run_image(
            &format!("{REGISTRY}/toolchain:{tag}"),
            platform,
            &["gcc", "-dumpmachine"],
        );
        assert_eq!(gcc.trim(), format!("{uname}-linux-gnu"), "{platform}");

        let inference = run_image(&format!("{REGISTRY}/inference:{tag}"), platform, &[]);
        assert!(
            inference.starts_with(&format!("inference 1.3.0 uname={uname} built-for={uname} ")),
            "{platform}: {inference}"
        );
    }
}
