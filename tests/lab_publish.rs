//! `archgrid publish`, `verify` and `export` against the lab engine and registry.

mod support;

use std::collections::BTreeSet;
use std::path::Path;

use sha2::{Digest, Sha256};
use support::lab::{self, archgrid, docker, fixture, fresh_tag, list_images};
use support::state::digest as cell_digest;

const DEMO_REGISTRY: &str = "localhost:5000/archgrid-demo";
const DEMO: [&str; 5] = ["base", "app", "worker", "frontend", "gateway"];

fn absent(reference: &str) -> bool {
    let out = docker(&["buildx", "imagetools", "inspect", "--raw", reference]);
    out.code != 0 && out.stderr.contains("not found")
}

/// A demo copy with its own tag and an extra tag `{tag}-extra`, built green.
fn built_demo(name: &str) -> (tempfile::TempDir, String) {
    lab::ensure();
    let tag = fresh_tag(name);
    let dir = fixture("demo", &tag);
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap().replace(
        &format!("tag = \"{tag}\"\n"),
        &format!("tag = \"{tag}\"\ntags = [\"{tag}-extra\"]\n"),
    );
    std::fs::write(&matrix, text).unwrap();
    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.all());
    (dir, tag)
}

#[test]
fn publishing_the_demo_yields_lists_of_its_cells_and_again_is_a_no_op() {
    let (dir, tag) = built_demo("pub");
    let out = archgrid(dir.path(), &["publish"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for comp in DEMO {
        let want: BTreeSet<(String, String)> = ["linux/amd64", "linux/arm64"]
            .iter()
            .map(|p| {
                (
                    p.to_string(),
                    cell_digest(dir.path(), &format!("{comp}@{p}")),
                )
            })
            .collect();
        for t in [tag.clone(), format!("{tag}-extra")] {
            let reference = format!("{DEMO_REGISTRY}/{comp}:{t}");
            assert!(
                out.stdout
                    .contains(&format!("[{comp}] created {reference}\n")),
                "{}",
                out.all()
            );
            let images = list_images(&reference);
            assert_eq!(images.len(), 2, "{reference}: {images:?}");
            let got: BTreeSet<(String, String)> = images.into_iter().collect();
            assert_eq!(got, want, "{reference}");
        }
    }

    let again = archgrid(dir.path(), &["publish"]);
    assert_eq!(again.code, 0, "{}", again.all());
    assert_eq!(
        again
            .stdout
            .matches("unchanged: the registry already serves exactly these digests (no-op)")
            .count(),
        5,
        "{}",
        again.all()
    );
    assert!(
        !again.stdout.contains("imagetools create"),
        "{}",
        again.all()
    );
    assert!(
        again
            .stdout
            .contains("nothing to push: the registry already serves all 5 lists (no-op)"),
        "{}",
        again.all()
    );

    let verify = archgrid(dir.path(), &["verify"]);
    assert_eq!(verify.code, 0, "{}", verify.all());
    assert!(
        verify
            .stdout
            .contains("verify: 10 of 10 lists match the grid"),
        "{}",
        verify.all()
    );
}

#[test]
fn verify_reports_a_missing_and_a_duplicate_platform_and_publish_replaces_them() {
    let (dir, tag) = built_demo("verify");
    let d = |id: &str| cell_digest(dir.path(), id);
    let pinned = |comp: &str, id: &str| format!("{DEMO_REGISTRY}/{comp}@{}", d(id));
    // app without arm64
    let app = format!("{DEMO_REGISTRY}/app:{tag}");
    let made = docker(&[
        "buildx",
        "imagetools",
        "create",
        "--tag",
        &app,
        &pinned("app", "app@linux/amd64"),
    ]);
    assert_eq!(made.code, 0, "{}", made.all());
    // worker with a second amd64 image: base's, which imagetools takes without a word
    let worker = format!("{DEMO_REGISTRY}/worker:{tag}");
    let made = docker(&[
        "buildx",
        "imagetools",
        "create",
        "--tag",
        &worker,
        &pinned("worker", "worker@linux/amd64"),
        &pinned("worker", "worker@linux/arm64"),
        &pinned("base", "base@linux/amd64"),
    ]);
    assert_eq!(made.code, 0, "{}", made.all());

    let out = archgrid(dir.path(), &["verify", "--component", "app"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains(&format!("[app] {app} DIFFERS from the grid:")),
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains(&format!(
            "linux/arm64 is missing (want {})",
            d("app@linux/arm64")
        )),
        "{}",
        out.all()
    );

    let out = archgrid(dir.path(), &["verify", "--component", "worker"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains(&format!(
            "linux/amd64 appears 2 times: {}, {}",
            d("worker@linux/amd64"),
            d("base@linux/amd64")
        )),
        "{}",
        out.all()
    );

    // every list: the two above differ, the three never published are not there at all
    let out = archgrid(dir.path(), &["verify"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert_eq!(
        out.stdout.matches("the registry has no such tag").count(),
        3 + 5,
        "{}",
        out.all()
    );
    assert!(
        out.stdout.contains("verify: 0 of 10 lists match the grid"),
        "{}",
        out.all()
    );

    // publishing replaces both wrong lists with the cells' digests
    let out = archgrid(dir.path(), &["publish"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for comp in ["app", "worker"] {
        assert!(
            out.stdout.contains(&format!(
                "[{comp}] replaced {DEMO_REGISTRY}/{comp}:{tag} (it held"
            )),
            "{}",
            out.all()
        );
    }
    let got: BTreeSet<(String, String)> = list_images(&worker).into_iter().collect();
    let want: BTreeSet<(String, String)> = [
        ("linux/amd64".to_string(), d("worker@linux/amd64")),
        ("linux/arm64".to_string(), d("worker@linux/arm64")),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
    let out = archgrid(dir.path(), &["verify"]);
    assert_eq!(out.code, 0, "{}", out.all());
}

#[test]
fn a_failed_cell_means_nothing_is_published_and_the_export_is_partial() {
    lab::ensure();
    let tag = fresh_tag("refuse");
    let dir = fixture("failing", &tag);
    let built = archgrid(dir.path(), &["build"]);
    assert_eq!(built.code, 1, "{}", built.all());
    let registry = "localhost:5000/archgrid-test-failing";

    let out = archgrid(dir.path(), &["publish"]);
    assert_eq!(out.code, 1, "{}", out.all());
    for named in [
        "broken@linux/amd64 (failed)",
        "broken@linux/arm64 (failed)",
        "child@linux/amd64 (blocked)",
        "child@linux/arm64 (blocked)",
        "run `archgrid build`",
        "nothing was pushed",
    ] {
        assert!(out.stderr.contains(named), "{named}: {}", out.all());
    }
    for comp in ["base", "broken", "child", "solo"] {
        let reference = format!("{registry}/{comp}:{tag}");
        assert!(absent(&reference), "{reference} exists");
    }

    let dest = tempfile::tempdir().unwrap();
    let out = archgrid(dir.path(), &["export", dest.path().to_str().unwrap()]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout
            .contains("partial export: 4 of 8 images written; missing broken@linux/amd64 (failed)"),
        "{}",
        out.all()
    );
    for arch in ["amd64", "arm64"] {
        for comp in ["base", "solo"] {
            assert!(dest
                .path()
                .join(format!("{arch}/{comp}_{tag}.tar"))
                .is_file());
        }
        assert!(!dest
            .path()
            .join(format!("{arch}/broken_{tag}.tar"))
            .exists());
    }
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.path().join("index.json")).unwrap())
            .unwrap();
    assert_eq!(index["files"].as_array().unwrap().len(), 4);
    let missing: Vec<&str> = index["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["cell"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "broken@linux/amd64",
            "broken@linux/arm64",
            "child@linux/amd64",
            "child@linux/arm64"
        ]
    );

    // one component whose own cells are green can go alone
    let out = archgrid(dir.path(), &["publish", "--component", "solo"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(list_images(&format!("{registry}/solo:{tag}")).len(), 2);
    assert!(absent(&format!("{registry}/base:{tag}")));

    let out = archgrid(dir.path(), &["publish", "--component", "nosuch"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("no component named \"nosuch\""),
        "{}",
        out.all()
    );
}

#[test]
fn allow_partial_publishes_the_green_platforms_and_says_which_are_missing() {
    lab::ensure();
    let tag = fresh_tag("partial");
    let dir = fixture("demo", &tag);
    let out = archgrid(dir.path(), &["build", "--only", "base@linux/arm64"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let base = format!("{DEMO_REGISTRY}/base:{tag}");

    let out = archgrid(dir.path(), &["publish", "--component", "base"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stderr.contains("base@linux/amd64 (never built)"),
        "{}",
        out.all()
    );
    assert!(absent(&base));

    let out = archgrid(
        dir.path(),
        &["publish", "--component", "base", "--allow-partial"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .contains("[base] partial: missing linux/amd64 (base@linux/amd64 never built)"),
        "{}",
        out.all()
    );
    assert!(out.stdout.contains("result: partial"), "{}", out.all());
    assert_eq!(
        list_images(&base),
        [(
            "linux/arm64".to_string(),
            cell_digest(dir.path(), "base@linux/arm64")
        )]
    );

    // a partial list is not what the grid promises
    let out = archgrid(dir.path(), &["verify", "--component", "base"]);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(
        out.stdout.contains("linux/amd64 is missing"),
        "{}",
        out.all()
    );
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn exported_tarballs_load_back_with_their_architecture() {
    let (dir, tag) = built_demo("export");
    let dest = tempfile::tempdir().unwrap();
    let out = archgrid(dir.path(), &["export", dest.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout.contains("exported 10 of 10 images"),
        "{}",
        out.all()
    );
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dest.path().join("index.json")).unwrap())
            .unwrap();
    let files = index["files"].as_array().unwrap();
    assert_eq!(files.len(), 10, "{index}");
    for entry in files {
        let comp = entry["component"].as_str().unwrap();
        let platform = entry["platform"].as_str().unwrap();
        let arch = platform.rsplit('/').next().unwrap();
        let file = dest.path().join(entry["file"].as_str().unwrap());
        assert_eq!(
            entry["file"].as_str().unwrap(),
            format!("{arch}/{comp}_{tag}.tar")
        );
        assert_eq!(entry["sha256"].as_str().unwrap(), sha256_hex(&file));
        let digest = cell_digest(dir.path(), &format!("{comp}@{platform}"));
        assert_eq!(entry["digest"].as_str().unwrap(), digest);
        let image = format!("{DEMO_REGISTRY}/{comp}:{tag}-{arch}");
        assert_eq!(entry["tag"].as_str().unwrap(), image);

        // the engine forgets the tag, then the tarball alone brings it back
        let rm = docker(&["image", "rm", &image]);
        assert_eq!(rm.code, 0, "{}", rm.all());
        let load = docker(&["load", "--input", file.to_str().unwrap()]);
        assert_eq!(load.code, 0, "{}", load.all());
        assert!(
            load.stdout.contains(&format!("Loaded image: {image}")),
            "{}",
            load.all()
        );
        let inspect = docker(&[
            "image",
            "inspect",
            "--format",
            "{{.Architecture}} {{.Id}}",
            &image,
        ]);
        assert_eq!(inspect.code, 0, "{}", inspect.all());
        // with the containerd image store the image ID is the manifest digest the cell pushed
        assert_eq!(inspect.stdout.trim(), format!("{arch} {digest}"), "{image}");
    }

    let arm = tempfile::tempdir().unwrap();
    let out = archgrid(
        dir.path(),
        &[
            "export",
            arm.path().to_str().unwrap(),
            "--platform",
            "linux/arm64",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let mut top: Vec<String> = std::fs::read_dir(arm.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["arm64", "index.json"]);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(arm.path().join("index.json")).unwrap())
            .unwrap();
    let platforms: BTreeSet<&str> = index["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, BTreeSet::from(["linux/arm64"]));
    assert_eq!(index["files"].as_array().unwrap().len(), 5);

    let out = archgrid(
        dir.path(),
        &[
            "export",
            arm.path().to_str().unwrap(),
            "--platform",
            "linux/s390x",
        ],
    );
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains("--platform linux/s390x: not a platform of this project"),
        "{}",
        out.all()
    );
}
