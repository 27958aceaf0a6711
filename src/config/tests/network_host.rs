//! A builder on the host network must let BuildKit grant the `network.host` entitlement:
//! the daemon flags and container network of a builder the matrix declares, the fix each
//! error proposes, and the drivers the rule does not apply to.

use super::*;

/// A docker-container builder with host networking, as `archgrid builder create` makes it;
/// `[builder]` is on line 6.
fn host_builder(driver_opts: &str, flags: &str) -> String {
    format!(
        "{HEAD}[builder]\nname = \"archgrid\"\nnetwork = \"host\"\ncreate = true\n\
         driver = \"docker-container\"\n{driver_opts}{flags}\n{BASE}"
    )
}

const HOST_OPTS: &str = "driver_opts = { network = \"host\" }\n";
const ENTITLEMENT: &str =
    "buildkitd_flags = [\"--allow-insecure-entitlement\", \"network.host\"]\n";

#[test]
fn a_host_network_builder_declared_in_full_is_accepted() {
    let f = Fixture::new();
    let m = f.ok(&host_builder(HOST_OPTS, ENTITLEMENT));
    let b = m.builder.unwrap();
    assert_eq!(
        b.buildkitd_flags,
        ["--allow-insecure-entitlement", "network.host"]
    );
    assert_eq!(b.driver_opts["network"], "host");
    // The flag's `=` form grants the same entitlement.
    f.ok(&host_builder(
        HOST_OPTS,
        "buildkitd_flags = [\"--allow-insecure-entitlement=network.host\"]\n",
    ));
}

#[test]
fn host_network_without_the_entitlement_is_refused_naming_the_fix() {
    let f = Fixture::new();
    let errors = f.errors(&host_builder(HOST_OPTS, ""));
    let e = only_error(
        &errors,
        "lack --allow-insecure-entitlement network.host",
        8,
        11,
    );
    assert!(
        e.message.contains("BuildKit then refuses every build"),
        "{e}"
    );
    assert_eq!(
        hint(e),
        r#"declare the entitlement: buildkitd_flags = ["--allow-insecure-entitlement", "network.host"]"#
    );
}

#[test]
fn daemon_flags_without_the_entitlement_are_pointed_at_and_kept_in_the_fix() {
    let f = Fixture::new();
    let errors = f.errors(&host_builder(
        HOST_OPTS,
        "buildkitd_flags = [\"--debug\"]\n",
    ));
    let e = only_error(&errors, "lack --allow-insecure-entitlement", 12, 19);
    assert_eq!(
        hint(e),
        r#"declare the entitlement: buildkitd_flags = ["--debug", "--allow-insecure-entitlement", "network.host"]"#
    );
}

#[test]
fn create_without_a_driver_is_held_to_buildx_default_driver() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[builder]\nname = \"archgrid\"\nnetwork = \"host\"\ncreate = true\n{HOST_OPTS}\n{BASE}"
    );
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        "the docker-container builder's buildkitd_flags",
        8,
        11,
    );
    assert!(hint(e).contains("network.host"));
}

#[test]
fn the_builder_container_must_be_on_the_host_network_too() {
    let f = Fixture::new();
    let errors = f.errors(&host_builder("", ENTITLEMENT));
    let e = only_error(&errors, "driver_opts has no network = \"host\"", 8, 11);
    assert_eq!(hint(e), r#"set driver_opts = { network = "host" }"#);

    let opts = "driver_opts = { image = \"moby/buildkit:v0.13.2\", network = \"bridge\" }\n";
    let errors = f.errors(&host_builder(opts, ENTITLEMENT));
    let e = only_error(&errors, "on network \"bridge\"", 11, 15);
    assert_eq!(
        hint(e),
        r#"set driver_opts = { network = "host", image = "moby/buildkit:v0.13.2" }"#
    );
}

#[test]
fn drivers_whose_daemon_buildx_does_not_start_are_not_held_to_the_flag() {
    let f = Fixture::new();
    for driver in ["docker", "remote"] {
        let text = format!(
            "{HEAD}[builder]\nname = \"b\"\nnetwork = \"host\"\ndriver = \"{driver}\"\n\n{BASE}"
        );
        f.ok(&text);
    }
    // Only named, the builder is checked against its real daemon flags before building.
    f.ok(&format!(
        "{HEAD}[builder]\nname = \"b\"\nnetwork = \"host\"\n\n{BASE}"
    ));
    // Without host networking nothing asks for the entitlement.
    f.ok(&format!(
        "{HEAD}[builder]\nname = \"b\"\ncreate = true\n\n{BASE}"
    ));
}

#[test]
fn a_kubernetes_builder_needs_the_flag_but_has_no_network_option() {
    let f = Fixture::new();
    let text = format!(
        "{HEAD}[builder]\nname = \"k\"\nnetwork = \"host\"\ndriver = \"kubernetes\"\n{ENTITLEMENT}\n{BASE}"
    );
    f.ok(&text);
    let text = format!(
        "{HEAD}[builder]\nname = \"k\"\nnetwork = \"host\"\ndriver = \"kubernetes\"\n\n{BASE}"
    );
    let errors = f.errors(&text);
    only_error(&errors, "the kubernetes builder's buildkitd_flags", 8, 11);
}
