//! Bringing an existing project in: `archgrid import` turns compose and bake files (through
//! `docker buildx bake --print`) into a matrix.toml, `archgrid init` does the same from the
//! Dockerfiles under a folder. Both propose a matrix, write it with comments where something
//! was inferred or left out, and load it back as the check that it is usable.

pub mod bake;
pub mod compose;
mod deps;
mod error;
mod from_bake;
mod from_dockerfiles;
pub mod guess;
pub mod left_out;
pub mod names;
pub mod paths;
mod platforms;
pub mod proposal;
pub mod render;
pub mod scan;
pub mod secrets;
mod write;

use std::path::{Path, PathBuf};

use crate::config::reference::{check_registry, is_tag};
use crate::model::Platform;

pub use error::Error;
pub use proposal::Proposal;
pub use write::{write, Output, Written};

/// What the command line decides instead of the guesses.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    pub platforms: Option<Vec<Platform>>,
    pub registry: Option<String>,
    pub tag: Option<String>,
}

impl Choices {
    /// The flags as given, each checked as the matrix would check it.
    pub fn from_flags(
        platforms: Option<&str>,
        registry: Option<String>,
        tag: Option<String>,
    ) -> Result<Choices, Error> {
        let platforms = platforms
            .map(|list| {
                let mut out: Vec<Platform> = Vec::new();
                for entry in list.split(',').map(str::trim) {
                    let p = entry.parse::<Platform>().map_err(|e| Error::Usage {
                        message: format!("--platforms: {e}"),
                        hint: "list platforms separated by commas, e.g. --platforms linux/amd64,linux/arm64".into(),
                    })?;
                    if !out.iter().any(|q| q.same_as(&p)) {
                        out.push(p);
                    }
                }
                Ok::<_, Error>(out)
            })
            .transpose()?;
        if let Some(r) = &registry {
            check_registry(r).map_err(|e| Error::Usage {
                message: format!("--registry: {e}"),
                hint: "name it as host[:port]/path, e.g. --registry registry.example.com/acme"
                    .into(),
            })?;
        }
        if let Some(t) = &tag {
            if !is_tag(t) {
                return Err(Error::Usage {
                    message: format!("--tag: {t:?} is not a valid image tag"),
                    hint: "tags are 1 to 128 letters, digits, _, . or -, not starting with . or -, e.g. --tag v0.1.0".into(),
                });
            }
        }
        Ok(Choices {
            platforms,
            registry,
            tag,
        })
    }
}

/// Where relative paths start: the folder bake runs in, and the folder the matrix goes to.
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub cwd: &'a Path,
    pub matrix_dir: &'a Path,
}

/// Runs bake in the current folder on `files` (none: its default lookup), reads the compose
/// files among them, and proposes a matrix for `output`.
pub async fn import(
    files: &[PathBuf],
    choices: &Choices,
    output: &Output,
    cwd: &Path,
) -> Result<Proposal, Error> {
    let print = bake::print(files).await.map_err(Error::Bake)?;
    let compose_files = compose::read_all(files, cwd).map_err(Error::Compose)?;
    let place = Place {
        cwd,
        matrix_dir: &output.dir,
    };
    Ok(from_bake::propose(
        &print,
        &compose_files,
        files,
        choices,
        &place,
    ))
}

/// Scans `dir` (as given: `dir_given`) for Dockerfiles and proposes a matrix for `output`.
pub fn init(
    dir: &Path,
    dir_given: &Path,
    choices: &Choices,
    output: &Output,
) -> Result<Proposal, Error> {
    let place = Place {
        cwd: dir,
        matrix_dir: &output.dir,
    };
    let (proposal, _found) = from_dockerfiles::propose(dir, dir_given, choices, &place)?;
    Ok(proposal)
}
