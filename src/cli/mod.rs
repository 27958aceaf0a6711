//! The command line: clap, dispatch to a headless command or the console, and exit codes.

mod bake_file;
pub mod build;
pub mod builder;
mod completions;
pub mod doctor;
pub mod exit;
mod failure_lines;
mod hash_lines;
mod import;
mod outage_lines;
mod plan;
pub mod publish;
pub mod report_files;
mod run_lock;
mod silent_steps;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use color_eyre::eyre::eyre;

use crate::build::prepare::{prepare_watched, PrepareError, Prepared, Selection};
use crate::build::runner::BuildxRunner;
use crate::config::{LoadError, Matrix};
use crate::console::waiting::Waited;
use exit::EXIT_USAGE;
use report_files::ReportArgs;

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
    pub select: SelectArgs,
    /// The console's and the headless build's reports.
    #[command(flatten)]
    pub reports: ReportArgs,
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct SelectArgs {
    /// Build only COMPONENT[@PLATFORM] (repeatable) and what it depends on.
    #[arg(long, global = true, value_name = "COMPONENT[@PLATFORM]")]
    pub only: Vec<String>,
    /// Only these platforms' columns: linux/arm64, arm64 or armv7 (repeatable, comma-separated).
    ///
    /// Name each as in the matrix (linux/arm64), without its os (arm64, arm/v7) or by its image
    /// tag (armv7). A build, like the console, runs only those cells and what they depend on;
    /// plan shows only them; publish makes lists of only those platforms; verify checks only
    /// their entries; export writes only their images.
    #[arg(
        long = "platform",
        global = true,
        value_name = "PLATFORM[,PLATFORM...]"
    )]
    pub platforms: Vec<String>,
    /// Rebuild cells that are green for the same inputs; import, init and bake-file: overwrite
    /// the file.
    #[arg(long, global = true)]
    pub force: bool,
    /// Build without BuildKit's cache (implies --force).
    #[arg(long, global = true)]
    pub no_cache: bool,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Build the grid without the console: a line per state change, a table at the end.
    Build {
        #[command(flatten)]
        reports: ReportArgs,
    },
    /// Print every cell's exact argv and the start order; runs nothing.
    Plan {
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Check the engine, buildx, emulation, the registry, free disk and the builder.
    ///
    /// Without a matrix file the machine is checked all the same, for linux/amd64 and
    /// linux/arm64 on buildx's current builder.
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
    ///
    /// With --platform the lists hold only those platforms' images, which must be green, and
    /// replace what the tags held before.
    Publish {
        /// Publish only this component; only its own cells need to be green.
        #[arg(long)]
        component: Option<String>,
        /// Publish what is green and say which platforms are missing.
        #[arg(long)]
        allow_partial: bool,
    },
    /// Check that each list in the registry holds exactly the grid's platforms and digests.
    ///
    /// With --platform only those platforms' entries are checked; the others' are neither
    /// required nor reported.
    Verify {
        /// Check only this component's lists.
        #[arg(long)]
        component: Option<String>,
    },
    /// Write DIR/{arch}/{component}_{tag}.tar for every green cell, and DIR/index.json.
    ///
    /// With --platform only those platforms' cells are written.
    Export { dir: PathBuf },
    /// Print the completion script for SHELL; needs no matrix file.
    ///
    /// bash: `archgrid completions bash > ~/.local/share/bash-completion/completions/archgrid`;
    /// zsh: into a directory on $fpath as `_archgrid`; fish: into
    /// ~/.config/fish/completions/archgrid.fish.
    Completions { shell: clap_complete::Shell },
    /// Write a matrix.toml from compose or bake files, as `docker buildx bake --print` reads
    /// them; needs no matrix file.
    ///
    /// Each target that builds becomes a component; dependencies come from `target:` contexts,
    /// the registry and tag from the targets' tags. What the matrix cannot express is listed,
    /// on stderr and as comments in the file.
    Import(import::ImportArgs),
    /// Write a matrix.toml with a component per Dockerfile under DIR; needs no matrix file.
    Init(import::InitArgs),
    /// Write the grid as a docker-bake JSON file that `docker buildx bake` builds the same way.
    ///
    /// A target per cell with the cell's context, dockerfile, args, labels, secrets, cache and
    /// per-arch tag; dependencies as `target:` contexts under the names archgrid passes, so one
    /// bake run builds the whole graph. Paths are relative to the matrix's folder, where bake
    /// is to run. What the file cannot say is listed on stderr with the cells it concerns.
    /// --only and --platform choose the cells; --no-cache is written into every target.
    BakeFile(bake_file::BakeFileArgs),
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

impl From<&SelectArgs> for Selection {
    fn from(args: &SelectArgs) -> Selection {
        Selection {
            only: args.only.clone(),
            platforms: args.platforms.clone(),
            force: args.force,
            no_cache: args.no_cache,
        }
    }
}

/// Parses the command line, runs the command and returns the process's exit code. An error
/// that stops a command before it runs anything is printed with what to do, and exits 2.
pub fn main() -> u8 {
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{}", error_text(&report));
            EXIT_USAGE
        }
    };
    u8::try_from(code).unwrap_or(1)
}

