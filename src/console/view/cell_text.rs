//! How one cell reads at a glance: a glyph (so it reads without colour), a short head, an
//! optional detail, and a colour.

use std::time::Duration;

use ratatui::style::{Color, Modifier, Style};

use crate::build::eta::Estimate;
use crate::build::outage::{engine_of, registry_of, Resource};
use crate::console::app::App;
use crate::model::{format_countdown, format_duration, CellStatus};

pub struct CellText {
    pub glyph: &'static str,
    pub head: String,
    /// The head for narrow cells.
    pub brief: String,
    pub detail: Option<String>,
    pub style: Style,
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// Frames per second of the spinner; the console ticks four times a second.
const SPINNER_FPS: u128 = 4;

pub fn spinner(now: Duration) -> &'static str {
    SPINNER[(now.as_millis() * SPINNER_FPS / 1000) as usize % SPINNER.len()]
}

pub fn status_style(status: &CellStatus) -> Style {
    let s = Style::new();
    match status {
        CellStatus::NotSelected => s.fg(Color::DarkGray),
        CellStatus::Queued => s.fg(Color::Gray),
        CellStatus::Blocked { .. } => s.fg(Color::DarkGray).add_modifier(Modifier::ITALIC),
        CellStatus::Running { .. } => s.fg(Color::Cyan),
        CellStatus::Warming => s.fg(Color::Blue),
        CellStatus::Retrying { .. } => s.fg(Color::Yellow),
        CellStatus::Green { .. } => s.fg(Color::Green).add_modifier(Modifier::BOLD),
        CellStatus::UpToDate { .. } => s.fg(Color::Green),
        CellStatus::Failed { .. } | CellStatus::Refused { .. } => {
            s.fg(Color::Red).add_modifier(Modifier::BOLD)
        }
        CellStatus::Canceled => s.fg(Color::Magenta),
    }
}

pub fn describe(app: &App, cell: usize) -> CellText {
    let view = &app.cells[cell];
    let style = status_style(&view.status);
    let text = |glyph, head: String, brief: Option<String>, detail| CellText {
        glyph,
        brief: brief.unwrap_or_else(|| head.clone()),
        head,
        detail,
        style,
    };
    match &view.status {
        CellStatus::NotSelected => {
            text("-", "not selected".into(), Some("unselected".into()), None)
        }
        CellStatus::Queued if app.paused => {
            text("·", "queued (paused)".into(), Some("queued".into()), None)
        }
        CellStatus::Queued => match waits_for(app, cell) {
            Some(resource) => text(
                "⏸",
                "waiting".into(),
                None,
                Some(format!("for the {resource}")),
            ),
            None => text("·", "queued".into(), None, None),
        },
        CellStatus::Blocked { by } => {
            let dep = &app.plan.cells[*by];
            let name = if dep.platform == app.plan.cells[cell].platform {
                dep.component.clone()
            } else {
                dep.id()
            };
            text("⊘", "blocked".into(), None, Some(format!("by {name}")))
        }
        CellStatus::Warming => {
            let elapsed = format_duration(app.now.saturating_sub(view.started.unwrap_or(app.now)));
            let steps = &view.steps;
            let progress = if steps.total == 0 {
                String::new()
            } else {
                format!(" {}/{}", (steps.done + 1).min(steps.total), steps.total)
            };
            let late: Vec<&str> = app.plan.cells[cell]
                .warm
                .iter()
                .flat_map(|w| &w.late)
                .filter(|&&d| !app.cells[d].status.is_green())
                .map(|&d| app.plan.cells[d].component.as_str())
                .collect();
            text(
                "◌",
                format!("warming{progress} {elapsed}"),
                Some("warming".into()),
                Some(format!("cache only, until {} is built", late.join(", "))),
            )
        }
        CellStatus::Running { attempt, of } => {
            let elapsed = format_duration(app.now.saturating_sub(view.started.unwrap_or(app.now)));
            let steps = &view.steps;
            let progress = if steps.total == 0 {
                "starting".to_string()
            } else {
                format!("{}/{}", (steps.done + 1).min(steps.total), steps.total)
            };
            let mut head = format!("{progress} {elapsed}");
            if *attempt > 1 {
                head.push_str(&format!(" try {attempt}/{of}"));
            }
            match &view.estimate {
                Some(Estimate::Left {
                    remaining, revised, ..
                }) => {
                    head.push_str(&format!(" ~{} left", format_duration(*remaining)));
                    if *revised {
                        // Slower than its history: what is left was stretched to match.
                        head.push_str(" ↑");
                    }
                }
                Some(Estimate::Unknown) => head.push_str(" no estimate yet"),
                None => {}
            }
            // What it is doing now says more than the step's name, which the log pane heads.
            let detail = view
                .current_line()
                .map(str::to_string)
                .or_else(|| steps.current.clone());
            text(spinner(app.now), head, Some(elapsed), detail)
        }
        CellStatus::Retrying {
            next, of, reason, ..
        } => {
            let left = view
                .retry_at
                .map(|at| at.saturating_sub(app.now))
                .unwrap_or_default();
            // Rounded up, so it never reads "in 0.0s" while still waiting.
            let left = format_countdown(left);
            text(
                "↻",
                format!("retry {next}/{of} in {left}"),
                Some(format!("{next}/{of} in {left}")),
                Some(reason.clone()),
            )
        }
        CellStatus::Green {
            duration,
            cached,
            digest,
        } => {
            let took = format_duration(*duration);
            let head = if *cached {
                format!("cached {took}")
            } else {
                took.clone()
            };
            text("✔", head, Some(took), digest.as_deref().map(short_digest))
        }
        CellStatus::UpToDate { .. } => text("✔", "skipped".into(), None, Some("up to date".into())),
        // Refused before any attempt, e.g. because its builder cannot take the platform.
        CellStatus::Refused { reason } => text("✘", "refused".into(), None, Some(reason.clone())),
        CellStatus::Failed {
            class,
            reason,
            attempts,
        } => {
            let tries = if *attempts > 1 {
                format!(" ×{attempts}")
            } else {
                String::new()
            };
            text(
                "✘",
                format!("failed{tries} {}", class.word()),
                Some(format!("failed{tries}")),
                Some(reason.clone()),
            )
        }
        CellStatus::Canceled => text("■", "canceled".into(), None, None),
    }
}

/// The engine or registry a queued cell is held for, while one it needs does not answer.
fn waits_for(app: &App, cell: usize) -> Option<&Resource> {
    if app.outages.is_empty() {
        return None;
    }
    let engine = engine_of(&app.plan.cells[cell]);
    let registry = registry_of(&app.plan);
    app.outages
        .keys()
        .find(|r| **r == engine || Some(*r) == registry.as_ref())
}

/// `sha256:1a2b3c4d5e6f`: enough to tell two images apart.
fn short_digest(digest: &str) -> String {
    let (algo, hex) = digest.split_once(':').unwrap_or(("", digest));
    let hex: String = hex.chars().take(12).collect();
    if algo.is_empty() {
        hex
    } else {
        format!("{algo}:{hex}")
    }
}
