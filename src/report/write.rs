//! Where the reports go, checked before a run so a long build does not end unable to write them,
//! and written whole or not at all.

use std::fmt;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::RunReport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Junit,
    Json,
}

impl Kind {
    fn words(self) -> &'static str {
        match self {
            Kind::Junit => "JUnit report (--junit)",
            Kind::Json => "JSON report (--report-json)",
        }
    }
}

/// The files a run writes its reports to, absolute.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destinations {
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
}

#[derive(Debug)]
pub enum ReportError {
    /// The folder the file would go in is not there.
    NoFolder { kind: Kind, path: PathBuf },
    /// The path names a folder, not a file.
    IsFolder { kind: Kind, path: PathBuf },
    Write {
        kind: Kind,
        path: PathBuf,
        error: std::io::Error,
    },
}

impl ReportError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            ReportError::NoFolder { path, .. } => format!(
                "create the folder first (mkdir -p {}) or name a file in a folder that exists",
                folder_of(path).display()
            ),
            ReportError::IsFolder { path, .. } => format!(
                "name a file, such as {}",
                path.join("archgrid-report").display()
            ),
            ReportError::Write { path, .. } => format!(
                "check that {} is writable and has free space",
                folder_of(path).display()
            ),
        }
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::NoFolder { kind, path } => write!(
                f,
                "cannot write the {} to {}: the folder {} does not exist",
                kind.words(),
                path.display(),
                folder_of(path).display()
            ),
            ReportError::IsFolder { kind, path } => write!(
                f,
                "cannot write the {} to {}: it is a folder",
                kind.words(),
                path.display()
            ),
            ReportError::Write { kind, path, error } => write!(
                f,
                "cannot write the {} to {}: {error}",
                kind.words(),
                path.display()
            ),
        }
    }
}

impl std::error::Error for ReportError {}

impl Destinations {
    /// `junit` and `json` as given on the command line; a relative path is taken from `cwd`.
    pub fn new(junit: Option<&Path>, json: Option<&Path>, cwd: &Path) -> Destinations {
        Destinations {
            junit: junit.map(|p| cwd.join(p)),
            json: json.map(|p| cwd.join(p)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.junit.is_none() && self.json.is_none()
    }

    fn each(&self) -> impl Iterator<Item = (Kind, &Path)> {
        [(Kind::Junit, &self.junit), (Kind::Json, &self.json)]
            .into_iter()
            .filter_map(|(kind, path)| Some((kind, path.as_deref()?)))
    }

    /// Every file can be written as far as can be told before the run: its folder exists and
    /// the path is not a folder itself.
    pub fn check(&self) -> Result<(), ReportError> {
        self.each().try_for_each(|(kind, path)| usable(kind, path))
    }

    /// Writes the JUnit report, if asked for.
    pub fn write_junit(&self, run: &RunReport) -> Result<(), ReportError> {
        match &self.junit {
            Some(path) => persist(Kind::Junit, path, &super::junit::render(run)),
            None => Ok(()),
        }
    }

    /// Writes the JSON report, if asked for.
    pub fn write_json(&self, run: &RunReport) -> Result<(), ReportError> {
        match &self.json {
            Some(path) => persist(Kind::Json, path, &super::json::render(run)),
            None => Ok(()),
        }
    }
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

fn usable(kind: Kind, path: &Path) -> Result<(), ReportError> {
    let path_buf = || path.to_path_buf();
    if path.is_dir() {
        return Err(ReportError::IsFolder {
            kind,
            path: path_buf(),
        });
    }
    if !folder_of(path).is_dir() {
        return Err(ReportError::NoFolder {
            kind,
            path: path_buf(),
        });
    }
    Ok(())
}

/// A temp file in the same folder, fsynced, then renamed over the target: a CI step that reads
/// the report finds the old file or the whole new one, never half of one.
fn persist(kind: Kind, path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    usable(kind, path)?;
    let fail = |error: std::io::Error| ReportError::Write {
        kind,
        path: path.to_path_buf(),
        error,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A temp file is private by default; a report gets the mode any new file would (0666 less
    // the umask), so a CI step running as another user can upload it.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(folder_of(path))
        .map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
