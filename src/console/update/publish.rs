//! `p`: the lists to create, a confirmation, then the publish task's progress as a mark on
//! each component's row.

use std::time::SystemTime;

use super::open_popup;
use crate::console::app::{App, Confirm, Level, Popup};
use crate::console::clean::clean;
use crate::console::msg::Effect;
use crate::console::publish_state::{Finished, Mark, Pushed};
use crate::model::clock::clock;
use crate::model::format_duration;
use crate::model::text::plural;
use crate::publish::create::{self, Before, Outcome, PublishOptions, PublishProgress, Published};
use crate::publish::retry::RetryNote;

/// Blocking cells named in the status line; the rest are counted.
const SHOWN: usize = 4;

pub fn start(app: &mut App) -> Vec<Effect> {
    if app.publish.running {
        let (done, total) = app.publish.progress();
        app.say(
            Level::Info,
            format!("a publish is under way ({done}/{total} components done)"),
        );
        return Vec::new();
    }
    if app.plan.registry.is_none() {
        app.say(
            Level::Warn,
            "publishing needs `[project] registry` in matrix.toml: without one the images stay \
             in the local engine and there is nowhere to push manifest lists to",
        );
        return Vec::new();
    }
    let blockers = app.not_green();
    if !blockers.is_empty() {
        let mut names: Vec<String> = blockers
            .iter()
            .take(SHOWN)
            .map(|&i| format!("{} ({})", app.cell_id(i), app.status_of(i).word()))
            .collect();
        if blockers.len() > SHOWN {
            names.push(format!("{} more", blockers.len() - SHOWN));
        }
        app.say(
            Level::Warn,
            format!(
                "publish needs every cell green; blocked by {}",
                names.join(", ")
            ),
        );
        return Vec::new();
    }
    let statuses = app.statuses();
    match create::plan_publish(
        &app.plan,
        &statuses,
        &app.extra_tags,
        &PublishOptions::default(),
    ) {
        Ok(lists) => {
            app.publish.pending = lists;
            open_popup(app, Popup::Confirm(Confirm::Publish));
        }
        // Green cells without a digest, or cells this run does not build (`--only`).
        Err(refusal) => app.say(
            Level::Warn,
            clean(&format!("{refusal}; nothing was pushed")),
        ),
    }
    Vec::new()
}

pub fn confirmed(app: &mut App) -> Vec<Effect> {
    app.popup = None;
    let lists = std::mem::take(&mut app.publish.pending);
    if lists.is_empty() {
        return Vec::new();
    }
    app.publish.running = true;
    app.publish.marks = lists
        .iter()
        .map(|l| (l.component.clone(), Mark::Waiting))
        .collect();
    let registry = app.plan.registry.clone().unwrap_or_default();
    let said = format!(
        "publishing {} manifest list{} to {registry}…",
        lists.len(),
        plural(lists.len())
    );
    tracing::info!("{said}");
    app.say(Level::Info, said);
    vec![Effect::Publish(lists)]
}

pub fn on_progress(app: &mut App, progress: PublishProgress) {
    let (component, mark, doing) = match progress {
        PublishProgress::Checking { component } => {
            (component, Mark::Checking, "reading the registry")
        }
        PublishProgress::Creating { component, command } => {
            tracing::info!("[{}] $ {}", clean(&component), clean(&command));
            (component, Mark::Creating, "creating the list")
        }
        PublishProgress::Verifying { component } => {
            (component, Mark::Verifying, "verifying the list")
        }
        PublishProgress::Retry { component, note } => {
            let mark = retry_mark(app, &component, note);
            app.publish.marks.insert(clean(&component), mark);
            return;
        }
        PublishProgress::Finished(published) => {
            log_finished(&published);
            let finished = Finished::from_published(&published);
            (published.component, Mark::Finished(finished), "done")
        }
    };
    let component = clean(&component);
    app.publish.marks.insert(component.clone(), mark);
    let (done, total) = app.publish.progress();
    if app.publish.running && done < total {
        app.say(
            Level::Info,
            format!("publishing {done}/{total} done; {component}: {doing}…"),
        );
    }
}

/// Says what a retry is doing, in the status line and the console pane, and the mark that
/// shows it on the component's row.
fn retry_mark(app: &mut App, component: &str, note: RetryNote) -> Mark {
    let c = clean(component);
    match note {
        RetryNote::Retrying {
            next,
            of,
            delay,
            reason,
        } => {
            let reason = clean(&reason);
            let said = format!(
                "[{c}] transient failure: {reason}; retrying in {} (attempt {next}/{of})",
                format_duration(delay)
            );
            tracing::warn!("{said}");
            app.say(Level::Warn, said);
            Mark::Retrying(format!(
                "attempt {next}/{of} in {} after: {reason}",
                format_duration(delay)
            ))
        }
        RetryNote::Unreachable {
            registry,
            since,
            limit,
        } => {
            let registry = clean(&registry);
            let since = clock(
                since,
                SystemTime::now(),
                &jiff::tz::TimeZone::system(),
                true,
            );
            let said = format!(
                "registry {registry} unreachable since {since}, waiting (up to {}, [retry] \
                 engine_wait)",
                format_duration(limit)
            );
            tracing::warn!("{said}");
            app.say(Level::Warn, said);
            Mark::RegistryDown { registry, since }
        }
        RetryNote::Answering { registry, after } => {
            let registry = clean(&registry);
            let said = format!(
                "registry {registry} answers again after {}; trying again",
                format_duration(after)
            );
            tracing::info!("{said}");
            app.say(Level::Info, said);
            Mark::Retrying(format!("{registry} answers again; trying again"))
        }
    }
}

