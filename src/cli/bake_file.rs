//! `archgrid bake-file`: writes the plan as a docker-bake JSON file, never over an existing
//! file without `--force`, then says what was left out (stderr) and how to run bake (stdout).

use std::io::Write as _;
use std::path::{Path, PathBuf};

use color_eyre::eyre::eyre;

use super::exit::EXIT_GREEN;
use super::hint;
use crate::bake_file::{translate, Translation};
use crate::build::prepare::Selection;
use crate::config::Matrix;
use crate::model::text::{docker_command_line, plural};
use crate::plan::{Facts, Plan};

/// Where the file goes when `-o` is not given: beside the matrix, where bake is to run.
pub const DEFAULT_NAME: &str = "docker-bake.json";

#[derive(Debug, Clone, clap::Args)]
pub struct BakeFileArgs {
    /// Where to write the bake file; default: docker-bake.json beside the matrix.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
}

pub fn run(
    matrix: &Matrix,
    facts: &Facts,
    select: &Selection,
    args: &BakeFileArgs,
) -> color_eyre::Result<i32> {
    let (plan, selected) = super::plan::selected_plan(matrix, facts, select)?;
    let cwd = std::env::current_dir()
        .and_then(|d| d.canonicalize())
        .map_err(|e| eyre!("cannot read the current folder: {e}"))?;
    let path = match &args.output {
        Some(given) => cwd.join(given),
        None => matrix.root.join(DEFAULT_NAME),
    };
    let translation = translate(&plan, &selected, &matrix.root, select.no_cache);
    write(&path, &translation.file.to_json(), select.force)?;

    let mut err = std::io::stderr().lock();
    for note in plan.dependency_notes() {
        let _ = writeln!(err, "note: {note}");
    }
    for left in &translation.left_out {
        let _ = writeln!(
            err,
            "left out: {} ({}): {}",
            left.flags.join(" "),
            left.cells.join(", "),
            left.gap
        );
    }
    if translation.runs.len() > 1 {
        let _ = writeln!(
            err,
            "note: the platforms are routed to different builders and a bake run uses one: run bake once per platform group (below); a target's dependencies are all of its platform"
        );
    }
    drop(err);
    report(matrix, &plan, &translation, &path, &cwd);
    Ok(EXIT_GREEN)
}

/// Creates the folder if needed; refuses a folder, and an existing file unless `force`.
fn write(path: &Path, text: &str, force: bool) -> color_eyre::Result<()> {
    if path.is_dir() {
        return Err(hint(
            format!("{} is a folder", path.display()),
            &format!(
                "name the file to write, e.g. -o {}",
                path.join(DEFAULT_NAME).display()
            ),
        ));
    }
    let exists = || {
        hint(
            format!("{} already exists", path.display()),
            &format!(
                "pass --force to overwrite {}, or write elsewhere with -o PATH",
                path.display()
            ),
        )
    };
    if path.exists() && !force {
        return Err(exists());
    }
    let failed = |e: std::io::Error| {
        hint(
            format!("cannot write {}: {e}", path.display()),
            "check that the folder is writable, or pass -o PATH",
        )
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .create_new(!force)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => exists(),
            _ => failed(e),
        })?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    Ok(())
}

/// What was written and the bake commands, to run in the matrix's folder.
fn report(matrix: &Matrix, plan: &Plan, t: &Translation, path: &Path, cwd: &Path) {
    let mut out = std::io::stdout().lock();
    let shown = path.strip_prefix(cwd).unwrap_or(path);
    let targets = t.targets.len();
    let copies = t.file.target.len() - targets;
    let components = t
        .targets
        .keys()
        .map(|&i| plan.cells[i].component.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let platforms = t
        .targets
        .keys()
        .map(|&i| plan.cells[i].platform.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let _ = write!(
        out,
        "wrote {}: {targets} target{} ({components} component{} × {platforms} platform{})",
        shown.display(),
        plural(targets),
        plural(components),
        plural(platforms),
    );
    if copies > 0 {
        let _ = write!(
            out,
            ", and {copies} cop{} of a dependency's target for a Dockerfile that reads it by a second name",
            if copies == 1 { "y" } else { "ies" }
        );
    }
    let _ = writeln!(out);
    // bake resolves the file's paths against the folder it runs in.
    let file = path
        .strip_prefix(&matrix.root)
        .unwrap_or(path)
        .display()
        .to_string();
    if cwd == matrix.root {
        let _ = writeln!(out, "next:");
    } else {
        let _ = writeln!(
            out,
            "next, in {} (bake reads the file's paths from the folder it runs in):",
            matrix.root.display()
        );
    }
    for run in &t.runs {
        let _ = writeln!(out, "  {}", docker_command_line(&run.argv(&file)));
    }
}
