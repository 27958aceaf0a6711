//! ARG defaults before FROM, the build's args over them, and the platform args.

use super::*;

#[test]
fn meta_args_defaults_and_overrides() {
    let text = "ARG REGISTRY=localhost:5000/acme\nARG TAG=v1\nARG BASE=${REGISTRY}/base:${TAG}\nFROM ${BASE} AS b\nFROM $REGISTRY/tools:${TAG:-latest}\nCOPY --from=b / /\n";
    assert_eq!(
        refs(text),
        owned(&[
            ("localhost:5000/acme/base:v1", 4),
            ("localhost:5000/acme/tools:v1", 5)
        ])
    );
    let found: Vec<String> = uses(text, &[("TAG", "v2"), ("UNDECLARED", "x")], None)
        .into_iter()
        .map(|u| u.reference)
        .collect();
    assert_eq!(
        found,
        [
            "localhost:5000/acme/base:v2",
            "localhost:5000/acme/tools:v2"
        ]
    );
    let instruction = uses(text, &[], None)[0].instruction.clone();
    assert_eq!(instruction, "FROM ${BASE}");
}

#[test]
fn an_arg_only_declared_in_a_stage_does_not_reach_from() {
    let text = "FROM base\nARG IMG=tools\nFROM ${IMG:-fallback}\n";
    assert_eq!(refs(text), owned(&[("fallback", 3)]));
}

#[test]
fn modifiers_unset_and_escapes() {
    let text = "ARG EMPTY=\nARG SET=x\nFROM a${EMPTY:-1}${EMPTY-2}${UNSET-3}${SET:+4}${UNSET:+5}${SET+6}\nFROM b\\$SET\n";
    assert_eq!(
        uses(text, &[], Some("0")).len(),
        2,
        "an unknown target keeps both stages"
    );
    let names: Vec<String> = uses(text, &[], Some("nope"))
        .into_iter()
        .map(|u| u.reference)
        .collect();
    assert_eq!(names, ["a1346", "b$SET"]);
}

#[test]
fn platform_args_and_stage_args_in_flags() {
    let text = "ARG TOOLS=tools\nFROM base-${TARGETARCH}\nARG TOOLS\nARG CACHE=cache\nCOPY --from=${TOOLS}:${TARGETARCH} / /\nRUN --mount=type=bind,from=${CACHE}-img,target=/c true\n";
    let parsed = parse(text).unwrap();
    let on = |platform, args| -> Vec<String> {
        parsed
            .image_uses(&super::args(args), &platform, None)
            .into_iter()
            .map(|u| u.reference)
            .collect()
    };
    assert_eq!(on(arm64(), &[]), ["base-arm64", "tools:arm64", "cache-img"]);
    assert_eq!(
        on(amd64(), &[("TOOLS", "t2"), ("CACHE", "c2")]),
        ["base-amd64", "t2:amd64", "c2-img"]
    );
}

#[test]
fn familiar_and_repository() {
    use super::super::{familiar, repository};
    assert_eq!(familiar("docker.io/library/base:latest"), "base");
    assert_eq!(familiar("library/base:1"), "base:1");
    assert_eq!(
        familiar("localhost:5000/acme/base:v1"),
        "localhost:5000/acme/base:v1"
    );
    assert_eq!(
        repository("localhost:5000/acme/base:v1"),
        "localhost:5000/acme/base"
    );
    assert_eq!(
        repository("localhost:5000/acme/base"),
        "localhost:5000/acme/base"
    );
    assert_eq!(repository("docker.io/acme/base@sha256:abc"), "acme/base");
    assert_eq!(repository("base:1@sha256:abc"), "base");
}
