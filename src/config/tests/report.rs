//! How problems are reported: all of them at once in file order, columns counted in
//! characters, and each shown as `file:line:column: message` with its hint.

use super::*;

#[test]
fn columns_count_characters_not_bytes() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}args = {{ \"ÄÖÜ\" = \"ü\", \"B=\" = \"2\" }}\n");
    let errors = f.errors(&text);
    // Counting bytes would put this at column 27.
    only_error(&errors, r#"build arg name "B=""#, 9, 23);
}

#[test]
fn all_problems_are_reported_in_file_order() {
    let f = Fixture::new();
    let text = r#"[project]
name = "demo"
tag = "v1/2"
platforms = ["linux/amd64", "amd64"]

[builder]
network = "bridge"

[retry]
attempts = 0

[[component]]
name = "base"
context = "missing"
"#;
    let errors = f.errors(text);
    let positions: Vec<(usize, usize)> = errors.iter().map(|e| (e.line, e.column)).collect();
    assert_eq!(positions, [(3, 7), (4, 29), (7, 11), (10, 12), (14, 11)]);
}

#[test]
fn errors_display_as_file_line_column_then_hint() {
    let f = Fixture::new();
    let text = format!("{HEAD}[retry]\nattempts = 0\n\n{BASE}");
    let shown = f.parse(&text).unwrap_err().to_string();
    assert_eq!(
        shown,
        format!(
            "{}:7:12: retry.attempts must be at least 1\n  hint: attempts counts the first try too: use 1 for no retries",
            f.matrix_path().display()
        )
    );
}
