//! The Dockerfiles of the bundled demo and of examples/ai-infra, as a user has them.

use super::*;

fn file(path: &str) -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{root}/{path}")).unwrap()
}

fn names(path: &str, target: Option<&str>) -> Vec<String> {
    uses(&file(path), &[], target)
        .into_iter()
        .map(|u| u.reference)
        .collect()
}

#[test]
fn ai_infra_dockerfiles() {
    let dir = "examples/ai-infra";
    assert_eq!(
        names(&format!("{dir}/os-base/Dockerfile"), None),
        ["localhost:5000/library/debian:bookworm"]
    );
    for (component, base) in [
        ("python-base", "os-base"),
        ("toolchain", "os-base"),
        ("api", "python-base"),
        ("worker", "python-base"),
        ("tokenizer", "toolchain"),
        ("nginx", "os-base"),
        ("frontend", "nginx"),
    ] {
        assert_eq!(
            names(&format!("{dir}/{component}/Dockerfile"), None),
            [base],
            "{component}"
        );
    }
    assert_eq!(
        names(&format!("{dir}/inference/Dockerfile"), Some("runtime")),
        ["toolchain", "os-base"]
    );
    assert_eq!(
        names(&format!("{dir}/exporter/Dockerfile"), None),
        ["toolchain", "os-base"]
    );
}

#[test]
fn demo_dockerfiles() {
    assert_eq!(
        names("assets/demo/base/Dockerfile", Some("runtime")),
        Vec::<String>::new()
    );
    assert_eq!(names("assets/demo/app/Dockerfile", None), ["base"]);
}
