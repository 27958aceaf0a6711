//! Secrets, variables, labels, per-platform args, named contexts and the registry cache, built
//! for real on the lab: each reaches the build it is meant for, and a secret's value shows
//! nowhere else.

mod support;

use std::time::Duration;

use support::inputs::{
    env, image_config, log, project, sha256, token, written, TAG_VAR, TOKEN_VAR,
};
use support::lab::{self, archgrid_env, fixture, fresh_tag};
use support::tmux::Tmux;

#[test]
fn a_secret_reaches_both_platforms_and_its_value_shows_nowhere_else() {
    lab::ensure();
    let tag = fresh_tag("inputs");
    let dir = project(&tag);
    let (token, sha) = {
        let t = token();
        let s = sha256(&t);
        (t, s)
    };
    let env = env(&tag, &token, &sha);

    // A variable without a value or default stops everything, at its position.
    let out = archgrid_env(dir.path(), &["plan"], &env[1..]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains(&format!("matrix.toml:7:8: variable {TAG_VAR} is not set")),
        "{}",
        out.stderr
    );
    // So does a secret whose variable is missing, naming it.
    let out = archgrid_env(dir.path(), &["plan"], &[env[0], env[2]]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .contains(&format!("the environment variable {TOKEN_VAR} is not set")),
        "{}",
        out.stderr
    );

    let plan = archgrid_env(dir.path(), &["plan", "--json"], &env);
    assert_eq!(plan.code, 0, "{}", plan.all());
    assert!(plan.stdout.contains(&format!("id=tok,env={TOKEN_VAR}")));
    assert!(!plan.all().contains(&token), "the plan shows the value");

    let out = archgrid_env(dir.path(), &["build"], &env);
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        !out.all().contains(&token),
        "headless output shows the value"
    );
    for (cell, machine, jobs) in [
        ("secret-amd64", "x86_64", 4),
        ("secret-arm64", "aarch64", 1),
    ] {
        let log = log(dir.path(), cell);
        // The RUN checked the sha256 of what it received, then printed it.
        assert!(log.contains("/run/secrets/tok: OK"), "{cell}:\n{log}");
        assert!(log.contains("the token is ***"), "{cell}:\n{log}");
        assert!(
            log.contains(&format!("jobs={jobs} on {machine}")),
            "{cell}:\n{log}"
        );
        assert!(
            log.contains("a note from the named context"),
            "{cell}:\n{log}"
        );
    }
    assert!(
        !written(dir.path()).contains(&token),
        "a file under .archgrid holds the value"
    );

    let revision = std::process::Command::new("git")
        .arg("-C")
        .arg(dir.path())
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    let revision = String::from_utf8(revision.stdout).unwrap();
    for arch in ["amd64", "arm64"] {
        // The tag came from the environment.
        let image = format!("localhost:5000/archgrid-test-inputs/secret:{tag}-{arch}");
        let config = image_config(&image);
        assert!(
            !config.to_string().contains(&token),
            "{image} holds the value"
        );
        let labels = &config["config"]["Labels"];
        assert_eq!(
            labels["org.opencontainers.image.title"], "secret",
            "{labels}"
        );
        assert_eq!(labels["org.opencontainers.image.version"], tag.as_str());
        assert_eq!(labels["org.opencontainers.image.revision"], revision.trim());
        assert_eq!(labels["org.opencontainers.image.vendor"], "archgrid tests");
        assert_eq!(
            labels["org.opencontainers.image.description"],
            "from the dotenv file"
        );
        assert!(config["history"].as_array().is_some_and(|h| !h.is_empty()));
    }

    // A failing step that prints the value: masked in headless lines, state and the log.
    let mut failing = env.clone();
    failing.push(("ARCHGRID_TEST_FAIL", "1"));
    let out = archgrid_env(dir.path(), &["build", "--platform", "amd64"], &failing);
    assert_eq!(out.code, 1, "{}", out.all());
    assert!(out.stdout.contains("failing with ***"), "{}", out.stdout);
    assert!(!out.all().contains(&token), "{}", out.all());
    assert!(log(dir.path(), "secret-amd64").contains("failing with ***"));
    assert!(!written(dir.path()).contains(&token));

    // The console shows the same failure masked.
    let t = Tmux::start("archgrid-secret", dir.path(), 160, 48);
    // Exported first and the screen cleared, so the value is not on screen as typed.
    t.type_line(&format!(
        "export {TAG_VAR}={tag} {TOKEN_VAR}={token} ARCHGRID_TEST_TOKEN_SHA={sha} ARCHGRID_TEST_FAIL=1; clear"
    ));
    t.keys(&["Enter"]);
    t.type_line(&format!(
        "{} --platform amd64 --force",
        env!("CARGO_BIN_EXE_archgrid")
    ));
    t.keys(&["Enter"]);
    let screen = t.wait_for(
        "the failure with its output",
        Duration::from_secs(180),
        |s| s.contains("failing with ***"),
    );
    assert!(!screen.contains(&token), "{screen}");
    t.keys(&["q"]);
}

#[test]
fn platform_selects_a_column_with_its_dependencies() {
    lab::ensure();
    let tag = fresh_tag("column");
    let dir = fixture("demo", &tag);
    let out = archgrid_env(
        dir.path(),
        &["build", "--platform=arm64", "--only", "app"],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    let st = support::state::read(dir.path());
    let built: Vec<&String> = st
        .cells
        .keys()
        .filter(|id| !st.cells[*id].attempts.is_empty())
        .collect();
    assert_eq!(
        built,
        ["app@linux/arm64", "base@linux/arm64"],
        "{}",
        out.stdout
    );
}
