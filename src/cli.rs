//! The command line: which front end, which matrix, which cells.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Matrix;
use crate::engine::BuildxRunner;
use crate::headless::{self, EXIT_USAGE};
use crate::plan::{relative_to, Plan};
use crate::prepare::prepare;

#[derive(Debug, Parser)]
#[command(
    name = "archgrid",
    version,
    about = "Build every component for every platform with docker buildx, then publish manifest lists"
)]
pub struct Cli {
    /// The matrix file.
    #[arg(long, global = true, default_value = "matrix.toml")]
    pub matrix: PathBuf,
    /// Run the headless build instead of the console.
    #[arg(long)]
    pub headless: bool,
    #[command(flatten)]
    pub select: Select,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Select {
    /// Build only COMPONENT[@PLATFORM] (repeatable) and what it depends on.
    #[arg(long, global = true, value_name = "COMPONENT[@PLATFORM]")]
    pub only: Vec<String>,
    /// Rebuild cells that are green for the same inputs.
    #[arg(long, global = true)]
    pub force: bool,
    /// Build without BuildKit's cache (implies --force).
    #[arg(long, global = true)]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Build the grid without the console: a line per state change, a table at the end.
    Build,
    /// Print every cell's exact argv and the start order; runs nothing.
    Plan {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

pub fn main() -> i32 {
    let cli = Cli::parse();
    let _ = color_eyre::install();
    let matrix = match Matrix::load(&cli.matrix) {
        Ok(m) => m,
        Err(errors) => {
            eprintln!("{errors}");
            return EXIT_USAGE;
        }
    };
    match cli.command {
        Some(Cmd::Plan { json }) => plan(&matrix, &cli.select, json),
        Some(Cmd::Build) | None => build(matrix, &cli.select),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

fn plan(matrix: &Matrix, select: &crate::cli::Select, json: bool) -> i32 {
    let plan = Plan::new(matrix);
    let selected = match plan.select(&select.only) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
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
                    "program": "docker",
                    "argv": c.argv,
                })
            })
            .collect();
        let doc = serde_json::json!({
            "project": plan.project,
            "tag": plan.tag,
            "registry": plan.registry,
            "platforms": plan.platforms.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
            "cells": cells,
        });
        let _ = writeln!(out, "{}", serde_json::to_string_pretty(&doc).expect("json"));
        return 0;
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
        let _ = writeln!(out, "    image: {}", c.image);
        let _ = writeln!(
            out,
            "    log:   {}",
            relative_to(&c.log_file, &matrix.root).display()
        );
        let _ = writeln!(out, "    {}", c.display_command());
    }
    0
}

fn build(matrix: Matrix, select: &Select) -> i32 {
    let prep = match prepare(matrix, select) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    runtime().block_on(async move {
        if let Err(e) = check_engine().await {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
        let mut out = std::io::stdout();
        headless::run(prep, BuildxRunner::default(), &mut out).await
    })
}

async fn check_engine() -> Result<(), String> {
    crate::docker::engine::ping().await.map_err(|e| {
        format!("{e}\n  hint: start the engine (scripts/lab up) or point DOCKER_HOST at one")
    })?;
    crate::docker::engine::buildx_version()
        .await
        .map_err(|e| format!("{e}\n  hint: install docker-buildx (scripts/lab up does)"))?;
    Ok(())
}
