//! `[[component]]`: names, the context and Dockerfile paths, build args, and the
//! platforms a component is built for.

use std::fs;

use super::*;

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
fn duplicate_component_names() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}\n[[component]]\nname = \"base\"\ncontext = \"app\"\n");
    let errors = f.errors(&text);
    let e = only_error(&errors, r#"duplicate component name "base""#, 11, 8);
    assert!(hint(e).contains("already defined on line 7"), "{e:?}");
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
