//! `depends_on`: unknown names, dependencies on components that already failed, cycles,
//! and dependencies that are not built for every platform of their dependents.

use super::*;

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
