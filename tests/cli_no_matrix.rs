//! A folder with no matrix file: every command that needs one names the path it looked at and
//! how to get one.

mod support;

use std::path::Path;

use support::lab::{archgrid, Output};

const INIT: &str = "`archgrid init` proposes one from the Dockerfiles under a folder";
const ELSEWHERE: &str = "`--matrix PATH` uses a matrix file elsewhere";

/// Asserts exit 2 and the message for a missing `dir/matrix.toml`, whose import hint is
/// `import`.
fn says_how_to_get_a_matrix(out: &Output, dir: &Path, import: &str) {
    assert_eq!(out.code, 2, "{}", out.all());
    let path = dir.canonicalize().unwrap().join("matrix.toml");
    assert_eq!(
        out.stderr,
        format!(
            "error: no matrix file at {}\n  hint: {INIT}\n  hint: {import}\n  hint: {ELSEWHERE}\n",
            path.display()
        ),
        "{}",
        out.all()
    );
    assert!(out.stdout.is_empty(), "{}", out.all());
}

#[test]
fn the_console_without_a_matrix_names_the_path_and_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    // stdin is /dev/null and stdout a pipe: no terminal.
    let out = archgrid(dir.path(), &[]);
    says_how_to_get_a_matrix(
        &out,
        dir.path(),
        "`archgrid import FILE` makes one from a compose or bake file",
    );
}

#[test]
fn build_without_a_matrix_names_the_path_and_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = archgrid(dir.path(), &["build"]);
    says_how_to_get_a_matrix(
        &out,
        dir.path(),
        "`archgrid import FILE` makes one from a compose or bake file",
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "build wrote into the folder"
    );
}

#[test]
fn build_without_a_matrix_suggests_importing_the_compose_and_bake_files_there() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["docker-bake.hcl", "docker-compose.yml"] {
        std::fs::write(dir.path().join(name), "").unwrap();
    }
    let out = archgrid(dir.path(), &["build"]);
    says_how_to_get_a_matrix(
        &out,
        dir.path(),
        "`archgrid import docker-compose.yml` or `archgrid import docker-bake.hcl` makes one \
         from that file",
    );
}

#[test]
fn other_commands_without_a_matrix_say_the_same() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "").unwrap();
    for args in [
        &["plan"][..],
        &["publish"],
        &["verify"],
        &["export", "out"],
        &["builder", "inspect"],
    ] {
        let out = archgrid(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
        assert!(
            out.stderr
                .contains("`archgrid import compose.yaml` makes one from that file"),
            "{args:?}: {}",
            out.all()
        );
    }
}

#[test]
fn a_matrix_path_that_cannot_be_read_keeps_its_read_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("matrix.toml")).unwrap();
    let out = archgrid(dir.path(), &["build"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr
            .starts_with("matrix.toml: cannot read matrix file: "),
        "{}",
        out.all()
    );
    assert!(
        out.stderr
            .contains("hint: check the path and that the file is readable UTF-8 text"),
        "{}",
        out.all()
    );
}
