//! An imported compose project builds green on the lab: the matrix `archgrid import` writes is
//! one archgrid can build as it stands, with the compose file's args, target, secret, named
//! context and registry-name FROM all reaching the builds.

mod support;

use std::process::{Command, Stdio};

use support::inputs::image_config;
use support::lab::{self, copy_dir, fresh_tag, repo, Output};
use support::state;

#[test]
fn an_imported_compose_project_builds_green() {
    lab::ensure();
    let tag = fresh_tag("import");
    let work = tempfile::tempdir().unwrap();
    let src = work.path().join("src");
    copy_dir(&repo().join("tests/fixtures/import/compose"), &src);
    let out_dir = work.path().join("out");
    let run = |dir: &std::path::Path, args: &[&str]| -> Output {
        Command::new(env!("CARGO_BIN_EXE_archgrid"))
            .args(args)
            .current_dir(dir)
            .env_remove("GREETING_SUFFIX")
            .env("NPM_TOKEN", "imported-npm-token")
            .stdin(Stdio::null())
            .output()
            .expect("run archgrid")
            .into()
    };

    let out = run(&src, &["import", "--tag", &tag, "-o", "../out/matrix.toml"]);
    assert_eq!(out.code, 0, "{}", out.all());
    let out = run(&out_dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.all());

    let st = state::read(&out_dir);
    for id in [
        "base@linux/amd64",
        "base@linux/arm64",
        "api@linux/amd64",
        "web@linux/amd64",
        "web@linux/arm64",
    ] {
        assert_eq!(
            state::status(&st, id),
            Some(archgrid::model::RecordedStatus::Green),
            "{id}: {}",
            out.all()
        );
    }
    // The compose file's `$$5` and `${GREETING_SUFFIX:-paid in cash}` reached the build as
    // compose would have passed them.
    let config = image_config(&format!("localhost:5000/shop/base:{tag}-arm64"));
    assert_eq!(
        config["config"]["Labels"]["shop.greeting"],
        "costs $5, paid in cash"
    );
}
