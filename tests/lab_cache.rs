//! The registry cache on the lab: after the local build cache is pruned, a rebuild takes its
//! steps from each cell's own ref. Alone in its binary, since it prunes the build cache every
//! other test relies on.

mod support;

use std::time::Duration;

use support::inputs::{cached_sleep, env, log, project, registry_tags, sha256, token};
use support::lab::{self, archgrid_env, docker, fresh_tag};

#[test]
fn the_registry_cache_survives_a_pruned_build_cache() {
    let tag = fresh_tag("cache");
    let dir = project(&tag);
    // A cache of its own, so no other run's cache can be what makes the second build fast.
    let matrix = dir.path().join("matrix.toml");
    let text = std::fs::read_to_string(&matrix).unwrap();
    let cache = format!("localhost:5000/archgrid-test-inputs/cache-{tag}");
    let text = text.replace("localhost:5000/archgrid-test-inputs/cache", &cache);
    std::fs::write(&matrix, text).unwrap();
    let token = token();
    let sha = sha256(&token);
    let env = env(&tag, &token, &sha);

    let _alone = lab::exclusive_lab(Duration::from_secs(600), "prunes the build cache");
    // Neither the local build cache nor the registry holds the steps yet.
    let pruned = docker(&["buildx", "prune", "-af"]);
    assert_eq!(pruned.code, 0, "{}", pruned.all());
    let out = archgrid_env(dir.path(), &["build"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    for cell in ["secret-amd64", "secret-arm64"] {
        assert!(
            !cached_sleep(&log(dir.path(), cell)),
            "{cell} was cached before"
        );
    }
    let pruned = docker(&["buildx", "prune", "-af"]);
    assert_eq!(pruned.code, 0, "{}", pruned.all());

    let out = archgrid_env(dir.path(), &["build", "--force"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    for cell in ["secret-amd64", "secret-arm64"] {
        let log = log(dir.path(), cell);
        assert!(
            cached_sleep(&log),
            "{cell}: the expensive step was built again:\n{log}"
        );
        assert!(log.contains("importing cache manifest from"), "{log}");
    }
    // One ref per cell, none shared.
    let repo = format!("{}/secret", cache.trim_start_matches("localhost:5000/"));
    let tags = registry_tags(&repo);
    assert_eq!(tags, ["cache-amd64", "cache-arm64"], "{repo}");
}
