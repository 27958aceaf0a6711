//! The command line: which front end, which matrix, which cells.

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Matrix;
use crate::engine::BuildxRunner;
use crate::headless::{self, EXIT_USAGE};
use crate::plan::{relative_to, Plan};
use crate::prepare::{prepare, Prepared};

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
    /// Check the engine, buildx, emulation, the registry, free disk and the builder.
    Doctor {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Create or show the builder that [builder] in the matrix declares.
    Builder {
        #[command(subcommand)]
        action: BuilderCmd,
    },
    /// Create each component's manifest list from its green cells' digests, then verify it.
    Publish {
        /// Publish only this component; only its own cells need to be green.
        #[arg(long)]
        component: Option<String>,
        /// Publish what is green and say which platforms are missing.
        #[arg(long)]
        allow_partial: bool,
    },
    /// Check that each list in the registry holds exactly the grid's platforms and digests.
    Verify {
        /// Check only this component's lists.
        #[arg(long)]
        component: Option<String>,
    },
    /// Write DIR/{arch}/{component}_{tag}.tar for every green cell, and DIR/index.json.
    Export {
        dir: PathBuf,
        /// Only this platform (repeatable).
        #[arg(long, value_name = "PLATFORM")]
        platform: Vec<crate::platform::Platform>,
    },
}

#[derive(Debug, Subcommand)]
pub enum BuilderCmd {
    /// Create and start the declared builder (never makes it the current builder).
    Create {
        /// Remove an existing builder of that name first, so it takes the declared settings.
        #[arg(long)]
        recreate: bool,
        /// Print the docker commands instead of running them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Show the builder as the console's builder pane does, with how it differs from the matrix.
    Inspect,
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
        Some(Cmd::Doctor { json }) => crate::cli_doctor::run(&matrix, json),
        Some(Cmd::Builder {
            action: BuilderCmd::Create { recreate, dry_run },
        }) => crate::cli_builder::create(&matrix, recreate, dry_run),
        Some(Cmd::Builder {
            action: BuilderCmd::Inspect,
        }) => crate::cli_builder::inspect(&matrix),
        Some(Cmd::Publish {
            component,
            allow_partial,
        }) => crate::headless_publish::publish(matrix, component, allow_partial),
        Some(Cmd::Verify { component }) => crate::headless_publish::verify(matrix, component),
        Some(Cmd::Export { dir, platform }) => {
            crate::headless_publish::export(matrix, dir, platform)
        }
        Some(Cmd::Build) => build(matrix, &cli.select, true),
        // The console needs a terminal; without one (a pipe, CI) the headless build is the
        // only thing that can work.
        None => {
            let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
            build(matrix, &cli.select, cli.headless || !tty)
        }
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

/// The checks both front ends make before the scheduler starts. The console tolerates an
/// unreachable engine (its header says so and it keeps asking); the headless build does not.
async fn ready_to_build(mut prep: Prepared, headless: bool) -> Result<Prepared, i32> {
    match check_engine().await {
        Ok(()) => {}
        Err(e) if headless => {
            eprintln!("error: {e}");
            return Err(EXIT_USAGE);
        }
        Err(_) => return Ok(prep),
    }
    match crate::docker::preflight::check(&prep.matrix).await {
        Ok(pre) => pre.notes.iter().for_each(|n| eprintln!("note: {n}")),
        Err(e) => {
            eprintln!("error: {e}");
            return Err(EXIT_USAGE);
        }
    }
    for block in crate::docker::routes::refuse_blocked_columns(&mut prep).await {
        if headless {
            println!("{} is blocked: {}", block.platform, block.reason);
        }
    }
    Ok(prep)
}

fn build(matrix: Matrix, select: &Select, headless: bool) -> i32 {
    let prep = match prepare(matrix, select) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let prep = match runtime().block_on(ready_to_build(prep, headless)) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if headless {
        runtime().block_on(async move {
            let mut out = std::io::stdout();
            headless::run(prep, BuildxRunner::default(), &mut out).await
        })
    } else {
        crate::ui::run(prep, BuildxRunner::default())
    }
}

pub(crate) async fn check_engine() -> Result<(), String> {
    crate::docker::engine::ping().await.map_err(|e| {
        format!("{e}\n  hint: start the engine (scripts/lab up) or point DOCKER_HOST at one")
    })?;
    crate::docker::engine::buildx_version()
        .await
        .map_err(|e| format!("{e}\n  hint: install docker-buildx (scripts/lab up does)"))?;
    Ok(())
}
