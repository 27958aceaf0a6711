//! Runs one attempt of one cell as a `docker buildx build` child process.

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustix::process::{Pid, Signal};
use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio::sync::{mpsc, watch};

use super::classify::{classify, classify_step, is_canceled, Classification};
use super::failure_facts::FailureFacts;
use super::masking::MaskedStdout;
use super::progress::{BuildEvent, StepSummary};
use super::stderr_events::StderrEvents;
use crate::build::outage::{self, Resource};
use crate::build::wait::sleep_until;
use crate::model::redact::Redactor;
use crate::model::text::shell_words;
use crate::plan::Cell;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOpts {
    pub no_cache: bool,
    /// Run the cell's cache-warming build ([`crate::plan::Warm`]) instead of the cell.
    pub warm: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOutcome {
    Green {
        digest: Option<String>,
        /// Every step came from the cache.
        cached: bool,
    },
    Failed {
        text: String,
        classification: Classification,
        exit_code: Option<i32>,
    },
    Canceled,
}

pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What the scheduler needs from whatever runs a cell; tests swap in a fake.
pub trait Runner: Send + Sync + 'static {
    fn run(
        &self,
        cell: Arc<Cell>,
        attempt: u32,
        opts: RunOpts,
        events: mpsc::Sender<BuildEvent>,
        cancel: watch::Receiver<bool>,
    ) -> BoxFuture<AttemptOutcome>;

    /// Whether an engine or registry the cells need answers. The scheduler asks while cells
    /// run, and again and again while it waits out an outage; a fake that simulates none
    /// keeps this default.
    fn answers(&self, _resource: Resource) -> BoxFuture<Result<(), String>> {
        Box::pin(async { Ok(()) })
    }
}

/// The real runner: `docker buildx build` with the cell's argv.
#[derive(Debug, Clone)]
pub struct BuildxRunner {
    pub docker: PathBuf,
    /// How long a canceled build gets between SIGINT and SIGKILL of its process group.
    pub grace: Duration,
    /// The build secrets' values, masked in everything the child prints. Build output
    /// reaches the rest of archgrid only through this runner: the cell's log file it writes,
    /// the events it sends to the front ends, and the failure text it returns, from which the
    /// scheduler takes state.json's text and reason and the front ends their messages.
    /// So masking here, before any of those, is the one place needed.
    pub redactor: Arc<Redactor>,
}

impl Default for BuildxRunner {
    fn default() -> Self {
        BuildxRunner {
            docker: PathBuf::from("docker"),
            grace: Duration::from_secs(5),
            redactor: Arc::default(),
        }
    }
}

impl Runner for BuildxRunner {
    fn run(
        &self,
        cell: Arc<Cell>,
        attempt: u32,
        opts: RunOpts,
        events: mpsc::Sender<BuildEvent>,
        cancel: watch::Receiver<bool>,
    ) -> BoxFuture<AttemptOutcome> {
        let this = self.clone();
        Box::pin(async move {
            match this.run_inner(&cell, attempt, opts, events, cancel).await {
                Ok(outcome) => outcome,
                Err(err) => {
                    let text = format!("could not run docker buildx for {}: {err}", cell.id());
                    let text = this.redactor.redact(&text).into_owned();
                    AttemptOutcome::Failed {
                        classification: classify(&text),
                        text,
                        exit_code: None,
                    }
                }
            }
        })
    }

    fn answers(&self, resource: Resource) -> BoxFuture<Result<(), String>> {
        Box::pin(async move { outage::answers(&resource).await })
    }
}

