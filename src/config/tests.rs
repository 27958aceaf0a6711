use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;

/// A temporary project directory with `base/Dockerfile` and `app/Dockerfile`.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let fixture = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        fixture.image("base");
        fixture.image("app");
        fixture
    }

    fn image(&self, rel: &str) {
        let dir = self.dir.path().join(rel);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("Dockerfile"), "FROM scratch\n").unwrap();
    }

    fn root(&self) -> PathBuf {
        self.dir.path().canonicalize().unwrap()
    }

    fn matrix_path(&self) -> PathBuf {
        self.dir.path().join("matrix.toml")
    }

    fn parse(&self, text: &str) -> Result<Matrix, ConfigErrors> {
        Matrix::from_str(text, &self.matrix_path())
    }

    fn ok(&self, text: &str) -> Matrix {
        self.parse(text)
            .unwrap_or_else(|e| panic!("expected a valid matrix, got:\n{e}"))
    }

    fn errors(&self, text: &str) -> Vec<ConfigError> {
        match self.parse(text) {
            Ok(m) => panic!("expected errors, got a matrix: {m:#?}"),
            Err(e) => e.0,
        }
    }
}

fn list(errors: &[ConfigError]) -> String {
    ConfigErrors(errors.to_vec()).to_string()
}

/// Finds the error whose message contains `needle` and checks where it
/// points; every error must also carry a hint.
fn error_at<'a>(
    errors: &'a [ConfigError],
    needle: &str,
    line: usize,
    column: usize,
) -> &'a ConfigError {
    let found = errors
        .iter()
        .find(|e| e.message.contains(needle))
        .unwrap_or_else(|| panic!("no error containing {needle:?} in:\n{}", list(errors)));
    assert_eq!(
        (found.line, found.column),
        (line, column),
        "position of {:?}",
        found.message
    );
    assert!(found.hint.is_some(), "{:?} has no hint", found.message);
    found
}

/// Like [`error_at`], and also that nothing else was reported.
fn only_error<'a>(
    errors: &'a [ConfigError],
    needle: &str,
    line: usize,
    column: usize,
) -> &'a ConfigError {
    assert_eq!(
        errors.len(),
        1,
        "expected one error, got:\n{}",
        list(errors)
    );
    error_at(errors, needle, line, column)
}

fn hint(error: &ConfigError) -> &str {
    error.hint.as_deref().unwrap_or_default()
}

fn platform(s: &str) -> Platform {
    s.parse().unwrap()
}

/// Four lines and a blank, so whatever follows starts on line 6.
const HEAD: &str = r#"[project]
name = "demo"
tag = "v0.1.0"
platforms = ["linux/amd64", "linux/arm64"]

"#;

/// Lines 6 to 8.
const BASE: &str = r#"[[component]]
name = "base"
context = "base"
"#;

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
            concurrency: 6,
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
            backoff: Duration::from_secs(90)
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
    assert_eq!(m.project.concurrency, 4, "2 × two platforms");
    assert_eq!(m.builder, None);
    assert_eq!(
        m.retry,
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_secs(5)
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
fn build_arg_values_are_kept_byte_exact() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}{}",
        r#"args = { GREETING = "hello \"quoted\" $HOME world", LITERAL = 'C:\dir\n $(x) `y`', EMPTY = "", "ÜNÏ" = "✓ ; | & > <" }
"#
    );
    let m = f.ok(&text);
    let args = &m.components[0].args;
    assert_eq!(args["GREETING"], "hello \"quoted\" $HOME world");
    assert_eq!(
        args["GREETING"].as_bytes(),
        br#"hello "quoted" $HOME world"#
    );
    assert_eq!(args["LITERAL"], r"C:\dir\n $(x) `y`");
    assert_eq!(args["EMPTY"], "");
    assert_eq!(args["ÜNÏ"], "✓ ; | & > <");
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
    let path = f.dir.path().join("missing.toml");
    let errors = Matrix::load(&path).unwrap_err().0;
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
fn toml_syntax_errors_point_at_the_problem() {
    let f = Fixture::new();
    let text = format!("{HEAD}[[component]]\nname \"base\"\ncontext = \"base\"\n");
    let errors = f.errors(&text);
    let e = only_error(&errors, "expected", 7, 6);
    assert!(hint(e).contains("quotes, brackets and commas"), "{e:?}");
}

