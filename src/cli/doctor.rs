//! `archgrid doctor`: each check as its verdict, why, and what to do; non-zero if any failed.

use std::io::Write;

use super::runtime;
use crate::config::Matrix;
use crate::doctor::{self, Check, Level, Report};

pub const EXIT_FAILED_CHECK: i32 = 1;

pub fn run(matrix: &Matrix, json: bool) -> i32 {
    let report = runtime().block_on(doctor::run(matrix));
    let mut out = std::io::stdout().lock();
    let text = if json {
        let doc = serde_json::json!({
            "checks": report.checks,
            "failed": report.failed(),
        });
        serde_json::to_string_pretty(&doc).expect("checks serialize")
    } else {
        render(&report)
    };
    let _ = writeln!(out, "{text}");
    if report.failed() {
        EXIT_FAILED_CHECK
    } else {
        0
    }
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