/// `error: outer: inner` and the hint lines the messages carry. A user acts on the words; a
/// backtrace of where archgrid noticed the problem is for its developers, and stays out.
fn error_text(report: &color_eyre::Report) -> String {
    format!("error: {report:#}")
}

/// Appends what to do to an error's message, as every archgrid error says it.
pub(crate) fn hint(e: impl std::fmt::Display, what_to_do: &str) -> color_eyre::Report {
    eyre!("{e}\n  hint: {what_to_do}")
}

fn run(cli: Cli) -> color_eyre::Result<i32> {
    // Completions describe the command line, not a project: they must work where no matrix is.
    if let Some(Cmd::Completions { shell }) = cli.command {
        return Ok(completions::print(shell));
    }
    // Import and init write the matrix that is not there yet.
    match cli.command {
        Some(Cmd::Import(args)) => return import::import(args, &cli.select),
        Some(Cmd::Init(args)) => return import::init(args, &cli.select),
        _ => {}
    }
    let matrix = match Matrix::load(&cli.matrix) {
        Ok(m) => m,
        Err(LoadError::Missing(missing)) => {
            // The machine can be checked before a project has a matrix.
            if let Some(Cmd::Doctor { json }) = cli.command {
                return Ok(doctor::run_without_matrix(&missing, json));
            }
            eprintln!("error: {missing}");
            return Ok(EXIT_USAGE);
        }
        Err(LoadError::Invalid(errors)) => {
            // Each error already names its file, line and column and how to fix it.
            eprintln!("{errors}");
            return Ok(EXIT_USAGE);
        }
    };
    for warning in &matrix.warnings {
        eprintln!("warning: {warning}");
    }
    let select = Selection::from(&cli.select);
    let reports = match &cli.command {
        None => cli.reports.destinations()?,
        Some(Cmd::Build { reports }) => reports.clone().or(cli.reports.clone()).destinations()?,
        Some(_) if !cli.reports.is_empty() => {
            return Err(eyre!(
                "--junit and --report-json report a build\n  hint: give them to `archgrid build` or to the console"
            ))
        }
        Some(_) => crate::report::Destinations::default(),
    };
    // Held until this returns: a console or a build, a publish or an export, from start to end.
    let _lock = match &cli.command {
        None | Some(Cmd::Build { .. } | Cmd::Publish { .. } | Cmd::Export { .. }) => {
            Some(run_lock::hold(&matrix)?)
        }
        // Read-only: verify only reads state.json and the registry.
        Some(
            Cmd::Plan { .. }
            | Cmd::Doctor { .. }
            | Cmd::Builder { .. }
            | Cmd::Verify { .. }
            | Cmd::Completions { .. }
            | Cmd::Import(_)
            | Cmd::Init(_)
            | Cmd::BakeFile(_),
        ) => None,
    };
    Ok(match cli.command {
        Some(Cmd::Plan { json }) => {
            let facts = crate::docker::contexts::plan_facts(&matrix);
            plan::run(&matrix, &facts, &select, json)?
        }
        Some(Cmd::BakeFile(args)) => {
            let facts = crate::docker::contexts::plan_facts(&matrix);
            bake_file::run(&matrix, &facts, &select, &args)?
        }
        Some(Cmd::Doctor { json }) => doctor::run(&matrix, json),
        Some(Cmd::Builder {
            action: BuilderCmd::Create { recreate, dry_run },
        }) => builder::create(&matrix, recreate, dry_run)?,
        Some(Cmd::Builder {
            action: BuilderCmd::Inspect,
        }) => builder::inspect(&matrix),
        Some(Cmd::Publish {
            component,
            allow_partial,
        }) => publish::publish(matrix, component, allow_partial, &select.platforms)?,
        Some(Cmd::Verify { component }) => publish::verify(matrix, component, &select.platforms)?,
        Some(Cmd::Export { dir }) => publish::export(matrix, dir, &select.platforms)?,
        Some(Cmd::Completions { shell }) => completions::print(shell),
        Some(Cmd::Import(args)) => import::import(args, &cli.select)?,
        Some(Cmd::Init(args)) => import::init(args, &cli.select)?,
        Some(Cmd::Build { .. }) => run_build(matrix, &select, true, &reports)?,
        // The console needs a terminal; without one (a pipe, CI) the headless build is the
        // only thing that can work.
        None => {
            let tty = std::io::IsTerminal::is_terminal(&std::io::stdout());
            run_build(matrix, &select, cli.headless || !tty, &reports)?
        }
    })
}

