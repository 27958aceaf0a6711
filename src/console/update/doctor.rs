//! The doctor's answers: its checks head the builder pane, and what changed since the last
//! run goes to the console pane.

use crate::console::app::{App, Level};
use crate::console::clean::clean_report;
use crate::console::keymap::Action;
use crate::console::msg::Effect;
use crate::doctor::{Level as CheckLevel, Report};

/// Runs the checks again unless a run is under way.
pub fn refresh(app: &mut App) -> Vec<Effect> {
    if app.doctor_running {
        return Vec::new();
    }
    app.doctor_running = true;
    vec![Effect::RunDoctor]
}

/// Runs the checks again, or once more after the run under way: something they look at has
/// changed since that run began.
pub fn refresh_after_change(app: &mut App) -> Vec<Effect> {
    if app.doctor_running {
        app.doctor_again = true;
        return Vec::new();
    }
    refresh(app)
}

pub fn on_report(app: &mut App, report: Report) {
    let report = clean_report(report);
    let seen = |app: &App, name: &str, why: &str| {
        app.doctor.as_ref().is_some_and(|r| {
            r.checks
                .iter()
                .any(|c| c.name == name && c.why == why && c.level != CheckLevel::Ok)
        })
    };
    let old_warnings = app.builder_warnings();
    // Logged once per change, so a refresh every few minutes does not repeat the same lines.
    for check in report.checks.iter().filter(|c| c.level != CheckLevel::Ok) {
        if seen(app, &check.name, &check.why) {
            continue;
        }
        match check.level {
            CheckLevel::Fail => tracing::error!(
                "doctor: {} failed: {} (do: {})",
                check.name,
                check.why,
                check.fix
            ),
            _ => tracing::warn!("doctor: {}: {} (do: {})", check.name, check.why, check.fix),
        }
    }
    let failed: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.level == CheckLevel::Fail)
        .map(|c| c.name.clone())
        .collect();
    app.doctor = Some(report);
    app.doctor_running = false;
    app.doctor_at = app.now;
    let warnings = app.builder_warnings();
    for w in warnings.iter().filter(|w| !old_warnings.contains(w)) {
        tracing::warn!("{w}");
    }
    if app.status.is_some() {
        return;
    }
    let key = app.keymap.label(Action::ShowBuilder, false);
    if !failed.is_empty() {
        app.say(
            Level::Warn,
            format!(
                "doctor: {} failed; press {key} for the builder pane",
                failed.join(", ")
            ),
        );
    } else if !warnings.is_empty() {
        app.say(
            Level::Warn,
            format!("the builder has a problem for these builds; press {key} for the builder pane"),
        );
    }
}