impl BuildxRunner {
    async fn run_inner(
        &self,
        cell: &Cell,
        attempt: u32,
        opts: RunOpts,
        events: mpsc::Sender<BuildEvent>,
        mut cancel: watch::Receiver<bool>,
    ) -> std::io::Result<AttemptOutcome> {
        let warm = match (opts.warm, &cell.warm) {
            (true, Some(warm)) => Some(warm),
            (true, None) => {
                return Err(std::io::Error::other("the cell has no cache-warming build"))
            }
            (false, _) => None,
        };
        let log_file = warm.map_or(&cell.log_file, |w| &w.log_file);
        for dir in [log_file.parent(), cell.metadata_file.parent()]
            .into_iter()
            .flatten()
        {
            std::fs::create_dir_all(dir)?;
        }
        let mut log = LogFile::open(log_file, attempt)?;
        let argv = match warm {
            Some(warm) => {
                write_warm_dockerfile(cell, warm)?;
                warm.argv.clone()
            }
            None => {
                let _ = std::fs::remove_file(&cell.metadata_file);
                if opts.no_cache {
                    crate::plan::without_cache(&cell.argv)
                } else {
                    cell.argv.clone()
                }
            }
        };
        // Secrets reach buildx by name, never in argv; masking the line anyway keeps a value
        // also given as a build argument out of the log.
        let command = format!("$ docker {}", shell_words(argv.iter().map(String::as_str)));
        log.line(&self.redactor.redact(&command))?;

        let mut cmd = Command::new(&self.docker);
        cmd.args(&argv)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .process_group(0);
        die_with_parent(&mut cmd);
        let mut child = cmd.spawn()?;
        let pid = child.id().and_then(|p| Pid::from_raw(p as i32));
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");

        let mut progress = StderrEvents::new(self.redactor.clone());
        let mut decoded = Vec::new();
        let mut stdout_lines = MaskedStdout::new(self.redactor.clone());
        let mut seen = FailureFacts::default();
        let mut out_buf = [0u8; 8192];
        let mut err_buf = vec![0u8; 64 * 1024];
        let (mut out_open, mut err_open) = (true, true);
        let mut canceled = false;
        let mut kill_at: Option<tokio::time::Instant> = None;

        // Both pipes are read to EOF before the child is reaped, so no last line is lost.
        while out_open || err_open {
            let deadline = kill_at;
            tokio::select! {
                n = stderr.read(&mut err_buf), if err_open => {
                    let n = n?;
                    if n == 0 { err_open = false; continue; }
                    progress.push(&err_buf[..n], &mut decoded);
                    pass_on(&mut decoded, &mut log, &mut seen, &events).await?;
                    log.flush()?;
                }
                n = stdout.read(&mut out_buf), if out_open => {
                    let n = n?;
                    if n == 0 {
                        out_open = false;
                        log.raw(&stdout_lines.finish())?;
                        continue;
                    }
                    log.raw(&stdout_lines.push(&out_buf[..n]))?;
                    log.flush()?;
                }
                changed = cancel.changed(), if !canceled => {
                    if changed.is_err() || *cancel.borrow() {
                        canceled = true;
                        if let Some(pid) = pid { signal_group(pid, Signal::INT); }
                        kill_at = Some(tokio::time::Instant::now() + self.grace);
                    }
                }
                _ = sleep_until(deadline), if deadline.is_some() => {
                    if let Some(pid) = pid { signal_group(pid, Signal::KILL); }
                    kill_at = None;
                }
            }
        }
        let status = child.wait().await?;
        let trailer = progress.finish(&mut decoded);
        pass_on(&mut decoded, &mut log, &mut seen, &events).await?;
        if !trailer.is_empty() {
            log.line(&trailer)?;
        }
        let tracker = progress.tracker();
        let summary = tracker.summary().clone();
        // BuildKit's JSON says which steps were cache hits; the log keeps it, since a registry
        // cache that was not used is otherwise invisible.
        for step in tracker.cached_steps() {
            log.line(&format!("# cached: {}", self.redactor.redact(&step)))?;
        }
        log.line(&format!("# exit: {status}"))?;

        if status.success() && !canceled {
            return Ok(AttemptOutcome::Green {
                digest: warm
                    .is_none()
                    .then(|| read_digest(&cell.metadata_file))
                    .flatten(),
                cached: all_cached(&summary),
            });
        }
        // Its parts are masked already; joined, they could complete a value whose lines are
        // each too short to be masked on their own.
        let text = seen.failure_text(&trailer, status.code());
        let text = self.redactor.redact(&text).into_owned();
        if canceled || is_canceled(&text) {
            return Ok(AttemptOutcome::Canceled);
        }
        // Classified before the step's own output is added: what a build prints must not
        // decide whether it is retried.
        let classification = classify_step(&text, seen.failed_step_first_line());
        Ok(AttemptOutcome::Failed {
            classification,
            text: seen.with_step_output(text),
            exit_code: status.code(),
        })
    }
}

/// The one way events leave the runner, already masked by [`StderrEvents`]: into the log file
/// and the failure facts, then to the front ends.
async fn pass_on(
    decoded: &mut Vec<BuildEvent>,
    log: &mut LogFile,
    seen: &mut FailureFacts,
    events: &mpsc::Sender<BuildEvent>,
) -> std::io::Result<()> {
    for ev in decoded.drain(..) {
        handle_event(&ev, log, seen)?;
        let _ = events.send(ev).await;
    }
    Ok(())
}

