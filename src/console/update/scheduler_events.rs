//! The scheduler's events: cell statuses, build output, ended attempts.

use std::borrow::Cow;
use std::time::SystemTime;

use crate::build::failure::summarize;
use crate::build::runner::BuildEvent;
use crate::build::scheduler::Event;
use crate::build::state::AttemptRecord;
use crate::console::app::{App, Failure, Level, Phase, MAX_FAILURES};
use crate::console::clean::{clean, clean_status};
use crate::console::log_ring::LineKind;
use crate::console::msg::Effect;
use crate::model::text::plural;
use crate::model::{format_duration, CellStatus, FailureClass, Outcome};

pub fn on_event(app: &mut App, event: Event) -> Vec<Effect> {
    match event {
        Event::Status { cell, status } => return set_status(app, cell, status),
        Event::Build { cell, event } => on_build(app, cell, event),
        Event::AttemptEnded { cell, record } => return attempt_ended(app, cell, record),
        Event::Paused(paused) => app.paused = paused,
        Event::Unreachable {
            resource,
            waited,
            reason,
        } => {
            let reason = clean(&reason);
            tracing::warn!("{resource} unreachable, waiting: {reason}");
            let since = app.grid_clock().saturating_sub(waited);
            app.outages.insert(resource, (since, reason));
        }
        Event::Answers { resource, after } => {
            tracing::info!(
                "{resource} answers again after {}; the cells that waited go on",
                format_duration(after)
            );
            app.outages.remove(&resource);
            // What the doctor said during the outage is stale now; the panes show its checks.
            return super::doctor::refresh_after_change(app);
        }
        Event::GaveUp {
            resource,
            after,
            failed,
        } => {
            app.outages.remove(&resource);
            if failed > 0 {
                let text = format!(
                    "{resource} did not answer for {} ([retry] engine_wait); {failed} waiting cell{} failed",
                    format_duration(after),
                    plural(failed)
                );
                tracing::error!("{text}");
                app.say(Level::Error, text);
            }
        }
        Event::Settled => return settled(app),
    }
    Vec::new()
}

fn set_status(app: &mut App, cell: usize, status: CellStatus) -> Vec<Effect> {
    let now = app.now;
    if cell >= app.cells.len() {
        return Vec::new();
    }
    let status = clean_status(status);
    let notice = super::notify::on_status(app, cell, &status);
    if matches!(status, CellStatus::Running { .. }) {
        super::publish::cell_restarted(app, cell);
    }
    let view = &mut app.cells[cell];
    view.retry_at = None;
    match &status {
        CellStatus::Running { attempt, of } => {
            view.start_attempt(now);
            view.log
                .push(LineKind::Attempt, format!("━━ attempt {attempt}/{of} ━━"));
        }
        CellStatus::Warming => {
            view.start_attempt(now);
            view.log
                .push(LineKind::Attempt, "━━ warming the cache ━━".to_string());
        }
        CellStatus::Retrying { delay, .. } => view.retry_at = Some(now + *delay),
        _ => {}
    }
    view.status = status;
    app.refilter();
    notice.into_iter().collect()
}

fn on_build(app: &mut App, cell: usize, event: BuildEvent) {
    let now = app.now;
    let Some(view) = app.cells.get_mut(cell) else {
        return;
    };
    view.attempt_steps.see(&event);
    match event {
        BuildEvent::Steps(mut summary) => {
            summary.current = summary.current.as_deref().map(clean);
            if summary.current != view.steps.current {
                view.step_since = summary.current.is_some().then_some(now);
            }
            view.steps = summary;
        }
        // Every step gets a header when it starts, however briefly it runs; it gains the
        // step's time when the step ends.
        BuildEvent::StepStarted { step } => {
            let name = clean(&step);
            view.step_headers.insert(name.clone(), view.log.end());
            view.log.push(LineKind::Step, format!("── {name}"));
            view.last_header = Some(name);
            view.last_step_raw = Some(step);
        }
        BuildEvent::StepEnded {
            step,
            duration,
            cached,
        } => {
            let name = clean(&step);
            let done = if cached {
                "✔ cached".to_string()
            } else {
                format!("✔ {}", format_duration(duration))
            };
            match view.step_headers.get(&name) {
                Some(&line) => view.log.set_text(line, format!("── {name} {done}")),
                // A cache hit can end without having started.
                None => view.log.push(LineKind::Step, format!("── {name} {done}")),
            }
        }
        BuildEvent::Log {
            step,
            stream,
            lines,
        } => {
            // Steps run in parallel; a header whenever the speaker changes keeps lines attributable.
            if view.last_step_raw.as_deref() != Some(step.as_str()) {
                let cleaned = clean(&step);
                if view.last_header.as_ref() != Some(&cleaned) {
                    view.log.push(LineKind::Step, format!("── {cleaned}"));
                    view.last_header = Some(cleaned);
                }
                view.last_step_raw = Some(step);
            }
            let kind = if stream == 2 {
                LineKind::Stderr
            } else {
                LineKind::Stdout
            };
            // Lines that came in one read came at once.
            let at = SystemTime::now();
            // The step's last line that shows anything: its number in the ring, and the line.
            let mut last_shown = None;
            for raw in lines.iter() {
                let line = clean(raw);
                if !line.trim().is_empty() {
                    last_shown = Some((view.log.end(), raw));
                }
                view.log.push_at(kind, line, at);
            }
            if let (Some(step), Some((n, raw))) = (&view.last_header, last_shown) {
                // Gone from the ring only if more lines than it keeps came after it.
                let line = match view.log.get(n) {
                    Some(kept) => Cow::Borrowed(&kept.text),
                    None => Cow::Owned(clean(raw)),
                };
                // Every read of a flood passes here: reuse the step's buffer.
                match view.last_lines.get_mut(step) {
                    Some(last) => last.clone_from(&line),
                    None => {
                        view.last_lines.insert(step.clone(), line.into_owned());
                    }
                }
            }
        }
        BuildEvent::Warning(text) => view
            .log
            .push(LineKind::Warning, format!("warning: {}", clean(&text))),
        BuildEvent::StepError { step, error } => {
            let name = clean(&step);
            if let Some(&line) = view.step_headers.get(&name) {
                view.log.set_text(line, format!("── {name} ✘"));
            }
            view.log.push(
                LineKind::Error,
                format!("error in {name}: {}", clean(&error)),
            );
        }
    }
}

