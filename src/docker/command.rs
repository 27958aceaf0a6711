//! One short-lived docker child (a query, imagetools, an export): an argument vector, never a
//! shell, and what it printed kept for the report.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::model::format_duration;

pub struct Ran {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    /// buildx's own account of a failure: its `ERROR:` lines, else the last lines it printed.
    pub fn error_text(&self) -> String {
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("ERROR:") || l.starts_with("error:"))
            .collect();
        if !errors.is_empty() {
            return errors.join("\n");
        }
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        let tail = &lines[lines.len().saturating_sub(5)..];
        if tail.is_empty() {
            "docker exited with a failure and printed nothing".to_string()
        } else {
            tail.join("\n")
        }
    }

    /// imagetools says `ERROR: REF: not found` for a tag or digest the registry does not have.
    pub fn not_found(&self) -> bool {
        !self.success && self.stderr.trim_end().ends_with(": not found")
    }
}

/// Runs `docker ARGV`, writing `stdin` to it when given. `limit` bounds a call that only talks
/// to a registry, so an address that swallows packets cannot hang the command forever.
pub async fn docker(
    argv: &[String],
    stdin: Option<&[u8]>,
    limit: Option<Duration>,
) -> Result<Ran, String> {
    let shown = crate::model::text::docker_command_line(argv);
    let mut cmd = tokio::process::Command::new("docker");
    cmd.args(argv)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not run {shown}: {e}"))?;
    if let (Some(bytes), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(bytes)
            .await
            .map_err(|e| format!("could not write to {shown}: {e}"))?;
        // Closing stdin is what tells docker the Dockerfile is complete.
        drop(pipe);
    }
    let wait = child.wait_with_output();
    let out = match limit {
        Some(limit) => tokio::time::timeout(limit, wait)
            .await
            .map_err(|_| format!("{shown} did not finish in {}", format_duration(limit)))?,
        None => wait.await,
    }
    .map_err(|e| format!("could not run {shown}: {e}"))?;
    Ok(Ran {
        success: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(stderr: &str) -> Ran {
        Ran {
            success: false,
            stdout: String::new(),
            stderr: stderr.into(),
        }
    }

    #[test]
    fn not_found_is_told_apart_from_other_failures() {
        assert!(failed("ERROR: localhost:5000/x/app:v1: not found\n").not_found());
        let refused = failed(
            "ERROR: failed to do request: Head \"http://127.0.0.1:5999/v2/x/app/manifests/v1\": \
             dial tcp 127.0.0.1:5999: connect: connection refused\n",
        );
        assert!(!refused.not_found());
        assert!(refused
            .error_text()
            .starts_with("ERROR: failed to do request"));
    }

    #[test]
    fn error_text_falls_back_to_the_last_lines() {
        let ran = failed("#1 one\n#2 two\n\n#3 three\n");
        assert_eq!(ran.error_text(), "#1 one\n#2 two\n#3 three");
        assert_eq!(
            failed("").error_text(),
            "docker exited with a failure and printed nothing"
        );
    }
}
