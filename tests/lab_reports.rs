//! `archgrid build --junit --report-json` against the lab engine: a real failure and the cell it
//! blocks, read back as a CI server's XML parser and a JSON Schema validator read them.

mod support;

use serde_json::Value;
use support::lab::{self, archgrid, fixture, fresh_tag};
use support::report_schema::{assert_valid, validator};

#[test]
fn a_failed_and_a_blocked_cell_are_two_failures_in_both_reports() {
    lab::ensure();
    let tag = fresh_tag("reports");
    let dir = fixture("failing", &tag);
    std::fs::create_dir(dir.path().join("ci")).unwrap();
    // amd64 only: base and solo green, broken failed, child blocked; arm64 not selected.
    let out = archgrid(
        dir.path(),
        &[
            "build",
            "--platform",
            "linux/amd64",
            "--junit",
            "ci/junit.xml",
            "--report-json",
            "ci/report.json",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.all());

    let xml = std::fs::read_to_string(dir.path().join("ci/junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 8, "{xml}");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    assert_eq!(suite.attribute("tests"), Some("8"), "{xml}");
    assert_eq!(suite.attribute("failures"), Some("2"), "{xml}");
    assert_eq!(suite.attribute("skipped"), Some("4"), "{xml}");
    let failure = |component: &str| {
        cases
            .iter()
            .find(|c| {
                c.attribute("classname") == Some(component)
                    && c.attribute("name") == Some("linux/amd64")
            })
            .and_then(|c| c.children().find(|n| n.has_tag_name("failure")))
            .unwrap_or_else(|| panic!("no failure for {component}:\n{xml}"))
    };
    let broken = failure("broken");
    assert_eq!(broken.attribute("type"), Some("permanent"));
    assert!(
        broken
            .text()
            .unwrap_or_default()
            .contains("this step always fails (exit 3)"),
        "{xml}"
    );
    assert_eq!(
        failure("child").attribute("message"),
        Some("blocked: broken@linux/amd64 did not build")
    );

    let text = std::fs::read_to_string(dir.path().join("ci/report.json")).unwrap();
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_valid(&validator(), &report);
    assert_eq!(report["exit_code"], 1);
    let status = |id: &str| {
        report["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].clone())
            .unwrap_or_else(|| panic!("no {id}:\n{text}"))
    };
    assert_eq!(status("broken@linux/amd64"), "failed");
    assert_eq!(status("child@linux/amd64"), "blocked");
    assert_eq!(status("solo@linux/amd64"), "green");
    assert_eq!(status("solo@linux/arm64"), "not_selected");
}
