//! The infrastructure faults induced on the lab, read back from their captures.

use super::*;
use crate::build::runner::rawjson::RawJsonDecoder;
use FailureClass::{Infra, Permanent, Transient};

/// What buildx printed after its JSON stream, as the runner keeps it.
fn trailer(name: &str) -> String {
    let mut decoder = RawJsonDecoder::new();
    decoder.push(&crate::samples::bytes(&format!("infra/{name}")));
    decoder.finish().1
}

#[test]
fn every_captured_infra_fault_is_infra_with_its_cause() {
    let cases = [
        ("bridge-missing.rawjson.err", InfraCause::Network),
        ("daemon-killed.rawjson.err", InfraCause::EngineGone),
        ("daemon-down.err", InfraCause::EngineGone),
        ("containerd-killed.rawjson.err", InfraCause::Containerd),
        ("containerd-timeout.rawjson.err", InfraCause::Containerd),
        ("no-space.rawjson.err", InfraCause::DiskFull),
    ];
    for (name, cause) in cases {
        let text = trailer(name);
        assert!(!text.trim().is_empty(), "{name}: no trailer");
        let got = classify(&text);
        assert_eq!(
            (got.class, got.cause),
            (Infra, Some(cause)),
            "{name}: {text}"
        );
        assert!(!is_canceled(&text), "{name}");
    }
}

#[test]
fn a_foreign_binary_that_never_ran_is_emulation_not_the_build() {
    let text = trailer("exec-format-arm64.rawjson.err");
    // The error line alone blames the RUN: only its output says the command never ran.
    assert_eq!(classify(&text).class, Permanent);
    let first = "exec /bin/busybox: exec format error";
    let got = classify_step(&text, Some(first));
    assert_eq!((got.class, got.cause), (Infra, Some(InfraCause::Emulation)));
    // A RUN that printed the words itself later in its output is still the build's failure.
    assert_eq!(classify_step(&text, Some("building…")).class, Permanent);
    assert_eq!(classify_step(&text, None).class, Permanent);
}

#[test]
fn the_captured_line_of_the_step_is_in_the_stream() {
    let raw = crate::samples::text("infra/exec-format-arm64.rawjson.err");
    let mut decoder = RawJsonDecoder::new();
    let lines: Vec<String> = decoder
        .push(raw.as_bytes())
        .iter()
        .flat_map(|s| s.logs.iter())
        .map(|l| {
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&l.data)
                .unwrap();
            String::from_utf8_lossy(&bytes).trim().to_string()
        })
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l == "exec /bin/busybox: exec format error"),
        "{lines:?}"
    );
}

#[test]
fn a_registry_that_refuses_is_transient_and_says_so() {
    for name in [
        "registry-down-push.rawjson.err",
        "registry-down-imagetools.err",
    ] {
        let text = crate::samples::text(name);
        let got = classify(&text);
        assert_eq!(
            (got.class, got.cause),
            (Transient, Some(InfraCause::RegistryGone)),
            "{name}"
        );
    }
}

#[test]
fn no_infra_text_is_permanent() {
    for entry in std::fs::read_dir(crate::samples::path("infra")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        // The doctor's probes are its own; the exec format error is read with its step output.
        if name.starts_with("probe-") || name == "exec-format-arm64.rawjson.err" {
            continue;
        }
        let text = trailer(&name);
        assert_ne!(classify(&text).class, Permanent, "{name}");
    }
}

#[test]
fn the_command_of_a_failed_run_never_reads_as_infra() {
    let texts = [
        "ERROR: failed to solve: process \"/bin/sh -c echo 'no space left on device' && exit 1\" did not complete successfully: exit code: 1",
        "[2/2] RUN echo failed to create endpoint; exit 2: process \"/bin/sh -c echo failed to create endpoint; exit 2\" did not complete successfully: exit code: 2",
        "#5 ERROR: process \"/bin/sh -c docker -H unix:///run/containerd/containerd.sock info\" did not complete successfully: exit code: 1",
    ];
    for text in texts {
        let got = classify(text);
        assert_eq!(got.class, Permanent, "{text}");
        assert_eq!(got.reason, "did not complete successfully: exit code");
    }
    // What comes after the command is the engine's, and is read.
    let engine = "ERROR: failed to solve: process \"/bin/sh -c make\" did not complete successfully: failed to create endpoint x on network bridge: adding interface veth1 to bridge docker0 failed: Device does not exist";
    assert_eq!(classify(engine).cause, Some(InfraCause::Network));
}
