//! The doctor's checks at the top of the builder pane: a verdict, what was found and, when it
//! is not ok, what to do.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::header::clock;
use super::text::{hanging, pad};
use crate::console::app::App;
use crate::console::keymap::Action;
use crate::doctor::{Level, Report};

/// Check names longer than this run into their text rather than push every line right.
const MAX_NAME_W: usize = 26;

pub fn lines(app: &App, report: &Report, width: u16) -> Vec<Line<'static>> {
    let dim = Style::new().fg(Color::DarkGray);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let refresh = app.keymap.label(Action::RefreshBuilder, false);
    let when = if app.doctor_running {
        "running the checks again…".to_string()
    } else {
        format!(
            "checked at {} · {refresh} runs them again",
            clock(app.doctor_at)
        )
    };
    let mut out = vec![Line::from(vec![
        Span::styled("Doctor  ", bold),
        Span::styled(
            format!("{} ok", report.count(Level::Ok)),
            Style::new().fg(Color::Green),
        ),
        Span::raw(" · "),
        Span::styled(
            format!("{} warn", report.count(Level::Warn)),
            Style::new().fg(Color::Yellow),
        ),
        Span::raw(" · "),
        Span::styled(
            format!("{} fail", report.count(Level::Fail)),
            Style::new().fg(Color::Red),
        ),
        Span::styled(format!("   {when}"), dim),
    ])];
    let name_w = report
        .checks
        .iter()
        .map(|c| c.name.width())
        .max()
        .unwrap_or(0)
        .min(MAX_NAME_W);
    for check in &report.checks {
        let (glyph, style) = verdict(check.level);
        let head = vec![
            Span::styled(format!("{glyph} {:<5} ", check.level.to_string()), style),
            Span::styled(format!("{} ", pad(&check.name, name_w)), bold),
        ];
        out.extend(hanging(head, &check.why, Style::new(), width));
        if check.level != Level::Ok {
            let head = vec![Span::raw(" ".repeat(name_w + 9)), Span::styled("do: ", dim)];
            out.extend(hanging(head, &check.fix, Style::new(), width));
        }
    }
    out
}

/// Glyph and colour, so a verdict reads without colour too.
pub fn verdict(level: Level) -> (&'static str, Style) {
    match level {
        Level::Ok => ("✔", Style::new().fg(Color::Green)),
        Level::Warn => (
            "⚠",
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        Level::Fail => (
            "✘",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
    }
}
