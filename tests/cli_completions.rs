//! `archgrid completions SHELL` works where there is no project at all.

mod support;

use support::lab::archgrid;

#[test]
fn completions_need_no_matrix() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = archgrid(dir.path(), &["completions", shell]);
        assert_eq!(out.code, 0, "{shell}\n{}", out.all());
        for word in [
            "build",
            "plan",
            "publish",
            "verify",
            "export",
            "doctor",
            "completions",
            "bake-file",
            // fish spells options without their dashes.
            "platform",
        ] {
            assert!(
                out.stdout.contains(word),
                "{shell}: no {word}\n{}",
                out.all()
            );
        }
    }
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "completions wrote into the directory"
    );
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = archgrid(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, 2, "{}", out.all());
}
