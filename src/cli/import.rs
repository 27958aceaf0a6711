//! `archgrid import` and `archgrid init`: write a matrix.toml for an existing project, then
//! say what was inferred, what was left out and what to run next. Neither needs a matrix.

use std::io::Write;
use std::path::{Path, PathBuf};

use color_eyre::eyre::eyre;

use super::exit::{EXIT_FAILED, EXIT_GREEN, EXIT_USAGE};
use super::SelectArgs;
use crate::import::proposal::{Platforms, Registry, Tag};
use crate::import::{self, Choices, Error, Output, Proposal, Written};
use crate::model::text::{plural, shell_words};

/// The project settings both commands take instead of guessing them.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectArgs {
    /// Where to write the matrix; relative paths in it start at its folder.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "PATH",
        default_value = "matrix.toml"
    )]
    pub output: PathBuf,
    /// The project's platforms, comma-separated (linux/amd64,linux/arm64); overrides every
    /// target's.
    // Its own id: the global --platform's field is also named `platforms`, and clap would
    // store both under one.
    #[arg(long = "platforms", id = "project_platforms", value_name = "LIST")]
    pub platforms: Option<String>,
    /// Images are pushed as REGISTRY/{component}; default: guessed from the targets' tags.
    #[arg(long, value_name = "REGISTRY")]
    pub registry: Option<String>,
    /// The tag to build and publish; default: guessed from the targets' tags.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// Compose files and bake files (HCL or JSON); none: those bake finds in this folder.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub project: ProjectArgs,
}

#[derive(Debug, Clone, clap::Args)]
pub struct InitArgs {
    /// The folder to scan for Dockerfiles.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub project: ProjectArgs,
}

pub fn import(args: ImportArgs, select: &SelectArgs) -> color_eyre::Result<i32> {
    let cwd = current_dir()?;
    let made = prepare(&args.project, select, &cwd).and_then(|(choices, output)| {
        let proposal =
            super::runtime().block_on(import::import(&args.files, &choices, &output, &cwd))?;
        Ok((proposal, output))
    });
    finish(made, &cwd)
}

pub fn init(args: InitArgs, select: &SelectArgs) -> color_eyre::Result<i32> {
    let cwd = current_dir()?;
    let made = prepare(&args.project, select, &cwd).and_then(|(choices, output)| {
        let proposal = import::init(&cwd.join(&args.dir), &args.dir, &choices, &output)?;
        Ok((proposal, output))
    });
    finish(made, &cwd)
}

fn current_dir() -> color_eyre::Result<PathBuf> {
    std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .map_err(|e| eyre!("cannot read the current folder: {e}"))
}

fn prepare(
    project: &ProjectArgs,
    select: &SelectArgs,
    cwd: &Path,
) -> Result<(Choices, Output), Error> {
    if !select.platforms.is_empty() {
        return Err(Error::Usage {
            message: "--platform picks columns of an existing matrix".into(),
            hint: "name the new project's platforms with --platforms LIST".into(),
        });
    }
    let choices = Choices::from_flags(
        project.platforms.as_deref(),
        project.registry.clone(),
        project.tag.clone(),
    )?;
    // Checked before any work, so a refusal costs nothing.
    let output = Output::new(&project.output, cwd, select.force)?;
    Ok((choices, output))
}

fn finish(made: Result<(Proposal, Output), Error>, cwd: &Path) -> color_eyre::Result<i32> {
    let written = made.and_then(|(proposal, output)| {
        let written = import::write(&proposal, &output)?;
        Ok((proposal, output, written))
    });
    match written {
        Ok((proposal, output, written)) => {
            report(&proposal, &output, &written, cwd);
            Ok(EXIT_GREEN)
        }
        Err(e) => {
            eprintln!("error: {e}\n  hint: {}", e.hint());
            Ok(match e {
                // The file is there but archgrid cannot read it: a fault, not a usage error.
                Error::SelfCheck { .. } => EXIT_FAILED,
                _ => EXIT_USAGE,
            })
        }
    }
}

/// Caveats on stderr, one per line; the summary and the next commands on stdout.
fn report(proposal: &Proposal, output: &Output, written: &Written, cwd: &Path) {
    let mut err = std::io::stderr().lock();
    for c in &proposal.components {
        for note in &c.notes {
            let _ = writeln!(err, "note: {}: {note}", c.name);
        }
        for left in &c.left_out {
            let _ = writeln!(err, "left out: {}: {left}", left.target);
        }
    }
    for left in &proposal.left_out {
        let _ = writeln!(err, "left out: {}: {left}", left.target);
    }
    for skipped in &proposal.skipped {
        let _ = writeln!(err, "skipped: {}: {}", skipped.name, skipped.reason);
    }
    if proposal.project.platforms == Platforms::Default {
        let _ = writeln!(
            err,
            "note: no platforms were named anywhere: the matrix builds linux/amd64 and linux/arm64 (--platforms LIST to choose)"
        );
    }
    for (var, id) in &written.unset_env {
        let _ = writeln!(
            err,
            "note: secret {id} reads ${var}, which is not set here: export {var} before archgrid build"
        );
    }
    for warning in &written.matrix.warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
    drop(err);

    let mut out = std::io::stdout().lock();
    let shown = output.path.strip_prefix(cwd).unwrap_or(&output.path);
    let n = proposal.components.len();
    let platforms: Vec<String> = proposal
        .project
        .platforms
        .list()
        .iter()
        .map(|p| p.to_string())
        .collect();
    let _ = writeln!(
        out,
        "wrote {}: {n} component{} for {}",
        shown.display(),
        plural(n),
        platforms.join(", ")
    );
    let width = proposal
        .components
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for c in &proposal.components {
        let mut facts = vec![c.context.clone()];
        if let Some(p) = &c.platforms {
            let names: Vec<String> = p.iter().map(|p| p.to_string()).collect();
            facts.push(format!("only {}", names.join(", ")));
        }
        if !c.depends_on.is_empty() {
            let deps: Vec<&str> = c.depends_on.iter().map(|d| d.name.as_str()).collect();
            facts.push(format!("after {}", deps.join(", ")));
        }
        let _ = writeln!(out, "  {:<width$}  {}", c.name, facts.join("; "));
    }
    let registry = match &proposal.project.registry {
        Registry::Flag(r) => format!("pushed to {r}"),
        Registry::Guessed(r) => format!("pushed to {r} (from the targets' tags)"),
        Registry::None => "loaded into the local engine (no registry found)".into(),
    };
    let tag = match &proposal.project.tag {
        Tag::Flag(t) => t.clone(),
        Tag::Guessed(t) => format!("{t} (from the targets' tags)"),
        Tag::Default => format!("{} (none found)", proposal.project.tag.value()),
    };
    let _ = writeln!(out, "images {registry}, tag {tag}");
    let (skipped, left) = (
        proposal.skipped.len(),
        proposal.left_out.len()
            + proposal
                .components
                .iter()
                .map(|c| c.left_out.len())
                .sum::<usize>(),
    );
    if skipped + left > 0 {
        let _ = writeln!(
            out,
            "{skipped} skipped, {left} option{} left out: see above and the comments in the file",
            plural(left)
        );
    }
    let matrix_flag = if shown == Path::new("matrix.toml") {
        String::new()
    } else {
        format!(
            " --matrix {}",
            shell_words([shown.display().to_string().as_str()])
        )
    };
    let _ = writeln!(
        out,
        "next:\n  archgrid plan{matrix_flag}\n  archgrid build{matrix_flag}"
    );
}
