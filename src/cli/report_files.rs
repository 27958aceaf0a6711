//! `--junit` and `--report-json` for both front ends: the flags, the check before a run, and
//! the files written when it ends.

use std::io::Write;
use std::path::PathBuf;

use super::exit::{EXIT_FAILED, EXIT_GREEN};
use super::{error_text, hint};
use crate::report::{Destinations, Recorder, ReportError};

#[derive(Debug, Clone, Default, clap::Args)]
pub struct ReportArgs {
    /// Write a JUnit XML file when the run ends: a test case per cell, for a CI server's test
    /// view (README: CI reports).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write the run as JSON when it ends: every cell's status, digest and attempts (README: CI
    /// reports has its schema).
    #[arg(long = "report-json", value_name = "PATH")]
    pub report_json: Option<PathBuf>,
}

impl ReportArgs {
    pub fn is_empty(&self) -> bool {
        self.junit.is_none() && self.report_json.is_none()
    }

    /// Each flag given here, else the one given with `fallback`.
    pub fn or(self, fallback: ReportArgs) -> ReportArgs {
        ReportArgs {
            junit: self.junit.or(fallback.junit),
            report_json: self.report_json.or(fallback.report_json),
        }
    }

    /// The files, relative paths taken from the current folder, checked before anything runs:
    /// a report that cannot be written should not wait for the end of a long build to say so.
    pub fn destinations(&self) -> color_eyre::Result<Destinations> {
        let cwd = std::env::current_dir()
            .map_err(|e| hint(e, "run archgrid from a folder that exists"))?;
        let dest = Destinations::new(self.junit.as_deref(), self.report_json.as_deref(), &cwd);
        dest.check().map_err(|e| report_error(&e))?;
        Ok(dest)
    }
}

fn report_error(e: &ReportError) -> color_eyre::Report {
    hint(e, &e.hint())
}

/// Writes the reports asked for and returns the exit code: a run that was green but could not
/// write a report a CI step waits for exits 1, and the JSON report says so when it is the
/// JUnit file that failed.
pub fn write(dest: &Destinations, record: &Recorder, code: i32, out: &mut dyn Write) -> i32 {
    let mut code = code;
    let mut failed = |e: ReportError, code: &mut i32| {
        let _ = writeln!(out, "{}", error_text(&report_error(&e)));
        if *code == EXIT_GREEN {
            *code = EXIT_FAILED;
        }
    };
    if let Err(e) = dest.write_junit(&record.report(code)) {
        failed(e, &mut code);
    }
    if let Err(e) = dest.write_json(&record.report(code)) {
        failed(e, &mut code);
    }
    code
}
