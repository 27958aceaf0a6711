//! Mistakes caught while reading the TOML, before any value is judged: syntax errors,
//! unknown keys with the closest allowed one suggested, values and sections of the wrong
//! type or shape (`[keys]` bindings included), and a missing `[project]`, required key or
//! component.

use super::*;

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
    assert!(hint(e)
        .contains("project, builder, retry, secrets, cache, platforms, console, keys, component"));
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
        r#"project.concurrency must be "auto" or a number, not "4""#,
        5,
        15,
    );
    assert!(hint(e).contains("concurrency = 4"), "{}", hint(e));
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