/// One runtime for a headless command; the console starts its own.
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The checks both front ends make before the scheduler starts. The console tolerates an
/// unreachable engine (its header says so and it keeps asking); the headless build does not.
async fn ready_to_build(mut prep: Prepared, headless: bool) -> color_eyre::Result<Prepared> {
    match check_engine().await {
        Ok(()) => {}
        Err(e) if headless => return Err(e),
        Err(_) => return Ok(prep),
    }
    let pre = crate::docker::preflight::check(&prep.matrix)
        .await
        .map_err(|e| eyre!(e))?;
    pre.notes.iter().for_each(|n| eprintln!("note: {n}"));
    crate::docker::cache_export::check(&prep.matrix, &prep.plan)
        .await
        .map_err(|e| eyre!(e))?;
    for block in prep.refuse_blocked_columns().await {
        if headless {
            println!("{} is blocked: {}", block.platform, block.reason);
        }
    }
    prep.check_base_images().await;
    if headless {
        for note in &prep.notes {
            eprintln!("note: {note}");
        }
    }
    Ok(prep)
}

fn run_build(
    matrix: Matrix,
    select: &Selection,
    headless: bool,
    reports: &crate::report::Destinations,
) -> color_eyre::Result<i32> {
    let facts = crate::docker::contexts::plan_facts(&matrix);
    let prep = if headless {
        hash_lines::prepare_headless(matrix, &facts, select)?
    } else {
        let root = matrix.root.clone();
        let select = select.clone();
        let waited = crate::console::waiting::run(&root, move |watch| {
            prepare_watched(matrix, &facts, &select, &watch)
        });
        match waited {
            Ok(Waited::Done(Ok(prep))) => prep,
            Ok(Waited::Done(Err(PrepareError::Cancelled)) | Waited::Quit) => {
                return Ok(exit::EXIT_INTERRUPTED)
            }
            Ok(Waited::Done(Err(e))) => return Err(eyre!(e)),
            Err(e) => return console_error(e),
        }
    };
    let prep = runtime().block_on(ready_to_build(prep, headless))?;
    let runner = BuildxRunner {
        redactor: prep.redactor.clone(),
        ..BuildxRunner::default()
    };
    if headless {
        Ok(runtime().block_on(async move {
            let mut out = std::io::stdout();
            build::run(prep, runner, reports, &mut out).await
        }))
    } else {
        let mut record = crate::report::Recorder::new(prep.plan.clone(), &prep.initial);
        match crate::console::run(prep, runner, &mut record) {
            Ok(ending) => {
                let code = exit::of_console(ending);
                Ok(report_files::write(
                    reports,
                    &record,
                    code,
                    &mut std::io::stderr(),
                ))
            }
            Err(e) => console_error(e),
        }
    }
}

fn console_error(e: crate::console::Error) -> color_eyre::Result<i32> {
    match e {
        crate::console::Error::Keys(e) => Err(eyre!("key bindings:\n{e}")),
        crate::console::Error::Start(e) => {
            // The matrix was fine; the terminal was not. That is a failed run, not a usage
            // error.
            let e = hint(
                e,
                "run `archgrid build` for the headless build, which needs no terminal",
            );
            eprintln!("{}", error_text(&e));
            Ok(exit::EXIT_FAILED)
        }
    }
}

/// The engine answers and buildx is installed.
pub(crate) async fn check_engine() -> color_eyre::Result<()> {
    crate::docker::engine::ping().await.map_err(|e| {
        hint(
            e,
            "start the engine (scripts/lab up) or point DOCKER_HOST at one",
        )
    })?;
    check_buildx().await
}

/// buildx is installed: all that publish and verify need, since they talk to the registry.
pub(crate) async fn check_buildx() -> color_eyre::Result<()> {
    crate::docker::engine::buildx_version()
        .await
        .map_err(|e| hint(e, "install docker-buildx (scripts/lab up does)"))?;
    Ok(())
}
