//! The matrix's dependency graph as the Dockerfiles read it, and the images they read from
//! outside the project: each one the engine or its registry must have.

use super::Check;
use crate::config::Matrix;
use crate::docker::base_images::{self, ProblemKind};
use crate::plan::Plan;

pub const DEPENDENCIES: &str = "dependencies";
pub const BASE_IMAGES: &str = "base images";

pub async fn checks(matrix: &Matrix) -> Vec<Check> {
    let facts = {
        let matrix = matrix.clone();
        tokio::task::spawn_blocking(move || crate::docker::contexts::plan_facts(&matrix))
            .await
            .unwrap_or_default()
    };
    let plan = Plan::new(matrix, &facts);
    let mut checks = vec![dependencies(&plan)];
    let every_cell = plan.cells.iter().map(|c| c.index).collect();
    let problems = base_images::check(&plan, &every_cell).await;
    let read: std::collections::BTreeSet<&str> = plan
        .cells
        .iter()
        .flat_map(|c| c.reads.iter().map(|f| f.reference.as_str()))
        .collect();
    if problems.is_empty() {
        checks.push(Check::ok(
            BASE_IMAGES,
            if read.is_empty() {
                "every FROM is a component, a stage or scratch".to_string()
            } else {
                format!(
                    "the engine or its registry has each image the Dockerfiles read: {}",
                    read.into_iter().collect::<Vec<_>>().join(", ")
                )
            },
        ));
    }
    for problem in problems {
        let text = problem.to_string();
        let name = format!("{BASE_IMAGES}: {}", problem.found.reference);
        checks.push(match problem.kind {
            ProblemKind::Unchecked { .. } => Check::warn(
                name,
                text,
                "check that the registry answers, then run archgrid doctor again",
            ),
            _ => {
                let (why, fix) = text
                    .split_once("\n  hint: ")
                    .unwrap_or((&text, "fix the name"));
                Check::fail(name, why, fix)
            }
        });
    }
    checks
}

fn dependencies(plan: &Plan) -> Check {
    let errors = plan.dependency_errors();
    if !errors.is_empty() {
        let first = &errors[0];
        let (why, fix) = first
            .split_once("\n  hint: ")
            .unwrap_or((first, "fix the matrix"));
        let more = match errors.len() {
            1 => String::new(),
            n => format!(" (and {} more; archgrid plan lists them)", n - 1),
        };
        return Check::fail(DEPENDENCIES, format!("{why}{more}"), fix);
    }
    let notes = plan.dependency_notes();
    if notes.is_empty() {
        let edges: usize = plan.cells.iter().map(|c| c.edges.len()).sum();
        return Check::ok(
            DEPENDENCIES,
            format!("depends_on and the Dockerfiles agree ({edges} edges)"),
        );
    }
    Check::warn(
        DEPENDENCIES,
        format!(
            "{}{}",
            notes[0],
            match notes.len() {
                1 => String::new(),
                n => format!(" (and {} more; archgrid plan lists them)", n - 1),
            }
        ),
        "add them to depends_on so the matrix says what the Dockerfiles do; archgrid adds them meanwhile",
    )
}
