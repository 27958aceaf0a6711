//! `archgrid plan`: every cell's exact argv and the start order; runs nothing.

use std::collections::BTreeSet;
use std::io::Write;

use color_eyre::eyre::eyre;

use crate::build::prepare::Selection;
use crate::config::Matrix;
use crate::model::text::relative_to;
use crate::model::Platform;
use crate::plan::{Edge, Facts, Plan};

/// The plan and the cells `--only`/`--platform` select, or the dependency problems that stop
/// any use of it.
pub fn selected_plan(
    matrix: &Matrix,
    facts: &Facts,
    select: &Selection,
) -> color_eyre::Result<(Plan, BTreeSet<usize>)> {
    let plan = Plan::new(matrix, facts);
    let errors = plan.dependency_errors();
    if !errors.is_empty() {
        return Err(eyre!(errors.join("\n")));
    }
    let selected = plan
        .select(&select.only, &select.platforms)
        .map_err(|e| eyre!(e))?;
    Ok((plan, selected))
}

pub fn run(
    matrix: &Matrix,
    facts: &Facts,
    select: &Selection,
    json: bool,
) -> color_eyre::Result<i32> {
    let (plan, selected) = selected_plan(matrix, facts, select)?;
    let chosen = plan
        .choose_platforms(&select.platforms)
        .map_err(|e| eyre!(e))?;
    let base_images =
        super::runtime().block_on(crate::docker::base_images::check(&plan, &selected));
    let names = |list: &[Platform]| list.iter().map(|p| p.to_string()).collect::<Vec<_>>();
    let mut out = std::io::stdout().lock();
    if json {
        let cells: Vec<_> = plan
            .order
            .iter()
            .filter(|i| selected.contains(i))
            .map(|&i| {
                let c = &plan.cells[i];
                serde_json::json!({
                    "id": c.id(),
                    "component": c.component,
                    "platform": c.platform.to_string(),
                    "image": c.image,
                    "builder": c.builder,
                    "depends_on": c.deps.iter().map(|&d| plan.cells[d].id()).collect::<Vec<_>>(),
                    "edges": c.edges.iter().map(|e| serde_json::json!({
                        "on": plan.cells[e.dep].id(),
                        "declared": e.declared,
                        "found": e.found,
                    })).collect::<Vec<_>>(),
                    "program": "docker",
                    "argv": c.argv,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "project": plan.project,
            "tag": plan.tag,
            "registry": plan.registry,
            "platforms": names(&plan.platforms),
            // What --platform chose; the project's platforms when it was not given.
            "selected_platforms": names(if chosen.is_empty() { &plan.platforms } else { &chosen }),
            "cells": cells,
            "dependency_notes": plan.dependency_notes(),
            "base_image_problems": base_images,
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("json"));
        return Ok(0);
    }
    let _ = writeln!(
        out,
        "{} cells of {} ({} components × {} platforms), tag {}, {}",
        selected.len(),
        plan.project,
        plan.components.len(),
        plan.platforms.len(),
        plan.tag,
        plan.registry
            .as_deref()
            .map(|r| format!("pushed to {r}"))
            .unwrap_or_else(|| "loaded into the local engine".into())
    );
    if !chosen.is_empty() {
        let left_out: Vec<Platform> = plan
            .platforms
            .iter()
            .filter(|p| !chosen.contains(p))
            .cloned()
            .collect();
        let _ = write!(out, "only {} (--platform)", names(&chosen).join(", "));
        let _ = if left_out.is_empty() {
            writeln!(out)
        } else {
            writeln!(out, "; leaves out {}", names(&left_out).join(", "))
        };
    }
    for (n, &i) in plan
        .order
        .iter()
        .filter(|i| selected.contains(i))
        .enumerate()
    {
        let c = &plan.cells[i];
        let after: Vec<String> = c.deps.iter().map(|&d| plan.cells[d].id()).collect();
        let _ = writeln!(
            out,
            "\n{:>2}. {}{}  builder: {}",
            n + 1,
            c.id(),
            if after.is_empty() {
                String::new()
            } else {
                format!(" (after {})", after.join(", "))
            },
            c.builder.as_deref().unwrap_or("(current)")
        );
        for edge in &c.edges {
            let _ = writeln!(
                out,
                "    needs: {} ({})",
                plan.cells[edge.dep].component,
                edge_origin(edge)
            );
        }
        if let Some(warm) = &c.warm {
            let late: Vec<&str> = warm
                .late
                .iter()
                .map(|&d| plan.cells[d].component.as_str())
                .collect();
            let _ = writeln!(
                out,
                "    warms: the steps before {}:{} while {} builds",
                relative_to(&c.dockerfile, &matrix.root).display(),
                warm.cut,
                late.join(", ")
            );
        }
        let _ = writeln!(out, "    image: {}", c.image);
        let _ = writeln!(
            out,
            "    log:   {}",
            relative_to(&c.log_file, &matrix.root).display()
        );
        let _ = writeln!(out, "    {}", c.display_command());
    }
    let notes = plan.dependency_notes();
    if !notes.is_empty() || !base_images.is_empty() {
        let _ = writeln!(out);
    }
    for note in notes {
        let _ = writeln!(out, "note: {note}");
    }
    for problem in &base_images {
        let _ = writeln!(out, "warning: {problem}");
    }
    Ok(0)
}

/// `depends_on`, `api/Dockerfile:1, FROM base`, or both.
fn edge_origin(edge: &Edge) -> String {
    let found = edge.found.iter().map(|f| f.to_string());
    let mut parts: Vec<String> = Vec::new();
    if edge.declared {
        parts.push("depends_on".into());
    }
    parts.extend(found);
    if !edge.declared {
        parts.push("not in depends_on: added".into());
    }
    parts.join("; ")
}