#[test]
fn unquoted_platform_keys_get_a_quoting_hint() {
    let f = Fixture::new();
    let text = format!("{HEAD}[platforms.linux/arm64]\nbuilder = \"x\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "invalid unquoted key", 6, 17);
    assert!(hint(e).contains(r#"[platforms."linux/arm64"]"#), "{e:?}");
}

#[test]
fn every_syntax_error_is_reported() {
    let f = Fixture::new();
    let text = "[project]\nname = \"demo\"\nname = \"again\"\ntag = = \"x\"\n";
    let errors = f.errors(text);
    let dup = error_at(&errors, "duplicate key", 3, 1);
    assert!(hint(dup).contains("only once"));
    error_at(&errors, "extra `=`", 4, 7);
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn unknown_keys_are_named_with_the_allowed_ones() {
    let f = Fixture::new();
    let text = format!(
        r#"{HEAD}[[component]]
nmae = "base"
context = "base"
colour = "red"

[extras]
x = 1
"#
    );
    let errors = f.errors(&text);
    let e = error_at(&errors, "unknown key `nmae` in [[component]]", 7, 1);
    assert!(hint(e).starts_with("did you mean `name`?"), "{e:?}");
    assert!(
        hint(e).contains("name, context, dockerfile, args, platforms, target, depends_on"),
        "{e:?}"
    );
    let e = error_at(&errors, "unknown key `colour`", 9, 1);
    assert!(hint(e).starts_with("remove it; allowed keys:"), "{e:?}");
    let e = error_at(&errors, "unknown key `extras` in the top level", 11, 2);
    assert!(hint(e).contains("project, builder, retry, platforms, keys, component"));
    // The rest of the table is still checked.
    let e = error_at(&errors, "missing required key `name`", 6, 1);
    assert_eq!(hint(e), r#"add name = "base""#);
    assert_eq!(errors.len(), 4, "{}", list(&errors));
}

#[test]
fn unknown_keys_in_project_builder_retry_and_routes() {
    let f = Fixture::new();
    let text = r#"[project]
name = "demo"
tag = "v0.1.0"
platform = ["linux/amd64"]
platforms = ["linux/amd64"]

[builder]
drvier = "docker"

[retry]
attempt = 2

[platforms."linux/amd64"]
buidler = "x"

[[component]]
name = "base"
context = "base"
"#;
    let errors = f.errors(text);
    let e = error_at(&errors, "unknown key `platform` in [project]", 4, 1);
    assert!(hint(e).starts_with("did you mean `platforms`?"));
    let e = error_at(&errors, "unknown key `drvier` in [builder]", 8, 1);
    assert!(hint(e).starts_with("did you mean `driver`?"));
    let e = error_at(&errors, "unknown key `attempt` in [retry]", 11, 1);
    assert!(hint(e).starts_with("did you mean `attempts`?"));
    let e = error_at(
        &errors,
        r#"unknown key `buidler` in [platforms."linux/amd64"]"#,
        14,
        1,
    );
    assert!(hint(e).starts_with("did you mean `builder`?"));
    assert_eq!(errors.len(), 4, "{}", list(&errors));
}

#[test]
fn wrong_types_name_the_key_and_show_an_example() {
    let f = Fixture::new();
    let text = r#"[project]
name = "demo"
tag = "v0.1.0"
platforms = ["linux/amd64"]
concurrency = "4"

[builder]
create = "yes"

[[component]]
name = "base"
context = "base"
depends_on = "app"
"#;
    let errors = f.errors(text);
    let e = error_at(
        &errors,
        r#"`concurrency` in [project]: invalid type: string "4", expected a non-negative integer"#,
        5,
        15,
    );
    assert_eq!(hint(e), "write it like: concurrency = 4");
    error_at(&errors, "`create` in [builder]: invalid type", 8, 10);
    let e = error_at(
        &errors,
        r#"`depends_on` in [[component]] "base": invalid type: string "app", expected an array"#,
        13,
        14,
    );
    assert_eq!(hint(e), r#"write it like: depends_on = ["base"]"#);
    assert_eq!(errors.len(), 3, "{}", list(&errors));
}

#[test]
fn a_section_of_the_wrong_shape_is_reported() {
    let f = Fixture::new();
    let text = format!("project = \"demo\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "[project] must be a table, not string", 1, 11);
    assert!(hint(e).contains("[project] section"));
}

#[test]
fn bad_platform_strings() {
    let f = Fixture::new();
    let text = r#"[project]
name = "demo"
tag = "v0.1.0"
platforms = ["linux/amd64", "amd64", "Linux/ARM64"]

[[component]]
name = "base"
context = "base"
"#;
    let errors = f.errors(text);
    let e = error_at(&errors, r#"invalid platform "amd64""#, 4, 29);
    assert!(e.message.contains("os/arch[/variant]"));
    assert!(hint(e).contains(r#"platforms look like "linux/arm64""#));
    error_at(&errors, r#"invalid platform "Linux/ARM64""#, 4, 38);
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn a_platform_listed_twice_is_reported() {
    let f = Fixture::new();
    let text = r#"[project]
name = "demo"
tag = "v0.1.0"
platforms = ["linux/arm64", "linux/arm64/v8"]

[[component]]
name = "base"
context = "base"
"#;
    let errors = f.errors(text);
    only_error(&errors, "platform linux/arm64/v8 is listed twice", 4, 29);
}

#[test]
fn component_platform_must_be_a_project_platform() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}platforms = [\"linux/arm64\", \"linux/s390x\"]\n");
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"component "base" builds linux/s390x, which is not in project.platforms"#,
        9,
        29,
    );
    assert!(hint(e).contains(r#"add "linux/s390x" to project.platforms"#));
}

#[test]
fn component_platforms_may_use_another_spelling_of_a_project_platform() {
    let f = Fixture::new();
    let m = f.ok(&format!("{HEAD}{BASE}platforms = [\"linux/arm64/v8\"]\n"));
    assert_eq!(m.components[0].platforms, [platform("linux/arm64")]);
}

#[test]
fn duplicate_component_names() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}\n[[component]]\nname = \"base\"\ncontext = \"app\"\n");
    let errors = f.errors(&text);
    let e = only_error(&errors, r#"duplicate component name "base""#, 11, 8);
    assert!(hint(e).contains("already defined on line 7"), "{e:?}");
}

#[test]
fn unknown_dependency_suggests_the_closest_name() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}\n[[component]]\nname = \"app\"\ncontext = \"app\"\ndepends_on = [\"bsae\", \"frontend\"]\n"
    );
    let errors = f.errors(&text);
    let e = error_at(
        &errors,
        r#"component "app" depends on unknown component "bsae""#,
        13,
        15,
    );
    assert_eq!(hint(e), r#"did you mean "base"?"#);
    let e = error_at(&errors, r#"unknown component "frontend""#, 13, 23);
    assert_eq!(
        hint(e),
        "depends_on takes names of other components: base, app"
    );
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn dependency_on_a_component_that_failed_to_parse_is_not_reported_again() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[[component]]\nname = \"base\"\ncontext = 1\n\n[[component]]\nname = \"app\"\ncontext = \"app\"\ndepends_on = [\"base\"]\n"
    );
    let errors = f.errors(&text);
    only_error(&errors, "`context` in [[component]] \"base\"", 8, 11);
}

#[test]
fn dependency_cycles_print_the_loop() {
    let f = Fixture::new();
    let text = format!(
        r#"{HEAD}[[component]]
name = "a"
context = "base"
depends_on = ["b"]

[[component]]
name = "b"
context = "base"
depends_on = ["c"]

[[component]]
name = "c"
context = "base"
depends_on = ["a"]
"#
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, "dependency cycle: a -> b -> c -> a", 19, 15);
    assert!(hint(e).contains("remove one of these depends_on entries"));
}

#[test]
fn a_component_depending_on_itself_is_a_cycle() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}depends_on = [\"base\"]\n");
    let errors = f.errors(&text);
    only_error(&errors, "dependency cycle: base -> base", 9, 15);
}

#[test]
fn a_dependency_must_cover_its_dependents_platforms() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}platforms = [\"linux/amd64\"]\n\n[[component]]\nname = \"app\"\ncontext = \"app\"\ndepends_on = [\"base\"]\n"
    );
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        "app builds linux/arm64 but its dependency base does not",
        14,
        15,
    );
    assert!(hint(e).contains("add linux/arm64 to base's platforms"));
}

#[test]
fn missing_context_directory() {
    let f = Fixture::new();
    let text = format!("{HEAD}[[component]]\nname = \"base\"\ncontext = \"nope/base\"\n");
    let errors = f.errors(&text);
    let expected = format!(
        "context directory {} does not exist",
        f.root().join("nope/base").display()
    );
    let e = only_error(&errors, &expected, 8, 11);
    assert!(hint(e).contains(&f.root().display().to_string()));
}

#[test]
fn context_that_is_a_file() {
    let f = Fixture::new();
    let text = format!("{HEAD}[[component]]\nname = \"base\"\ncontext = \"base/Dockerfile\"\n");
    let errors = f.errors(&text);
    only_error(&errors, "is not a directory", 8, 11);
}

#[test]
fn missing_default_dockerfile_points_at_the_context() {
    let f = Fixture::new();
    fs::create_dir_all(f.dir.path().join("empty")).unwrap();
    let text = format!("{HEAD}[[component]]\nname = \"base\"\ncontext = \"empty\"\n");
    let errors = f.errors(&text);
    let expected = format!(
        "Dockerfile not found: {}",
        f.root().join("empty/Dockerfile").display()
    );
    let e = only_error(&errors, &expected, 8, 11);
    assert!(hint(e).contains("dockerfile = "));
}

#[test]
fn missing_explicit_dockerfile_points_at_the_dockerfile() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}dockerfile = \"./build/Dockerfile.prod\"\n");
    let errors = f.errors(&text);
    let expected = format!(
        "Dockerfile not found: {}",
        f.root().join("base/build/Dockerfile.prod").display()
    );
    only_error(&errors, &expected, 9, 14);
}

