//! The headless front end: one line per state change, failures cause first, a final
//! component × platform table, and an exit code a script can trust.

use std::io::Write;
use std::time::Duration;

use super::failure_lines::failure_lines;
use super::outage_lines::{write_doctor, OutageLines, REMIND_EVERY};
use super::silent_steps::SilentSteps;
use crate::build::prepare::Prepared;
use crate::build::runner::{BuildEvent, Runner, StepSummary};
use crate::build::scheduler::{self, Command, Event};
use crate::build::summary;
use crate::build::wait::sleep_until;
use crate::doctor::{self, Report};
use crate::model::sanitize::sanitize_line;
use crate::model::text::{plural, relative_to};
use crate::model::{format_duration, CellStatus, FailureClass, Outcome};
use crate::plan::Plan;
use crate::report::{Destinations, Recorder};

/// How long a settled run waits for the doctor's verdict on an infra failure.
const DOCTOR_GRACE: Duration = Duration::from_secs(60);

/// Builds every selected cell and reports, on `out` and in the files `reports` names; returns
/// the process exit code.
pub async fn run<R: Runner>(
    prep: Prepared,
    runner: R,
    reports: &Destinations,
    out: &mut dyn Write,
) -> i32 {
    let plan = prep.plan.clone();
    let root = prep.matrix.root.clone();
    let matrix = prep.matrix.clone();
    let mut outages =
        OutageLines::new(tokio::time::Instant::now(), prep.settings.retry.engine_wait);
    let mut remind = tokio::time::interval(REMIND_EVERY);
    remind.reset();
    let mut doctor_run: Option<tokio::task::JoinHandle<Report>> = None;
    let mut doctor_done = false;
    let mut handle = scheduler::spawn(
        plan.clone(),
        std::sync::Arc::new(runner),
        prep.settings.clone(),
        prep.initial.clone(),
        Some(prep.state),
        Some(prep.history),
    );
    let mut record = Recorder::new(plan.clone(), &prep.initial);
    let mut steps: Vec<StepSummary> = vec![StepSummary::default(); plan.cells.len()];
    let mut silent = SilentSteps::new(plan.cells.len());
    let mut interrupted = false;
    let mut sigterm =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    loop {
        let still_due = silent.next_due();
        let event = tokio::select! {
            ev = handle.events.recv() => ev,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                let _ = writeln!(out, "interrupted: canceling running cells");
                let _ = handle.commands.send(Command::CancelAll);
                continue;
            }
            _ = recv_signal(&mut sigterm), if !interrupted => {
                interrupted = true;
                let _ = writeln!(out, "terminated: canceling running cells");
                let _ = handle.commands.send(Command::CancelAll);
                continue;
            }
            _ = remind.tick(), if outages.is_waiting() => {
                outages.remind(out);
                let _ = out.flush();
                continue;
            }
            _ = sleep_until(still_due), if still_due.is_some() => {
                silent.remind(out, &plan, tokio::time::Instant::now());
                let _ = out.flush();
                continue;
            }
            report = async { doctor_run.as_mut().expect("guarded").await }, if doctor_run.is_some() => {
                doctor_run = None;
                if let Ok(report) = report {
                    write_doctor(out, &report);
                }
                continue;
            }
        };
        let Some(event) = event else { break };
        record.observe(&event);
        match event {
            Event::Settled => break,
            Event::Status { cell, status } => {
                if let Some(line) = status_line(&plan, cell, &status) {
                    let _ = writeln!(out, "{line}");
                }
                silent.stopped(cell);
            }
            Event::Build {
                cell,
                event: BuildEvent::Steps(summary),
            } => {
                if summary.current.is_some() && summary.current != steps[cell].current {
                    let _ = writeln!(
                        out,
                        "{} step {}/{} {}",
                        plan.cells[cell].label(),
                        (summary.done + 1).min(summary.total.max(1)),
                        summary.total,
                        sanitize_line(summary.current.as_deref().unwrap_or_default())
                    );
                }
                silent.steps(cell, &summary, tokio::time::Instant::now());
                steps[cell] = summary;
            }
            Event::Build {
                cell,
                event: BuildEvent::Warning(w),
            } => {
                let _ = writeln!(
                    out,
                    "{} warning: {}",
                    plan.cells[cell].label(),
                    sanitize_line(&w)
                );
            }
            Event::AttemptEnded { cell, record } => {
                if record.outcome == Outcome::Failed {
                    let label = plan.cells[cell].label().to_string();
                    let log = relative_to(&plan.cells[cell].log_file, &root);
                    for line in failure_lines(&label, &record, log) {
                        let _ = writeln!(out, "{line}");
                    }
                    if record.class == Some(FailureClass::Infra) && !doctor_done {
                        doctor_done = true;
                        let matrix = matrix.clone();
                        doctor_run = Some(tokio::spawn(async move { doctor::run(&matrix).await }));
                    }
                }
            }
            Event::Unreachable {
                resource,
                waited,
                reason,
            } => {
                let since = tokio::time::Instant::now() - waited;
                outages.unreachable(out, resource, since, &reason);
                remind.reset();
            }
            Event::Answers { resource, after } => outages.answers(out, resource, after),
            Event::GaveUp {
                resource,
                after,
                failed,
            } => outages.gave_up(out, resource, after, failed),
            Event::Build { .. } | Event::Paused(_) => {}
        }
        let _ = out.flush();
    }
    drop(handle.commands);
    let _ = handle.task.await;
    // The run may settle before the checks the first infra failure set off have answered;
    // their verdict is worth the few seconds.
    if let Some(pending) = doctor_run {
        if let Ok(Ok(report)) = tokio::time::timeout(DOCTOR_GRACE, pending).await {
            write_doctor(out, &report);
        }
    }
    let statuses = record.statuses();
    let _ = write!(out, "\n{}", summary::table(&plan, statuses));
    let _ = writeln!(out, "{}", summary::green_line(statuses));
    let (green, selected) = summary::counts(statuses);
    let code = super::exit::of_build(interrupted, green == selected);
    let code = super::report_files::write(reports, &record, code, out);
    let _ = out.flush();
    code
}