fn log_finished(p: &Published) {
    let c = clean(&p.component);
    match &p.outcome {
        Outcome::Pushed => {
            for t in &p.targets {
                let reference = clean(&t.reference);
                match &t.before {
                    Before::Absent => tracing::info!("[{c}] created {reference}"),
                    Before::Same => tracing::info!("[{c}] {reference} already up to date"),
                    Before::Different(was) => tracing::info!(
                        "[{c}] replaced {reference} (it held {})",
                        clean(&was.join(", "))
                    ),
                }
            }
        }
        Outcome::Unchanged => tracing::info!(
            "[{c}] no-op: the registry already serves exactly these digests, nothing pushed"
        ),
        Outcome::Skipped => tracing::info!("[{c}] skipped: no green cell"),
        Outcome::Failed(e) => {
            for line in e.lines().filter(|l| !l.trim().is_empty()) {
                tracing::error!("[{c}] publish failed: {}", clean(line));
            }
        }
    }
    if let Some(retried) = crate::publish::retry::retried_words(&p.all_retries()) {
        tracing::info!("[{c}] {}", clean(&retried));
    }
    for report in &p.verified {
        let reference = clean(&report.reference);
        if report.ok() {
            let found: Vec<String> = report
                .found
                .iter()
                .map(|(platform, digest)| match platform {
                    Some(p) => format!("{p} {}", clean(digest)),
                    None => format!("(no platform) {}", clean(digest)),
                })
                .collect();
            tracing::info!("[{c}] verified {reference}: {}", found.join(", "));
        } else {
            for d in &report.differences {
                tracing::warn!(
                    "[{c}] {reference} differs from the grid: {}",
                    clean(&d.to_string())
                );
            }
        }
    }
}

/// `error` is why the task ended before every list was done.
pub fn ended(app: &mut App, error: Option<String>) {
    app.publish.running = false;
    if let Some(e) = &error {
        let reason = clean(e);
        tracing::error!("the publish stopped: {reason}");
        for mark in app.publish.marks.values_mut() {
            if !matches!(mark, Mark::Finished(_)) {
                *mark = Mark::Finished(Finished {
                    pushed: Pushed::Failed(format!("the publish stopped: {reason}")),
                    verified: false,
                    differences: Vec::new(),
                    platforms: Vec::new(),
                    retried: None,
                });
            }
        }
    }
    let finished: Vec<(&String, &Finished)> = app
        .publish
        .marks
        .iter()
        .filter_map(|(c, m)| match m {
            Mark::Finished(f) => Some((c, f)),
            _ => None,
        })
        .collect();
    let total = finished.len();
    let bad: Vec<String> = finished
        .iter()
        .filter(|(_, f)| !f.ok() && f.pushed != Pushed::Skipped)
        .map(|(c, _)| c.to_string())
        .collect();
    let pushed = finished
        .iter()
        .filter(|(_, f)| f.pushed == Pushed::Pushed)
        .count();
    let noop = finished
        .iter()
        .filter(|(_, f)| f.pushed == Pushed::NoOp)
        .count();
    if !bad.is_empty() {
        let console = app
            .keymap
            .label(crate::console::keymap::Action::ShowConsole, false);
        app.say(
            Level::Error,
            format!(
                "publish: {} of {total} component{} failed or differ ({}); press {console} for \
                 the console pane",
                bad.len(),
                plural(total),
                bad.join(", ")
            ),
        );
        return;
    }
    let said = if pushed == 0 {
        format!(
            "nothing to push: the registry already serves all {noop} list{} (no-op); every \
             list verified",
            plural(noop)
        )
    } else {
        format!(
            "published {total} manifest list{}: {pushed} pushed, {noop} already there; every \
             list verified",
            plural(total)
        )
    };
    tracing::info!("{said}");
    app.say(Level::Info, said);
}

/// A cell rebuilt after its component was published leaves the list behind.
pub fn cell_restarted(app: &mut App, cell: usize) {
    let component = &app.plan.cells[cell].component;
    if let Some(mark) = app.publish.marks.get_mut(component) {
        if matches!(mark, Mark::Finished(_)) {
            *mark = Mark::Stale;
        }
    }
}
