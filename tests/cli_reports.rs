//! `--junit` and `--report-json` through the binary where no engine is needed: a report that
//! could not be written is refused before anything runs.

mod support;

use support::lab::archgrid;

const MATRIX: &str = r#"[project]
name = "demo"
tag = "v1"
platforms = ["linux/amd64"]

[[component]]
name = "base"
context = "base"
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("base")).unwrap();
    std::fs::write(dir.path().join("base/Dockerfile"), "FROM scratch\n").unwrap();
    std::fs::write(dir.path().join("matrix.toml"), MATRIX).unwrap();
    dir
}

#[test]
fn a_report_folder_that_does_not_exist_stops_the_build_before_it_starts() {
    let dir = project();
    for args in [
        &["build", "--junit", "ci/out/junit.xml"][..],
        &["build", "--report-json", "ci/out/report.json"][..],
        &["--headless", "--report-json", "ci/out/report.json"][..],
    ] {
        let out = archgrid(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}\n{}", out.all());
        let folder = dir.path().join("ci/out");
        assert!(
            out.stderr
                .contains(&format!("the folder {} does not exist", folder.display())),
            "{}",
            out.all()
        );
        assert!(
            out.stderr
                .contains(&format!("mkdir -p {}", folder.display())),
            "{}",
            out.all()
        );
        // Nothing ran: not even the run's lock was taken.
        assert!(!dir.path().join(".archgrid").exists(), "{}", out.all());
    }
}

#[test]
fn a_folder_given_as_the_report_is_refused() {
    let dir = project();
    let out = archgrid(dir.path(), &["build", "--junit", "."]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(out.stderr.contains("it is a folder"), "{}", out.all());
}

#[test]
fn reports_are_only_for_a_build() {
    let dir = project();
    let out = archgrid(dir.path(), &["--junit", "j.xml", "plan"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("--junit and --report-json"),
        "{}",
        out.all()
    );
}

#[test]
fn build_help_names_both_flags() {
    let dir = project();
    let out = archgrid(dir.path(), &["build", "--help"]);
    assert_eq!(out.code, 0, "{}", out.all());
    for flag in ["--junit <PATH>", "--report-json <PATH>"] {
        assert!(out.stdout.contains(flag), "{flag}\n{}", out.all());
    }
}
