//! `archgrid builder create --dry-run` and the host-network refusal through the binary; neither
//! needs an engine.

mod support;

use support::lab::archgrid;

const MATRIX: &str = r#"[project]
name = "demo"
tag = "v1"
platforms = ["linux/amd64", "linux/arm64"]

[builder]
name = "archgrid"
network = "host"
create = true
driver = "docker-container"
driver_opts = { network = "host" }
buildkitd_flags = ["--allow-insecure-entitlement", "network.host"]
platforms = ["linux/amd64", "linux/arm64"]

[[component]]
name = "base"
context = "base"
"#;

fn project(matrix: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("base")).unwrap();
    std::fs::write(dir.path().join("base/Dockerfile"), "FROM scratch\n").unwrap();
    std::fs::write(dir.path().join("matrix.toml"), matrix).unwrap();
    dir
}

#[test]
fn dry_run_prints_the_commands_a_user_would_type() {
    let dir = project(MATRIX);
    let out = archgrid(dir.path(), &["builder", "create", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.all());
    assert_eq!(
        out.stdout,
        "docker buildx create --name archgrid --driver docker-container --driver-opt \
         network=host --buildkitd-flags '--allow-insecure-entitlement network.host' --platform \
         linux/amd64,linux/arm64 --bootstrap\n"
    );
    let out = archgrid(
        dir.path(),
        &["builder", "create", "--recreate", "--dry-run"],
    );
    assert_eq!(out.code, 0, "{}", out.all());
    assert!(
        out.stdout
            .starts_with("docker buildx rm archgrid\ndocker buildx create "),
        "{}",
        out.all()
    );
}

#[test]
fn host_network_without_the_entitlement_is_refused_before_anything_runs() {
    let dir = project(&MATRIX.replace(
        "buildkitd_flags = [\"--allow-insecure-entitlement\", \"network.host\"]\n",
        "",
    ));
    for args in [
        &["build"][..],
        &["builder", "create", "--dry-run"],
        &["doctor"],
    ] {
        let out = archgrid(dir.path(), args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.all());
        assert!(
            out.stderr.contains(
                "matrix.toml:8:11: builder.network = \"host\" makes builds ask for --allow \
                 network.host, but the docker-container builder's buildkitd_flags lack \
                 --allow-insecure-entitlement network.host; buildx before 0.13 starts BuildKit \
                 without it, and BuildKit then refuses every build\n  hint: declare the entitlement: buildkitd_flags = \
                 [\"--allow-insecure-entitlement\", \"network.host\"]"
            ),
            "{args:?}: {}",
            out.all()
        );
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.all());
    }
}

#[test]
fn create_without_a_builder_table_says_what_to_declare() {
    let dir = project(&MATRIX.replace(
        &MATRIX[MATRIX.find("[builder]").unwrap()..MATRIX.find("[[component]]").unwrap()],
        "",
    ));
    let out = archgrid(dir.path(), &["builder", "create"]);
    assert_eq!(out.code, 2, "{}", out.all());
    assert!(
        out.stderr.contains("has no [builder] table"),
        "{}",
        out.all()
    );
    assert!(out.stderr.contains("buildkitd_flags = ["), "{}", out.all());
}
