//! The JSON Schema of `--report-json` as README.md publishes it, and a check of reports against it.

use serde_json::Value;

/// The JSON Schema between the report-schema markers in README.md.
pub fn readme_schema() -> Value {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let (_, rest) = readme
        .split_once("<!-- report-schema:begin -->")
        .expect("README.md has no <!-- report-schema:begin --> marker");
    let (block, _) = rest
        .split_once("<!-- report-schema:end -->")
        .expect("README.md has no <!-- report-schema:end --> marker");
    let (_, fenced) = block
        .split_once("```json\n")
        .expect("no ```json block between the report-schema markers");
    let (text, _) = fenced
        .split_once("```")
        .expect("the ```json block is not closed");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("the schema in README.md: {e}"))
}

pub fn validator() -> jsonschema::Validator {
    let schema = readme_schema();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "the README's schema names its draft"
    );
    jsonschema::draft202012::new(&schema).unwrap_or_else(|e| panic!("the README's schema: {e}"))
}

/// Fails naming every place `report` does not fit the schema.
pub fn assert_valid(v: &jsonschema::Validator, report: &Value) {
    let errors: Vec<String> = v
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the report does not fit README.md's schema:\n{}\n{report:#}",
        errors.join("\n")
    );
}
