//! A valid matrix read in full: every value kept, omitted settings defaulted, relative
//! paths resolved from the matrix file's directory, a file that cannot be read at all, and no
//! file.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::*;

const FULL: &str = r#"[project]
name = "demo"
registry = "localhost:5000/archgrid-demo"
tag = "v0.1.0"
tags = ["latest", "edge"]
platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"]

[builder]
name = "archgrid"
network = "host"
create = true
driver = "docker-container"
driver_opts = { network = "host" }
buildkitd_flags = ["--allow-insecure-entitlement", "network.host"]
platforms = ["linux/arm64"]
endpoint = "arm-box"

[retry]
attempts = 5
backoff = "1m30s"
engine_wait = "20m"

[platforms."linux/arm64/v8"]
builder = "arm-native"
concurrency = 2

[keys]
quit = "q"
retry = ["r", "ctrl+r"]

[[component]]
name = "base"
context = "assets/demo/base"
args = { GREETING = "hello \"quoted\" $HOME world" }

[[component]]
name = "app"
context = "./app"
dockerfile = "docker/Dockerfile.app"
platforms = ["linux/amd64", "linux/arm64/v8"]
target = "runtime"
depends_on = ["base"]
"#;

#[test]
fn full_example_parses_with_every_value() {
    let f = Fixture::new();
    f.image("assets/demo/base");
    fs::create_dir_all(f.root().join("app/docker")).unwrap();
    fs::write(f.root().join("app/docker/Dockerfile.app"), "FROM scratch\n").unwrap();
    let m = f.ok(FULL);
    let root = f.root();

    assert_eq!(m.path, f.matrix_path());
    assert_eq!(m.root, root);
    assert_eq!(
        m.project,
        Project {
            name: "demo".into(),
            registry: Some("localhost:5000/archgrid-demo".into()),
            tag: "v0.1.0".into(),
            tags: vec!["latest".into(), "edge".into()],
            platforms: vec![
                platform("linux/amd64"),
                platform("linux/arm64"),
                platform("linux/arm/v7")
            ],
            concurrency: Concurrency::Auto,
            labels: Default::default(),
            strict_deps: false,
        }
    );
    assert_eq!(
        m.builder,
        Some(BuilderConfig {
            name: Some("archgrid".into()),
            network: Some("host".into()),
            create: true,
            driver: Some("docker-container".into()),
            driver_opts: [("network".to_string(), "host".to_string())].into(),
            buildkitd_flags: vec!["--allow-insecure-entitlement".into(), "network.host".into()],
            platforms: vec![platform("linux/arm64")],
            endpoint: Some("arm-box".into()),
        })
    );
    assert_eq!(
        m.retry,
        RetryPolicy {
            attempts: 5,
            backoff: Duration::from_secs(90),
            engine_wait: Duration::from_secs(20 * 60),
        }
    );
    // The route is stored under the project's spelling of the platform.
    assert_eq!(
        m.platform_routes,
        [(
            platform("linux/arm64"),
            PlatformRoute {
                builder: Some("arm-native".into()),
                concurrency: Some(2)
            }
        )]
        .into()
    );
    assert_eq!(m.keys["quit"], ["q"]);
    assert_eq!(m.keys["retry"], ["r", "ctrl+r"]);

    let names: Vec<&str> = m.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["base", "app"]);

    let base = m.component("base").unwrap();
    assert_eq!(base.context, root.join("assets/demo/base"));
    assert_eq!(base.dockerfile, root.join("assets/demo/base/Dockerfile"));
    assert_eq!(base.platforms, m.project.platforms);
    assert_eq!(base.target, None);
    assert!(base.depends_on.is_empty());

    let app = m.component("app").unwrap();
    assert_eq!(app.context, root.join("app"));
    assert_eq!(app.dockerfile, root.join("app/docker/Dockerfile.app"));
    assert_eq!(
        app.platforms,
        [platform("linux/amd64"), platform("linux/arm64")]
    );
    assert_eq!(app.target.as_deref(), Some("runtime"));
    assert_eq!(app.depends_on, ["base"]);
    assert!(m.component("nope").is_none());
}

#[test]
fn omitted_settings_take_their_defaults() {
    let f = Fixture::new();
    let m = f.ok(&format!("{HEAD}{BASE}"));
    assert_eq!(m.project.registry, None);
    assert!(m.project.tags.is_empty());
    assert_eq!(m.project.concurrency, Concurrency::Auto);
    assert_eq!(m.builder, None);
    assert_eq!(
        m.retry,
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_secs(5),
            engine_wait: Duration::from_secs(15 * 60),
        }
    );
    assert!(m.platform_routes.is_empty());
    assert!(m.keys.is_empty());
    let base = &m.components[0];
    assert_eq!(base.dockerfile, f.root().join("base/Dockerfile"));
    assert_eq!(base.platforms, m.project.platforms);
    assert!(base.args.is_empty());
}

#[test]
fn partial_sections_default_the_rest() {
    let f = Fixture::new();
    let m = f.ok(&format!(
        "{HEAD}[builder]\nname = \"x\"\n\n[retry]\nbackoff = \"500ms\"\n\n{BASE}"
    ));
    let builder = m.builder.unwrap();
    assert!(!builder.create);
    assert!(builder.driver_opts.is_empty() && builder.platforms.is_empty());
    assert_eq!(m.retry.attempts, 3);
    assert_eq!(m.retry.backoff, Duration::from_millis(500));
}

#[test]
fn load_reads_the_file_and_resolves_from_its_directory() {
    let f = Fixture::new();
    fs::write(f.matrix_path(), format!("{HEAD}{BASE}")).unwrap();
    fs::create_dir_all(f.dir.path().join("sub")).unwrap();
    // A path with `..` in it still yields a canonical root.
    let path = f.dir.path().join("sub/../matrix.toml");
    let m = Matrix::load(&path).unwrap();
    assert_eq!(m.path, path);
    assert_eq!(m.root, f.root());
    assert_eq!(m.components[0].context, f.root().join("base"));
}

#[test]
fn unreadable_file_is_reported_without_a_position() {
    let f = Fixture::new();
    let path = f.dir.path().join("latin1.toml");
    fs::write(&path, b"[project]\nname = \"caf\xe9\"\n").unwrap();
    let Err(LoadError::Invalid(ConfigErrors(errors))) = Matrix::load(&path) else {
        panic!("a file that is not UTF-8 is there, but unreadable");
    };
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!((e.line, e.column), (0, 0));
    assert_eq!(e.file, path);
    assert!(
        e.message.starts_with("cannot read matrix file"),
        "{}",
        e.message
    );
    assert!(e.hint.is_some());
}

#[test]
fn a_missing_file_is_missing_not_invalid() {
    let f = Fixture::new();
    let path = f.dir.path().join("matrix.toml");
    let Err(LoadError::Missing(missing)) = Matrix::load(&path) else {
        panic!("nothing is at {}", path.display());
    };
    assert_eq!(missing.path, f.root().join("matrix.toml"));
}

#[test]
fn a_relative_matrix_path_still_gets_an_absolute_root() {
    let m = Matrix::from_str("", Path::new("matrix.toml"));
    // Nothing to build, but the error names the file as it was given.
    let errors = m.unwrap_err().0;
    assert!(errors.iter().all(|e| e.file == Path::new("matrix.toml")));
    assert_eq!(
        super::root_dir(Path::new("matrix.toml")),
        std::env::current_dir().unwrap().canonicalize().unwrap()
    );
}