fn attempt_ended(app: &mut App, cell: usize, record: AttemptRecord) -> Vec<Effect> {
    if cell >= app.cells.len() {
        return Vec::new();
    }
    let mut effects = Vec::new();
    // The first infra failure sets off the doctor once, so the builder pane shows what is
    // wrong with the machine without being asked.
    if record.class == Some(FailureClass::Infra) && !app.infra_doctor_asked {
        app.infra_doctor_asked = true;
        effects.extend(super::doctor::refresh(app));
    }
    let took = format_duration(record.duration);
    let line = match record.outcome {
        Outcome::Failed => {
            let text = record.text.as_deref().unwrap_or_default();
            let summary = summarize(text);
            let reason = record
                .reason
                .as_deref()
                .map(clean)
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| summary.cause.clone());
            let class = FailureClass::word_of(record.class);
            let then = if record.retried { ", will retry" } else { "" };
            tracing::warn!(
                "{} attempt {} failed ({class}{then}): {reason}",
                app.cell_id(cell),
                record.attempt
            );
            app.failures.insert(
                0,
                Failure {
                    cell,
                    attempt: record.attempt,
                    class: record.class,
                    cause: record.cause,
                    reason: reason.clone(),
                    summary,
                    retried: record.retried,
                    given_back: record.given_back,
                    at: app.now,
                },
            );
            app.failures.truncate(MAX_FAILURES);
            // Keep the same failure selected when a newer one arrives on top.
            if app.failure_sel > 0 {
                app.failure_sel = (app.failure_sel + 1).min(app.failures.len() - 1);
            }
            (
                LineKind::Error,
                format!(
                    "✘ attempt {} failed after {took} ({class}{then}): {reason}",
                    record.attempt
                ),
            )
        }
        Outcome::Green => (
            LineKind::Attempt,
            format!("✔ attempt {} green in {took}", record.attempt),
        ),
        Outcome::Canceled => (
            LineKind::Attempt,
            format!("■ attempt {} canceled after {took}", record.attempt),
        ),
    };
    app.cells[cell].log.push(line.0, line.1);
    effects
}

fn settled(app: &mut App) -> Vec<Effect> {
    if app.phase == Phase::Canceling {
        app.phase = Phase::Done;
        return vec![Effect::Quit];
    }
    let (green, total) = (app.green_count(), app.selected_count());
    let failed = app.cells.iter().filter(|c| c.status.is_failed()).count();
    tracing::info!("grid at rest: {green}/{total} green, {failed} failed");
    // The grid at rest is newer news than anything said while it ran (a publish refused for
    // cells that have since gone green); only an error stays until it is read.
    let may_say = app.status.as_ref().is_none_or(|s| s.level != Level::Error);
    // Paused is not at rest: the person who paused it is already watching.
    let notice = if app.paused {
        None
    } else {
        super::notify::on_settled(app, green, total, failed)
    };
    if may_say && !app.paused {
        if green == total {
            app.say(Level::Info, format!("all {total} cells are green"));
        } else if failed > 0 {
            let key = app
                .keymap
                .label(crate::console::keymap::Action::RetryFailed, false);
            app.say(
                Level::Warn,
                format!("{green}/{total} green, {failed} failed; {key} retries the failed cells"),
            );
        }
    }
    notice.into_iter().collect()
}
