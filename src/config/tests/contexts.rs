//! A component's named build contexts.

use super::*;

#[test]
fn directories_images_and_urls() {
    let f = Fixture::new();
    fs::create_dir_all(f.dir.path().join("docs")).unwrap();
    let text = format!(
        "{HEAD}{BASE}contexts = {{ docs = \"docs\", tools = \"docker-image://localhost:5000/tools:1\", repo = \"https://example.org/acme/grid.git#main\" }}\n"
    );
    let m = f.ok(&text);
    let ctx = &m.components[0].contexts;
    assert_eq!(ctx["docs"], f.root().join("docs").display().to_string());
    assert_eq!(ctx["tools"], "docker-image://localhost:5000/tools:1");
    assert_eq!(ctx["repo"], "https://example.org/acme/grid.git#main");
}

#[test]
fn bad_contexts() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}\n[[component]]\nname = \"app\"\ncontext = \"app\"\ndepends_on = [\"base\"]\ncontexts = {{ base = \"base\", gone = \"nowhere\", img = \"docker-image://Tools:1\", s3 = \"s3://bucket/x\" }}\n"
    );
    let errors = f.errors(&text);
    error_at(
        &errors,
        r#"names a context "base", which is already its dependency"#,
        14,
        14,
    );
    error_at(&errors, "nowhere does not exist", 14, 36);
    error_at(&errors, r#"context "img" of component "app""#, 14, 53);
    error_at(&errors, "s3:// is not a context source", 14, 84);
    let errors = f.errors(&format!("{HEAD}{BASE}contexts = [\"docs\"]\n"));
    error_at(&errors, "`contexts` in [[component]] \"base\"", 9, 12);
}
