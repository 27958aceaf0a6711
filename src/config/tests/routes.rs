//! `[platforms."…"]` routes: they must name project platforms, once each whatever the
//! spelling, and their concurrency must allow a build.

use super::*;

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
