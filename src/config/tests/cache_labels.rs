//! `[cache]`, `labels` and `platform_args`.

use super::*;
use crate::config::CacheMode;

#[test]
fn cache_defaults_to_max() {
    let f = Fixture::new();
    let m = f.ok(&format!(
        "{HEAD}[cache]\nregistry = \"localhost:5000/demo/cache\"\n\n{BASE}"
    ));
    let cache = m.cache.unwrap();
    assert_eq!(cache.registry, "localhost:5000/demo/cache");
    assert_eq!(cache.mode, CacheMode::Max);
    let m = f.ok(&format!(
        "{HEAD}[cache]\nregistry = \"r.example/c\"\nmode = \"min\"\n\n{BASE}"
    ));
    assert_eq!(m.cache.unwrap().mode, CacheMode::Min);
}

#[test]
fn cache_rules() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[cache]\nregistry = \"https://localhost:5000/Cache\"\nmode = \"all\"\ncolour = 1\n\n{BASE}"
    );
    let errors = f.errors(&text);
    error_at(&errors, "must not include a scheme", 7, 12);
    error_at(
        &errors,
        r#"cache mode "all" is not one BuildKit knows"#,
        8,
        8,
    );
    error_at(&errors, "unknown key `colour` in [cache]", 9, 1);
    let errors = f.errors(&format!("{HEAD}[cache]\nmode = \"max\"\n\n{BASE}"));
    error_at(&errors, "[cache] is missing required key `registry`", 6, 1);
    let errors = f.errors(&format!("{HEAD}[cache]\nregistry = 5\n\n{BASE}"));
    error_at(&errors, "`registry` in [cache]", 7, 12);
}

#[test]
fn labels_merge_and_are_checked() {
    let f = Fixture::new();
    let text = format!(
        "[project]\nname = \"demo\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\"]\nlabels = {{ team = \"grid\", tier = \"a\" }}\n\n{BASE}labels = {{ tier = \"b\", \"bad key\" = \"x\" }}\n"
    );
    let errors = f.errors(&text);
    only_error(
        &errors,
        r#"label name "bad key" in component "base" contains white space"#,
        10,
        24,
    );
    let m = f.ok(&text.replace(", \"bad key\" = \"x\"", ""));
    assert_eq!(m.project.labels["team"], "grid");
    assert_eq!(m.components[0].labels["tier"], "b");
    let errors = f.errors(&format!("{HEAD}{BASE}labels = [\"a\"]\n"));
    error_at(&errors, "`labels` in [[component]] \"base\"", 9, 10);
}

#[test]
fn platform_args_override_on_their_platform_only() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}args = {{ JOBS = \"4\", MODE = \"fast\" }}\nplatform_args = {{ \"linux/arm64/v8\" = {{ JOBS = \"1\" }} }}\n"
    );
    let m = f.ok(&text);
    let base = &m.components[0];
    let arm = base.args_for(&platform("linux/arm64"));
    assert_eq!((arm["JOBS"].as_str(), arm["MODE"].as_str()), ("1", "fast"));
    assert_eq!(base.args_for(&platform("linux/amd64"))["JOBS"], "4");
}

#[test]
fn platform_args_rules() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}{BASE}platforms = [\"linux/amd64\"]\nplatform_args = {{ \"linux/arm64\" = {{ JOBS = \"1\" }}, \"nope\" = {{}}, \"linux/amd64\" = {{ \"A=B\" = \"x\" }} }}\n"
    );
    let errors = f.errors(&text);
    error_at(&errors, "sets linux/arm64, which it does not build", 10, 19);
    error_at(&errors, "nope", 10, 51);
    error_at(&errors, r#"build arg name "A=B" in platform_args"#, 10, 82);
    let errors = f.errors(&format!(
        "{HEAD}{BASE}platform_args = {{ \"linux/arm64\" = \"1\" }}\n"
    ));
    error_at(&errors, "`platform_args` in [[component]] \"base\"", 9, 35);
}
