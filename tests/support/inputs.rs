//! The inputs fixture (a secret, a variable, labels, per-platform args, a named context and a
//! registry cache) and what its tests read back.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::lab::{self, docker, fixture, fresh_tag};

pub const TOKEN_VAR: &str = "ARCHGRID_TEST_TOKEN";
pub const TAG_VAR: &str = "ARCHGRID_TEST_TAG";

/// A value no earlier run printed, so finding it anywhere is a leak from this run.
pub fn token() -> String {
    format!("tok-{}", fresh_tag("value"))
}

pub fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The inputs fixture with its tag taken from a variable and a `.env`, in a git work tree so
/// the revision label has a commit to name.
pub fn project(tag: &str) -> tempfile::TempDir {
    let dir = fixture("inputs", tag);
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap();
    let from = format!("tag = \"{tag}\"");
    assert!(text.contains(&from), "{text}");
    std::fs::write(
        &matrix,
        text.replace(&from, &format!("tag = \"${{{TAG_VAR}}}\"")),
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "DESCRIPTION=from the dotenv file\n",
    )
    .unwrap();
    for args in [
        &["init", "-q"][..],
        &["add", "-A"],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-q",
            "-m",
            "inputs",
        ],
    ] {
        let ok = std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    }
    dir
}

pub fn env<'a>(tag: &'a str, token: &'a str, sha: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        (TAG_VAR, tag),
        (TOKEN_VAR, token),
        ("ARCHGRID_TEST_TOKEN_SHA", sha),
    ]
}

/// Every file archgrid wrote beside the matrix, as text.
pub fn written(dir: &Path) -> String {
    let mut all = String::new();
    let mut stack = vec![dir.join(".archgrid")];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else if let Ok(bytes) = std::fs::read(&path) {
            all.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    all
}

/// The config (labels, history) of a pushed image, as the registry serves it.
pub fn image_config(image: &str) -> serde_json::Value {
    let out = docker(&[
        "buildx",
        "imagetools",
        "inspect",
        image,
        "--format",
        "{{json .Image}}",
    ]);
    assert_eq!(out.code, 0, "{image}: {}", out.all());
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{image}: {e}\n{}", out.all()))
}

pub fn log(dir: &Path, cell: &str) -> String {
    std::fs::read_to_string(dir.join(".archgrid/logs").join(format!("{cell}.log"))).unwrap()
}

/// Whether the log says the slow step came from a cache.
pub fn cached_sleep(log: &str) -> bool {
    log.lines()
        .any(|l| l.starts_with("# cached: ") && l.contains("RUN sleep 3"))
}

/// The tags of a repository in the lab registry, sorted.
pub fn registry_tags(repo: &str) -> Vec<String> {
    let url = format!("http://{}/v2/{repo}/tags/list", lab::REGISTRY);
    let body = ureq::get(&url)
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let mut tags: Vec<String> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    tags.sort();
    tags
}
