//! `archgrid doctor`: each check as its verdict, why, and what to do; non-zero if any failed.
//! Without a matrix the machine is checked all the same, under a note saying how to get one.

use std::io::Write;

use super::runtime;
use crate::config::{Matrix, MissingMatrix};
use crate::doctor::{self, Check, Level, Report, MACHINE_PLATFORMS};

pub const EXIT_FAILED_CHECK: i32 = 1;

pub fn run(matrix: &Matrix, json: bool) -> i32 {
    let report = runtime().block_on(doctor::run(matrix));
    let about = serde_json::json!({ "path": matrix.path, "found": true });
    print(&report, about, None, json)
}

/// A missing matrix is not a fault of the machine: only the checks decide the exit code.
pub fn run_without_matrix(missing: &MissingMatrix, json: bool) -> i32 {
    let report = runtime().block_on(doctor::run_without_matrix());
    let about = serde_json::json!({
        "path": missing.path,
        "found": false,
        "importable": missing.importable,
        "hints": missing.hints(),
    });
    print(&report, about, Some(&no_matrix_note(missing)), json)
}

/// `about`: the matrix's path and whether it was found, for `--json`; `note` goes above the
/// checks.
fn print(report: &Report, about: serde_json::Value, note: Option<&str>, json: bool) -> i32 {
    let text = if json {
        let doc = serde_json::json!({
            "matrix": about,
            "checks": report.checks,
            "failed": report.failed(),
        });
        serde_json::to_string_pretty(&doc).expect("checks serialize")
    } else {
        match note {
            Some(note) => format!("{note}\n{}", render(report)),
            None => render(report),
        }
    };
    let _ = writeln!(std::io::stdout().lock(), "{text}");
    if report.failed() {
        EXIT_FAILED_CHECK
    } else {
        0
    }
}

/// Laid out as a check is, with each way to get a matrix on a line of its own.
fn no_matrix_note(missing: &MissingMatrix) -> String {
    let mut lines = vec![
        format!("{:<5}{}", "note", missing.message()),
        format!(
            "     why: only this machine is checked, for {}; a registry and a declared \
             [builder] are checked once there is one",
            MACHINE_PLATFORMS.join(" and ")
        ),
    ];
    for (i, hint) in missing.hints().iter().enumerate() {
        let label = if i == 0 { "do:" } else { "" };
        lines.push(format!("     {label:<4} {hint}"));
    }
    lines.join("\n")
}

/// Three lines per check, then a count.
pub fn render(report: &Report) -> String {
    let mut lines: Vec<String> = Vec::new();
    for check in &report.checks {
        lines.extend(render_check(check));
    }
    lines.push(format!(
        "{} ok, {} warn, {} fail",
        report.count(Level::Ok),
        report.count(Level::Warn),
        report.count(Level::Fail)
    ));
    lines.join("\n")
}

pub fn render_check(check: &Check) -> [String; 3] {
    [
        format!("{:<5}{}", check.level.to_string(), check.name),
        format!("     why: {}", check.why),
        format!("     do:  {}", check.fix),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_matrix_note_reads_like_a_check() {
        let missing = MissingMatrix {
            path: "/p/matrix.toml".into(),
            importable: vec!["compose.yaml".into()],
        };
        assert_eq!(
            no_matrix_note(&missing),
            "note no matrix file at /p/matrix.toml\n     \
             why: only this machine is checked, for linux/amd64 and linux/arm64; a registry and \
             a declared [builder] are checked once there is one\n     \
             do:  `archgrid init` proposes one from the Dockerfiles under a folder\n          \
             `archgrid import compose.yaml` makes one from that file\n          \
             `--matrix PATH` uses a matrix file elsewhere"
        );
    }
}
