//! `view(&App, &mut Frame)`: draws the state and changes nothing.

mod builder_pane;
pub mod cell_text;
mod console_pane;
mod doctor_checks;
mod export_popup;
mod failures_pane;
pub mod footer;
mod grid;
pub mod header;
mod log_pane;
mod log_rows;
mod pane;
mod popups;
mod publish_popup;
pub mod text;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::app::{App, Confirm, Level, Phase, Popup};
use super::layout::{self, MIN_H, MIN_W};
use crate::model::text::plural;

pub fn view(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if layout::too_small(area) {
        frame.render_widget(
            Paragraph::new(format!(
                "archgrid needs at least {MIN_W}×{MIN_H}; this terminal is {}×{}.",
                area.width, area.height
            ))
            .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let areas = layout::areas(app, area);
    header::render(app, frame, areas.header);
    grid::render(app, frame, &areas);
    pane::render(app, frame, &areas);
    status_line(app, frame, areas.status);
    footer::render(app, frame, areas.footer);
    match app.popup {
        Some(Popup::Help) => popups::render_help(app, frame),
        Some(Popup::Confirm(Confirm::Publish)) => publish_popup::render(app, frame),
        Some(Popup::Confirm(question)) => popups::render_confirm(app, frame, question),
        Some(Popup::ExportDir) => export_popup::render(app, frame),
        None => {}
    }
}

fn status_line(app: &App, frame: &mut Frame, area: Rect) {
    let line = match app.phase {
        Phase::Canceling | Phase::Done if app.cells.iter().any(|c| c.status.is_active()) => {
            let running = app.cells.iter().filter(|c| c.status.is_active()).count();
            let plural = plural(running);
            Line::styled(
                format!("canceling… waiting for {running} build{plural} to stop"),
                Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            )
        }
        Phase::Canceling => Line::styled(
            "canceling… waiting for the scheduler to settle",
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ),
        Phase::Done => Line::styled("quitting…", Style::new().add_modifier(Modifier::BOLD)),
        Phase::Running => match &app.status {
            Some(s) => {
                let style = match s.level {
                    Level::Info => Style::new(),
                    Level::Warn => Style::new().fg(Color::Yellow),
                    Level::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                };
                Line::styled(s.text.clone(), style)
            }
            None => Line::raw(""),
        },
    };
    frame.render_widget(Paragraph::new(line), area);
}

#[cfg(test)]
mod tests;
