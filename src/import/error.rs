use std::fmt;
use std::path::PathBuf;

use super::bake::BakeError;
use crate::config::ConfigErrors;

/// Why nothing, or nothing usable, was written.
#[derive(Debug)]
pub enum Error {
    /// The output file is there and `--force` was not given.
    Exists(PathBuf),
    /// A flag's value is not usable.
    Usage {
        message: String,
        hint: String,
    },
    Bake(BakeError),
    /// A compose file could not be read.
    Compose(String),
    /// Scanning for Dockerfiles found none, or could not read the folder.
    Scan {
        message: String,
        hint: String,
    },
    Write {
        path: PathBuf,
        message: String,
    },
    /// The written file does not load: archgrid wrote something it cannot read.
    SelfCheck {
        path: PathBuf,
        errors: ConfigErrors,
    },
}

impl Error {
    pub fn hint(&self) -> String {
        match self {
            Error::Exists(path) => format!(
                "pass --force to overwrite {}, or write elsewhere with -o PATH",
                path.display()
            ),
            Error::Usage { hint, .. } | Error::Scan { hint, .. } => hint.clone(),
            Error::Bake(e) => e.hint.clone(),
            Error::Compose(_) => "fix the compose file; docker compose config shows what is wrong".into(),
            Error::Write { .. } => "check that the folder exists and is writable, or pass -o PATH".into(),
            Error::SelfCheck { .. } => "this is a bug in archgrid import: please report it with the file; meanwhile fix the lines named above by hand".into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Exists(path) => write!(f, "{} already exists", path.display()),
            Error::Usage { message, .. } | Error::Scan { message, .. } => f.write_str(message),
            Error::Bake(e) => write!(f, "{e}"),
            Error::Compose(message) => f.write_str(message),
            Error::Write { path, message } => {
                write!(f, "cannot write {}: {message}", path.display())
            }
            Error::SelfCheck { path, errors } => {
                write!(f, "the written {} does not load:\n{errors}", path.display())
            }
        }
    }
}

impl std::error::Error for Error {}
