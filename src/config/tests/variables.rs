//! `${VAR}` in string values: the environment, then `.env`, then the default.

use super::*;

const TAGGED: &str = r#"[project]
name = "demo"
tag = "${TAG:-v0.1.0}"
platforms = ["linux/amd64"]

[[component]]
name = "base"
context = "base"
args = { GREETING = "hello $HOME and $${LITERAL}", VERSION = "${TAG}" }
"#;

#[test]
fn the_environment_wins_over_dotenv_and_defaults() {
    let m = Fixture::new()
        .env(&[("TAG", "v0.3.9")], &[("TAG", "v0.0.1")])
        .ok(TAGGED);
    assert_eq!(m.project.tag, "v0.3.9");
    let args = &m.components[0].args;
    assert_eq!(args["VERSION"], "v0.3.9");
    // Only the braced form is a variable; `$$` is a literal dollar.
    assert_eq!(args["GREETING"], "hello $HOME and ${LITERAL}");
}

#[test]
fn dotenv_fills_what_the_environment_lacks() {
    let m = Fixture::new().env(&[], &[("TAG", "v0.0.1")]).ok(TAGGED);
    assert_eq!(m.project.tag, "v0.0.1");
}

#[test]
fn an_unset_variable_without_default_points_at_itself() {
    let f = Fixture::new();
    let errors = f.errors(TAGGED);
    // Line 9, after `args = { GREETING = "hello $HOME and $${LITERAL}", VERSION = "`.
    let e = only_error(&errors, "variable TAG is not set", 9, 63);
    assert!(hint(e).contains("${TAG:-value}"), "{}", hint(e));
    assert!(hint(e).contains(".env"), "{}", hint(e));
}

#[test]
fn malformed_references_are_errors_with_positions() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}target = \"${{9LIVES}}\"\ndockerfile = \"${{OPEN\"\n");
    let errors = f.errors(&text);
    error_at(&errors, "not a variable name", 9, 11);
    error_at(&errors, "no closing", 10, 15);
}

#[test]
fn the_real_dotenv_beside_the_matrix_is_read() {
    let f = Fixture::new();
    f.file(".env", "# release\nTAG=v9.9.9\n");
    // Neither TAG nor anything else of this test is in the real environment.
    let text = TAGGED.replace("TAG", "ARCHGRID_TEST_DOTENV_TAG");
    let path = f.file("matrix.toml", &text);
    let m = Matrix::load(&path).unwrap_err();
    assert!(
        m.to_string()
            .contains("ARCHGRID_TEST_DOTENV_TAG is not set"),
        "{m}"
    );
    f.file(".env", "ARCHGRID_TEST_DOTENV_TAG=v9.9.9\n");
    let m = Matrix::load(&path).unwrap();
    assert_eq!(m.project.tag, "v9.9.9");
}

#[test]
fn an_expanded_value_is_still_checked() {
    let f = Fixture::new().env(&[("TAG", "not a tag")], &[]);
    let errors = f.errors(TAGGED);
    error_at(&errors, r#"invalid tag "not a tag""#, 3, 7);
}