#[test]
fn registry_with_invalid_characters() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"demo\"\nregistry = \"localhost:5000/ArchGrid\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"registry "localhost:5000/ArchGrid" has an invalid path component "ArchGrid""#,
        3,
        12,
    );
    assert!(hint(e).contains("lowercase"));
}

#[test]
fn registry_with_a_scheme() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"demo\"\nregistry = \"https://ghcr.io/acme/\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, "must not include a scheme", 3, 12);
    assert_eq!(hint(e), r#"drop the scheme: registry = "ghcr.io/acme""#);
}

#[test]
fn component_names_must_be_valid_image_names() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[[component]]\nname = \"Base\"\ncontext = \"base\"\n\n[[component]]\nname = \"my app\"\ncontext = \"app\"\n"
    );
    let errors = f.errors(&text);
    let e = error_at(&errors, r#"invalid component name "Base""#, 7, 8);
    assert!(hint(e).contains("lowercase"));
    error_at(&errors, r#"invalid component name "my app""#, 11, 8);
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn tags_must_be_valid_docker_tags() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"demo\"\ntag = \"v1/2\"\ntags = [\"latest\", \"-edge\"]\nplatforms = [\"linux/amd64\"]\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = error_at(&errors, r#"invalid tag "v1/2" in project.tag"#, 3, 7);
    assert!(hint(e).contains(r#"e.g. "v0.1.0""#));
    error_at(&errors, r#"invalid tag "-edge" in project.tags"#, 4, 19);
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn empty_project_platforms() {
    let f = Fixture::new();
    let text = format!("[project]\nname = \"demo\"\ntag = \"v1\"\nplatforms = []\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "project.platforms is empty", 4, 13);
    assert!(hint(e).contains(r#"platforms = ["linux/amd64""#));
}

#[test]
fn empty_component_platforms() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}platforms = []\n");
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"component "base" has an empty platforms list"#,
        9,
        13,
    );
    assert!(hint(e).contains("remove `platforms`"));
}

#[test]
fn project_concurrency_zero() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"demo\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\nconcurrency = 0\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, "project.concurrency must be at least 1", 5, 15);
    assert!(hint(e).contains("2 × platforms (2)"), "{e:?}");
}

#[test]
fn route_concurrency_zero() {
    let f = Fixture::new();
    let text = format!("{HEAD}[platforms.\"linux/arm64\"]\nconcurrency = 0\n\n{BASE}");
    let errors = f.errors(&text);
    only_error(
        &errors,
        r#"concurrency in [platforms."linux/arm64"] must be at least 1"#,
        7,
        15,
    );
}

#[test]
fn routes_must_name_valid_project_platforms() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[platforms.\"linux/s390x\"]\nbuilder = \"z\"\n\n[platforms.arm64]\nbuilder = \"a\"\n\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = error_at(
        &errors,
        "configures linux/s390x, which is not in project.platforms",
        6,
        12,
    );
    assert!(hint(e).contains("remove this table"));
    let e = error_at(&errors, r#"invalid platform "arm64""#, 9, 12);
    assert!(hint(e).contains("linux/arm64"));
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn unparsable_backoff() {
    let f = Fixture::new();
    let text = format!("{HEAD}[retry]\nbackoff = \"soon\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, r#"retry.backoff: invalid duration "soon""#, 7, 11);
    assert!(hint(e).contains(r#"backoff = "5s""#));
}

#[test]
fn retry_attempts_zero() {
    let f = Fixture::new();
    let text = format!("{HEAD}[retry]\nattempts = 0\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "retry.attempts must be at least 1", 7, 12);
    assert!(hint(e).contains("use 1 for no retries"));
}

#[test]
fn builder_network_must_be_host() {
    let f = Fixture::new();
    let text = format!("{HEAD}[builder]\nnetwork = \"bridge\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"builder.network "bridge" is not supported"#,
        7,
        11,
    );
    assert!(hint(e).contains(r#"network = "host""#));
}

#[test]
fn builder_driver_must_be_known() {
    let f = Fixture::new();
    let text = format!("{HEAD}[builder]\ndriver = \"docker-containr\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"unknown builder driver "docker-containr""#,
        7,
        10,
    );
    assert!(
        hint(e).starts_with(r#"did you mean "docker-container"?"#),
        "{e:?}"
    );
    assert!(hint(e).contains("docker-container, docker, remote, kubernetes"));
}

#[test]
fn builder_platforms_are_checked() {
    let f = Fixture::new();
    let text = format!("{HEAD}[builder]\nplatforms = [\"arm64\"]\n\n{BASE}");
    let errors = f.errors(&text);
    only_error(&errors, r#"invalid platform "arm64""#, 7, 14);
}

#[test]
fn an_empty_component_list() {
    let f = Fixture::new();
    let errors = f.errors(&format!("component = []\n\n{HEAD}"));
    let e = only_error(&errors, "no components", 1, 13);
    assert!(hint(e).contains("[[component]]"));
}

#[test]
fn no_components_at_all_points_at_the_end_of_the_file() {
    let f = Fixture::new();
    let errors = f.errors(HEAD);
    only_error(&errors, "no components", 6, 1);
}

#[test]
fn missing_project_table() {
    let f = Fixture::new();
    let errors = f.errors(BASE);
    let e = only_error(&errors, "missing [project] table", 1, 1);
    assert!(hint(e).contains("tag"));
}

#[test]
fn missing_required_project_keys() {
    let f = Fixture::new();
    let errors = f.errors(&format!("[project]\nname = \"demo\"\n\n{BASE}"));
    let e = error_at(&errors, "[project] is missing required key `tag`", 1, 1);
    assert_eq!(hint(e), r#"add tag = "v0.1.0""#);
    assert_eq!(errors.len(), 1, "{}", list(&errors));
}

#[test]
fn build_arg_names_must_be_usable() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}args = {{ \"\" = \"x\", \"A=B\" = \"y\", OK = \"z\" }}\n");
    let errors = f.errors(&text);
    let e = error_at(
        &errors,
        r#"build arg name "" in component "base" is empty"#,
        9,
        10,
    );
    assert!(hint(e).contains("GREETING"));
    error_at(
        &errors,
        r#"build arg name "A=B" in component "base" contains '='"#,
        9,
        20,
    );
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn columns_count_characters_not_bytes() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}args = {{ \"ÄÖÜ\" = \"ü\", \"B=\" = \"2\" }}\n");
    let errors = f.errors(&text);
    // Counting bytes would put this at column 27.
    only_error(&errors, r#"build arg name "B=""#, 9, 23);
}

#[test]
fn key_bindings_accept_a_key_or_a_list() {
    let f = Fixture::new();
    let text = format!("{HEAD}[keys]\nquit = 3\nhelp = [\"?\", 1]\nup = \"k\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = error_at(
        &errors,
        "keys.quit must be a key name or an array of key names",
        7,
        8,
    );
    assert!(hint(e).contains(r#"quit = ["q", "ctrl+c"]"#));
    error_at(&errors, "keys.help must be", 8, 14);
    assert_eq!(errors.len(), 2, "{}", list(&errors));
}

#[test]
fn all_problems_are_reported_in_file_order() {
    let f = Fixture::new();
    let text = r#"[project]
name = "demo"
tag = "v1/2"
platforms = ["linux/amd64", "amd64"]

[builder]
network = "bridge"

[retry]
attempts = 0

[[component]]
name = "base"
context = "missing"
"#;
    let errors = f.errors(text);
    let positions: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(positions, [(3, 7), (4, 29), (7, 11), (10, 12), (14, 11)]);
}

#[test]
fn errors_display_as_file_line_column_then_hint() {
    let f = Fixture::new();
    let text = format!("{HEAD}[retry]\nattempts = 0\n\n{BASE}");
    let shown = f.parse(&text).unwrap_err().to_string();
    assert_eq!(
        shown,
        format!(
            "{}:7:12: retry.attempts must be at least 1\n  hint: attempts counts the first try too: use 1 for no retries",
            f.matrix_path().display()
        )
    );
}

#[test]
fn parse_duration_is_public() {
    assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    assert!(parse_duration("soon").is_err());
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

#[test]
fn project_name_must_not_be_blank() {
    let f = Fixture::new();
    let text =
        format!("[project]\nname = \"  \"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "project.name is empty", 2, 8);
    assert!(hint(e).contains(r#"name = "demo""#));
}

#[test]
fn two_spellings_of_one_platform_cannot_both_be_routed() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[platforms.\"linux/arm64\"]\nbuilder = \"a\"\n\n[platforms.\"linux/arm64/v8\"]\nbuilder = \"b\"\n\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"[platforms."linux/arm64/v8"] configures linux/arm64 a second time"#,
        9,
        12,
    );
    assert!(hint(e).contains("merge"));
}

#[test]
fn project_name_must_be_usable_in_image_names() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"My Demo\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, r#"invalid project name "My Demo""#, 2, 8);
    assert!(hint(e).contains("lowercase"));
}

/// A docker-container builder with host networking, as `archgrid builder create` makes it;
/// `[builder]` is on line 6.
fn host_builder(driver_opts: &str, flags: &str) -> String {
    format!(
        "{HEAD}[builder]\nname = \"archgrid\"\nnetwork = \"host\"\ncreate = true\n\
         driver = \"docker-container\"\n{driver_opts}{flags}\n{BASE}"
    )
}

const HOST_OPTS: &str = "driver_opts = { network = \"host\" }\n";
const ENTITLEMENT: &str =
    "buildkitd_flags = [\"--allow-insecure-entitlement\", \"network.host\"]\n";

#[test]
fn a_host_network_builder_declared_in_full_is_accepted() {
    let f = Fixture::new();
    let m = f.ok(&host_builder(HOST_OPTS, ENTITLEMENT));
    let b = m.builder.unwrap();
    assert_eq!(
        b.buildkitd_flags,
        ["--allow-insecure-entitlement", "network.host"]
    );
    assert_eq!(b.driver_opts["network"], "host");
    // The flag's `=` form grants the same entitlement.
    f.ok(&host_builder(
        HOST_OPTS,
        "buildkitd_flags = [\"--allow-insecure-entitlement=network.host\"]\n",
    ));
}

#[test]
fn host_network_without_the_entitlement_is_refused_naming_the_fix() {
    let f = Fixture::new();
    let errors = f.errors(&host_builder(HOST_OPTS, ""));
    let e = only_error(
        &errors,
        "lack --allow-insecure-entitlement network.host",
        8,
        11,
    );
    assert!(
        e.message.contains("BuildKit then refuses every build"),
        "{e}"
    );
    assert_eq!(
        hint(e),
        r#"declare the entitlement: buildkitd_flags = ["--allow-insecure-entitlement", "network.host"]"#
    );
}

#[test]
fn daemon_flags_without_the_entitlement_are_pointed_at_and_kept_in_the_fix() {
    let f = Fixture::new();
    let errors = f.errors(&host_builder(
        HOST_OPTS,
        "buildkitd_flags = [\"--debug\"]\n",
    ));
    let e = only_error(&errors, "lack --allow-insecure-entitlement", 12, 19);
    assert_eq!(
        hint(e),
        r#"declare the entitlement: buildkitd_flags = ["--debug", "--allow-insecure-entitlement", "network.host"]"#
    );
}

#[test]
fn create_without_a_driver_is_held_to_buildx_default_driver() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[builder]\nname = \"archgrid\"\nnetwork = \"host\"\ncreate = true\n{HOST_OPTS}\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        "the docker-container builder's buildkitd_flags",
        8,
        11,
    );
    assert!(hint(e).contains("network.host"));
}

#[test]
fn the_builder_container_must_be_on_the_host_network_too() {
    let f = Fixture::new();
    let errors = f.errors(&host_builder("", ENTITLEMENT));
    let e = only_error(&errors, "driver_opts has no network = \"host\"", 8, 11);
    assert_eq!(hint(e), r#"set driver_opts = { network = "host" }"#);

    let opts = "driver_opts = { image = \"moby/buildkit:v0.13.2\", network = \"bridge\" }\n";
    let errors = f.errors(&host_builder(opts, ENTITLEMENT));
    let e = only_error(&errors, "on network \"bridge\"", 11, 15);
    assert_eq!(
        hint(e),
        r#"set driver_opts = { network = "host", image = "moby/buildkit:v0.13.2" }"#
    );
}

#[test]
fn drivers_whose_daemon_buildx_does_not_start_are_not_held_to_the_flag() {
    let f = Fixture::new();
    for driver in ["docker", "remote"] {
        let text = format!(
            "{HEAD}[builder]\nname = \"b\"\nnetwork = \"host\"\ndriver = \"{driver}\"\n\n{BASE}"
        );
        f.ok(&text);
    }
    // Only named, the builder is checked against its real daemon flags before building.
    f.ok(&format!(
        "{HEAD}[builder]\nname = \"b\"\nnetwork = \"host\"\n\n{BASE}"
    ));
    // Without host networking nothing asks for the entitlement.
    f.ok(&format!(
        "{HEAD}[builder]\nname = \"b\"\ncreate = true\n\n{BASE}"
    ));
}

#[test]
fn a_kubernetes_builder_needs_the_flag_but_has_no_network_option() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[builder]\nname = \"k\"\nnetwork = \"host\"\ndriver = \"kubernetes\"\n{ENTITLEMENT}\n{BASE}"
    );
    f.ok(&text);
    let text = format!(
        "{HEAD}[builder]\nname = \"k\"\nnetwork = \"host\"\ndriver = \"kubernetes\"\n\n{BASE}"
    );
    let errors = f.errors(&text);
    only_error(&errors, "the kubernetes builder's buildkitd_flags", 8, 11);
}