async fn recv_signal(sig: &mut Option<tokio::signal::unix::Signal>) {
    match sig {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// What a warming cell does, and what it waits for.
fn warming_line(plan: &Plan, cell: usize) -> Option<String> {
    let c = &plan.cells[cell];
    let warm = c.warm.as_ref()?;
    let late: Vec<String> = warm.late.iter().map(|&d| plan.cells[d].id()).collect();
    Some(format!(
        "warming the cache: the steps before {}:{} build while {} builds",
        c.dockerfile.display(),
        warm.cut,
        late.join(", ")
    ))
}

fn status_line(plan: &Plan, cell: usize, status: &CellStatus) -> Option<String> {
    let label = plan.cells[cell].label();
    let text = match status {
        CellStatus::NotSelected | CellStatus::Queued => return None,
        CellStatus::Blocked { by } => format!("blocked: {} did not build", plan.cells[*by].id()),
        CellStatus::Running { attempt, of } => format!("started (attempt {attempt}/{of})"),
        CellStatus::Warming => warming_line(plan, cell)?,
        CellStatus::Retrying {
            next,
            of,
            delay,
            reason,
        } => format!(
            "transient failure: {}; retrying in {} (attempt {next}/{of})",
            sanitize_line(reason),
            format_duration(*delay)
        ),
        CellStatus::Green {
            digest,
            duration,
            cached,
        } => format!(
            "green in {}{} {}",
            format_duration(*duration),
            if *cached { " (cached)" } else { "" },
            digest.as_deref().unwrap_or("(no digest)")
        ),
        CellStatus::UpToDate { digest } => format!(
            "up to date, skipped (same inputs as the last green build) {}",
            digest.as_deref().unwrap_or("")
        ),
        CellStatus::Refused { reason } => {
            format!("blocked before the run: {}", sanitize_line(reason))
        }
        CellStatus::Failed {
            class,
            reason,
            attempts,
        } => format!(
            "FAILED ({}, {attempts} attempt{}): {}",
            class,
            plural(*attempts as usize),
            sanitize_line(reason)
        ),
        CellStatus::Canceled => "canceled".to_string(),
    };
    Some(format!("{label} {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::summary::{cell_word, table};

    /// base and app on both columns, docs on amd64 only.
    fn plan() -> (tempfile::TempDir, Plan) {
        crate::plan::sample::base_app_docs(
            "registry = \"localhost:5000/p\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]",
        )
    }

    fn green(millis: u64) -> CellStatus {
        CellStatus::Green {
            digest: Some("sha256:ab".into()),
            duration: Duration::from_millis(millis),
            cached: false,
        }
    }

    #[test]
    fn durations_read_as_everywhere_else() {
        let (_dir, plan) = plan();
        let line = |status: &CellStatus| status_line(&plan, 0, status).unwrap();
        assert_eq!(
            line(&green(500)),
            "[base linux/amd64] green in 0.5s sha256:ab"
        );
        assert_eq!(
            line(&green(72_400)),
            "[base linux/amd64] green in 1m12s sha256:ab"
        );
        assert_eq!(cell_word(&green(500)), "green 0.5s");
        assert_eq!(cell_word(&green(3_780_000)), "green 1h03m");
        let retrying = CellStatus::Retrying {
            next: 2,
            of: 3,
            delay: Duration::from_secs(5),
            reason: "i/o timeout".into(),
        };
        assert_eq!(
            line(&retrying),
            "[base linux/amd64] transient failure: i/o timeout; retrying in 5.0s (attempt 2/3)"
        );
        let statuses: Vec<CellStatus> = plan.cells.iter().map(|_| green(500)).collect();
        let table = table(&plan, &statuses);
        let base = table.lines().find(|l| l.starts_with("base")).unwrap();
        assert_eq!(base.matches("green 0.5s").count(), 2, "{table}");
    }

    #[test]
    fn a_failed_cell_reads_cause_first() {
        let (_dir, plan) = plan();
        let text = crate::samples::text("plain-fail.err");
        let failed = CellStatus::Failed {
            class: FailureClass::Permanent,
            reason: crate::build::failure::summarize(&text).cause,
            attempts: 1,
        };
        assert_eq!(
            status_line(&plan, 0, &failed).unwrap(),
            r#"[base linux/amd64] FAILED (permanent, 1 attempt): exit 3 in RUN echo "about to fail 7941"; echo oops >&2; exit 3"#
        );
    }
}