/// The cell's Dockerfile as it is now, cut where the plan found the late read, with its own
/// ignore file beside it: buildx looks for `<Dockerfile>.dockerignore` next to the file it is
/// given, and the context must be the same as the real build's for the cache to match.
fn write_warm_dockerfile(cell: &Cell, warm: &crate::plan::Warm) -> std::io::Result<()> {
    let text = std::fs::read_to_string(&cell.dockerfile)?;
    if let Some(dir) = warm.dockerfile.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(
        &warm.dockerfile,
        crate::dockerfile::lines_before(&text, warm.cut),
    )?;
    let own_ignore = |file: &Path| {
        let mut name = file.as_os_str().to_owned();
        name.push(".dockerignore");
        PathBuf::from(name)
    };
    let (from, to) = (own_ignore(&cell.dockerfile), own_ignore(&warm.dockerfile));
    match std::fs::copy(&from, &to) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => match std::fs::remove_file(&to) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        Err(e) => Err(e),
    }
}

fn all_cached(summary: &StepSummary) -> bool {
    let real = summary.done - summary.internal_done;
    real > 0 && summary.cached == real
}

fn handle_event(
    ev: &BuildEvent,
    log: &mut LogFile,
    seen: &mut FailureFacts,
) -> std::io::Result<()> {
    match ev {
        BuildEvent::StepStarted { step } => {
            log.step_started(step)?;
        }
        BuildEvent::StepEnded {
            step,
            duration,
            cached,
        } => log.step_ended(step, *duration, *cached)?,
        // Counts and the running step are for the front ends; the log has every step above.
        BuildEvent::Steps(_) => {}
        BuildEvent::Log { lines, .. } => log.line(lines.text())?,
        BuildEvent::Warning(w) => log.line(&format!("WARNING: {w}"))?,
        BuildEvent::StepError { step, error } => log.line(&format!("ERROR in {step}: {error}"))?,
    }
    seen.observe(ev);
    Ok(())
}

pub fn read_digest(metadata_file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(metadata_file).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    // Two platforms pushed to one tag at once both report the last push as
    // containerimage.digest; the descriptor is the image this build produced.
    value
        .pointer("/containerimage.descriptor/digest")
        .or_else(|| value.get("containerimage.digest"))
        .and_then(|d| d.as_str())
        .map(str::to_string)
}

fn signal_group(pid: Pid, signal: Signal) {
    // The child leads its own process group, so this reaches buildx and anything it started.
    let _ = rustix::process::kill_process_group(pid, signal);
}

fn die_with_parent(cmd: &mut Command) {
    // A console killed with SIGKILL must not leave buildx children running.
    // SAFETY: the closure runs between fork and exec, where only async-signal-safe calls are
    // allowed; it makes one prctl syscall and builds an io::Error from a raw errno, without
    // allocating.
    unsafe {
        cmd.pre_exec(|| {
            rustix::process::set_parent_process_death_signal(Some(Signal::TERM))
                .map_err(std::io::Error::from)
        });
    }
}

/// The full log of a cell on disk; attempts are appended one after another.
struct LogFile {
    file: std::io::BufWriter<std::fs::File>,
    /// Steps started so far, which numbers them in the log.
    steps: usize,
    /// Steps started and not yet ended, with their numbers, so the end line names the same
    /// number as the start, as buildx's plain output does.
    open_steps: Vec<(String, usize)>,
}

impl LogFile {
    fn open(path: &Path, attempt: u32) -> std::io::Result<LogFile> {
        let file = if attempt <= 1 {
            std::fs::File::create(path)?
        } else {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?
        };
        let mut log = LogFile {
            file: std::io::BufWriter::new(file),
            steps: 0,
            open_steps: Vec::new(),
        };
        log.line(&format!("# attempt {attempt}"))?;
        Ok(log)
    }

    fn line(&mut self, text: &str) -> std::io::Result<()> {
        self.file.write_all(text.as_bytes())?;
        self.file.write_all(b"\n")
    }

    fn step_started(&mut self, step: &str) -> std::io::Result<usize> {
        self.steps += 1;
        self.open_steps.push((step.to_string(), self.steps));
        self.line(&format!("#{} {step}", self.steps))?;
        Ok(self.steps)
    }

    /// `#N DONE 1.2s` or `#N CACHED`. A cache hit BuildKit never reported as started is
    /// listed first, so every step in the log has its number.
    fn step_ended(&mut self, step: &str, duration: Duration, cached: bool) -> std::io::Result<()> {
        let n = match self.open_steps.iter().position(|(s, _)| s == step) {
            Some(i) => self.open_steps.remove(i).1,
            None => {
                let n = self.step_started(step)?;
                self.open_steps.pop();
                n
            }
        };
        if cached {
            self.line(&format!("#{n} CACHED"))
        } else {
            self.line(&format!("#{n} DONE {:.1}s", duration.as_secs_f64()))
        }
    }

    fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.file.write_all(bytes)
    }

    /// Once per chunk read from buildx, so `tail -f` on the log follows a step that prints a
    /// line a minute, while a flood of output still costs one write per chunk, not per line.
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Drop for LogFile {
    fn drop(&mut self) {
        let _ = self.file.flush();
    }
}
