//! Other image names for a component, and `strict_deps`.

use super::*;

#[test]
fn aliases_and_strict_deps_load() {
    let f = Fixture::new();
    let text = HEAD.replace("platforms =", "strict_deps = true\nplatforms =")
        + BASE
        + "aliases = [\"acme/base\", \"localhost:5000/acme/base\"]\n";
    let m = f.ok(&text);
    assert!(m.project.strict_deps);
    assert_eq!(
        m.components[0].aliases,
        ["acme/base", "localhost:5000/acme/base"]
    );
}

#[test]
fn bad_aliases() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}aliases = [\"acme/base:1.0\", \"Acme\", \"app\"]\n\n[[component]]\nname = \"app\"\ncontext = \"base\"\naliases = [\"localhost:5000/x\"]\n\n[[component]]\nname = \"web\"\ncontext = \"base\"\naliases = [\"localhost:5000/x\"]\n"
    );
    let errors = f.errors(&text);
    error_at(&errors, "has a tag or digest", 9, 12);
    error_at(&errors, "alias of component \"base\"", 9, 29);
    error_at(
        &errors,
        r#"alias "app" of component "base" already means component "app""#,
        9,
        37,
    );
    error_at(
        &errors,
        r#"alias "localhost:5000/x" of component "web" already means component "app""#,
        19,
        12,
    );
}
