//! How a run ended, as plain text: the component × platform table and the cells that did not
//! go green with why. The headless run ends with it, and the console prints it to the normal
//! screen when it quits, so the scrollback keeps what the grid showed.

use std::path::Path;

use crate::model::sanitize::sanitize_line;
use crate::model::text::relative_to;
use crate::model::{format_duration, CellStatus};
use crate::plan::Plan;

/// One word per cell, so the table reads the same with or without colour.
pub fn cell_word(status: &CellStatus) -> String {
    match status {
        CellStatus::NotSelected => "-".into(),
        CellStatus::Queued => "queued".into(),
        CellStatus::Blocked { .. } => "blocked".into(),
        CellStatus::Running { .. } => "running".into(),
        CellStatus::Warming => "warming".into(),
        CellStatus::Retrying { .. } => "retrying".into(),
        CellStatus::Green {
            duration, cached, ..
        } => {
            format!(
                "green {}{}",
                format_duration(*duration),
                if *cached { " cached" } else { "" }
            )
        }
        CellStatus::UpToDate { .. } => "green (skipped)".into(),
        CellStatus::Refused { .. } => "blocked".into(),
        CellStatus::Failed { .. } => "FAILED".into(),
        CellStatus::Canceled => "canceled".into(),
    }
}

pub fn table(plan: &Plan, statuses: &[CellStatus]) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header = vec!["component".to_string()];
    header.extend(plan.platforms.iter().map(|p| p.to_string()));
    rows.push(header);
    for comp in &plan.components {
        let mut row = vec![comp.clone()];
        for p in &plan.platforms {
            row.push(
                plan.cells
                    .iter()
                    .find(|c| &c.component == comp && &c.platform == p)
                    .map(|c| cell_word(&statuses[c.index]))
                    .unwrap_or_else(|| "n/a".into()),
            );
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Cells green, and cells in this run at all.
pub fn counts(statuses: &[CellStatus]) -> (usize, usize) {
    let green = statuses.iter().filter(|s| s.is_green()).count();
    let selected = statuses
        .iter()
        .filter(|s| !matches!(s, CellStatus::NotSelected))
        .count();
    (green, selected)
}

/// `N/M cells green`, counting only the cells of this run.
pub fn green_line(statuses: &[CellStatus]) -> String {
    let (green, selected) = counts(statuses);
    format!("{green}/{selected} cells green")
}

/// Each failed, refused or blocked cell with why, and where its whole log is; paths relative
/// to `root`.
pub fn failures(plan: &Plan, statuses: &[CellStatus], root: &Path) -> String {
    let mut out = String::new();
    for (cell, status) in plan.cells.iter().zip(statuses) {
        let why = match status {
            CellStatus::Failed { reason, .. } => sanitize_line(reason),
            CellStatus::Refused { reason } => {
                format!("refused before the run: {}", sanitize_line(reason))
            }
            CellStatus::Blocked { by } => {
                format!("blocked: {} did not build", plan.cells[*by].id())
            }
            _ => continue,
        };
        out.push_str(&format!("✘ {}: {why}\n", cell.id()));
        if !matches!(status, CellStatus::Blocked { .. }) {
            out.push_str(&format!(
                "    log: {}\n",
                relative_to(&cell.log_file, root).display()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::model::FailureClass;
    use crate::plan::sample::base_app_docs;

    #[test]
    fn table_and_failures_say_what_the_grid_showed() {
        let (dir, plan) = base_app_docs(
            "registry = \"localhost:5000/p\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]",
        );
        let root = dir.path().canonicalize().unwrap();
        assert_eq!(plan.cells.len(), 5);
        let statuses = vec![
            CellStatus::Green {
                digest: None,
                duration: Duration::from_millis(800),
                cached: false,
            },
            CellStatus::Failed {
                class: FailureClass::Permanent,
                reason: "exit 3 in RUN make\x1b[31m".into(),
                attempts: 1,
            },
            CellStatus::UpToDate { digest: None },
            CellStatus::Blocked { by: 1 },
            CellStatus::NotSelected,
        ];
        let table = table(&plan, &statuses);
        assert!(table.starts_with("component"), "{table}");
        assert_eq!(green_line(&statuses), "2/4 cells green");
        assert!(table.contains("green 0.8s"), "{table}");
        let failures = failures(&plan, &statuses, &root);
        let lines: Vec<&str> = failures.lines().collect();
        assert_eq!(lines.len(), 3, "{failures}");
        assert!(lines[0].ends_with(": exit 3 in RUN make"), "{failures}");
        assert!(
            lines[1].starts_with("    log: .archgrid/logs/"),
            "{failures}"
        );
        assert!(lines[2].contains(": blocked: "), "{failures}");
    }
}
