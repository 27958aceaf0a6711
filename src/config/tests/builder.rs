//! `[builder]`: the network, the driver and the platforms it builds. What host networking
//! demands of the builder's daemon is in `network_host.rs`.

use super::*;

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
