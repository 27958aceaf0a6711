//! Writing the proposed matrix, never over a file unless asked, and loading it back.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::proposal::Proposal;
use super::render::render;
use super::secrets::SecretFrom;
use super::Error;
use crate::config::{Matrix, Vars};

/// Where the matrix goes.
#[derive(Debug, Clone)]
pub struct Output {
    /// Absolute, in `dir`.
    pub path: PathBuf,
    /// The file's folder, canonical: every relative path in the file starts here.
    pub dir: PathBuf,
    pub force: bool,
}

impl Output {
    /// `given` relative to `cwd`. Refuses an existing file without `force` before any work is
    /// done; creates the folder when missing.
    pub fn new(given: &Path, cwd: &Path, force: bool) -> Result<Output, Error> {
        let path = cwd.join(given);
        if path.is_dir() {
            return Err(Error::Usage {
                message: format!("{} is a folder", path.display()),
                hint: format!(
                    "name the file to write, e.g. -o {}",
                    given.join("matrix.toml").display()
                ),
            });
        }
        if path.exists() && !force {
            return Err(Error::Exists(path));
        }
        let file_name = path.file_name().ok_or_else(|| Error::Usage {
            message: format!("{} names no file", given.display()),
            hint: "pass -o PATH/matrix.toml".into(),
        })?;
        let parent = path.parent().unwrap_or(cwd);
        std::fs::create_dir_all(parent).map_err(|e| Error::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let dir = parent.canonicalize().map_err(|e| Error::Write {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(Output {
            path: dir.join(file_name),
            dir,
            force,
        })
    }
}

/// The file as written and loaded.
#[derive(Debug)]
pub struct Written {
    pub matrix: Matrix,
    /// Environment variables secrets read that are not set now: (variable, secret id).
    pub unset_env: Vec<(String, String)>,
}

/// Stands in for a secret's value during the check: the file is checked, not the environment.
const PLACEHOLDER: &str = "set-before-building";

pub fn write(proposal: &Proposal, output: &Output) -> Result<Written, Error> {
    // A matrix without components does not load; better to write nothing and say why.
    if proposal.components.is_empty() {
        let why: Vec<String> = proposal
            .skipped
            .iter()
            .map(|s| format!("\n  {}: {}", s.name, s.reason))
            .collect();
        return Err(Error::Usage {
            message: format!("nothing builds from a local folder, so nothing was written{}", why.concat()),
            hint: "add a Dockerfile in a folder the compose or bake file names, or write the matrix by hand (README: matrix.toml)".into(),
        });
    }
    let text = render(proposal);
    let failed = |e: std::io::Error| Error::Write {
        path: output.path.clone(),
        message: e.to_string(),
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .create_new(!output.force)
        .open(&output.path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::Exists(output.path.clone()),
            _ => failed(e),
        })?;
    file.write_all(text.as_bytes()).map_err(failed)?;
    drop(file);
    check(proposal, output)
}

/// Loads the file just written as every command will. A secret whose variable is unset now is
/// a step before building, not a fault of the file, so the check supplies a stand-in for it
/// and reports the variable instead.
fn check(proposal: &Proposal, output: &Output) -> Result<Written, Error> {
    let self_check = |errors| Error::SelfCheck {
        path: output.path.clone(),
        errors,
    };
    let text = std::fs::read_to_string(&output.path).map_err(|e| Error::Write {
        path: output.path.clone(),
        message: e.to_string(),
    })?;
    // A .env beside the matrix that does not parse is the project's to fix, not the file's.
    let mut vars = Vars::from_process(&output.dir).map_err(|e| Error::Usage {
        hint: e.hint.clone().unwrap_or_default(),
        message: format!("{}: {}", e.file.display(), e.message),
    })?;
    let mut unset_env = Vec::new();
    for secret in &proposal.secrets {
        if let SecretFrom::Env(var) = &secret.from {
            if vars.env(var).is_none() {
                vars = vars.with_env(var, PLACEHOLDER);
                unset_env.push((var.clone(), secret.id.clone()));
            }
        }
    }
    let matrix = Matrix::from_str_with(&text, &output.path, &vars).map_err(self_check)?;
    Ok(Written { matrix, unset_env })
}
