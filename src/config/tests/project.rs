//! `[project]`: the name, registry, tag and extra tags as parts of image references, the
//! platform list (malformed, repeated or empty entries), and concurrency.

use super::*;

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
fn project_name_must_be_usable_in_image_names() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"My Demo\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, r#"invalid project name "My Demo""#, 2, 8);
    assert!(hint(e).contains("lowercase"));
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
fn empty_project_platforms() {
    let f = Fixture::new();
    let text = format!("[project]\nname = \"demo\"\ntag = \"v1\"\nplatforms = []\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "project.platforms is empty", 4, 13);
    assert!(hint(e).contains(r#"platforms = ["linux/amd64""#));
}

#[test]
fn project_concurrency_zero() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"demo\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\nconcurrency = 0\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, "project.concurrency must be at least 1", 5, 15);
    assert!(hint(e).contains(r#"concurrency = "auto""#), "{e:?}");
}

#[test]
fn project_concurrency_auto_a_number_or_an_error_naming_the_word() {
    let f = Fixture::new();
    let with = |value: &str| {
        format!(
            "[project]\nname = \"demo\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\nconcurrency = {value}\n{BASE}"
        )
    };
    assert_eq!(
        f.ok(&with(r#""auto""#)).project.concurrency,
        Concurrency::Auto
    );
    assert_eq!(f.ok(&with("3")).project.concurrency, Concurrency::Fixed(3));
    let errors = f.errors(&with(r#""max""#));
    let e = only_error(
        &errors,
        r#"project.concurrency must be "auto" or a number, not "max""#,
        5,
        15,
    );
    assert!(hint(e).contains("concurrency = 4"), "{e:?}");
}
