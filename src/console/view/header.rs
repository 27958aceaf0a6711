//! Two header lines: what is being built where, then how far along it is.

use std::time::Duration;

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::build::outage::Resource;
use crate::console::app::{App, EngineState};
use crate::doctor::findings::builder_label;
use crate::model::clock::time_of_day;
use crate::model::format_duration;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let dim = Style::new().fg(Color::DarkGray);
    let plan = &app.plan;
    let registry = plan
        .registry
        .clone()
        .unwrap_or_else(|| "local images (--load)".into());
    let first = Line::from(vec![
        Span::styled("archgrid ", bold.fg(Color::Cyan)),
        Span::styled(plan.project.clone(), bold),
        Span::styled("  tag ", dim),
        Span::raw(plan.tag.clone()),
        Span::styled("  builder ", dim),
        Span::raw(builders(app)),
        Span::styled("  registry ", dim),
        Span::raw(registry),
    ]);
    frame.render_widget(Paragraph::new(first), Rect { height: 1, ..area });
    if area.height < 2 {
        return;
    }
    let second = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    let right = right_side(app);
    let right_w = right.width() as u16;
    let left_w = second.width.saturating_sub(right_w + 1);
    frame.render_widget(
        Paragraph::new(gauge(app, left_w as usize)),
        Rect {
            width: left_w,
            ..second
        },
    );
    frame.render_widget(
        Paragraph::new(right).right_aligned(),
        Rect {
            x: second.x + left_w,
            width: second.width - left_w,
            ..second
        },
    );
}

fn builders(app: &App) -> String {
    let mut names: Vec<String> = match &app.doctor {
        Some(report) => report
            .builders
            .iter()
            .filter(|f| app.builder_names.contains(&f.name))
            .map(|f| match f.builder() {
                Some(b) => format!("{} ({})", b.name, b.driver),
                None => builder_label(&f.name),
            })
            .collect(),
        None => Vec::new(),
    };
    // A report made while the engine was down knows no builder; the names are still known.
    if names.is_empty() {
        names = app.builder_names.iter().map(builder_label).collect();
    }
    names.join(", ")
}

/// `[██████░░░░] 6/10 green`, readable without colour.
fn gauge(app: &App, width: usize) -> Line<'static> {
    let (green, total) = (app.green_count(), app.selected_count());
    let label = format!(" {green}/{total} green");
    let bar_w = width.saturating_sub(label.len() + 2).min(30);
    let filled = (bar_w * green).checked_div(total).unwrap_or(0);
    let style = if total > 0 && green == total {
        Style::new().fg(Color::Green)
    } else {
        Style::new().fg(Color::Cyan)
    };
    Line::from(vec![
        Span::raw("["),
        Span::styled("█".repeat(filled), style),
        Span::styled("░".repeat(bar_w - filled), Style::new().fg(Color::DarkGray)),
        Span::raw("]"),
        Span::styled(label, Style::new().add_modifier(Modifier::BOLD)),
    ])
}

fn right_side(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    if app.publish.running {
        let (done, total) = app.publish.progress();
        spans.push(Span::styled(
            format!("⇪ publishing {done}/{total}  "),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ));
    }
    if app.export.running {
        spans.push(Span::styled(
            format!(
                "⇩ exporting {}/{}  ",
                app.export.finished(),
                app.export.total
            ),
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(label) = app.filter.label() {
        spans.push(Span::styled(
            format!("⏷ {label}: {}/{} rows  ", app.rows(), app.full_grid.len()),
            Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
        ));
    }
    if let Some(finish) = finish(app) {
        spans.push(Span::styled(finish, Style::new().fg(Color::Cyan)));
    }
    if app.paused {
        spans.push(Span::styled(
            "⏸ paused  ",
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    let alarm = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    let clock_now = app.grid_clock();
    for (resource, (since, _)) in &app.outages {
        spans.push(Span::styled(
            format!(
                "⚠ {resource} unreachable since {}, waiting {}  ",
                clock(*since),
                format_duration(clock_now.saturating_sub(*since))
            ),
            alarm,
        ));
    }
    if !app.outages.contains_key(&Resource::Engine(None)) {
        let (word, style) = match &app.engine {
            EngineState::Checking => ("…", Style::new().fg(Color::DarkGray)),
            EngineState::Up { .. } => ("ok", Style::new().fg(Color::Green)),
            EngineState::Down { .. } => ("unreachable", alarm),
        };
        spans.push(Span::styled("engine ", Style::new().fg(Color::DarkGray)));
        spans.push(Span::styled(word, style));
        spans.push(Span::styled("  ", Style::new()));
    }
    if app.busy_since.is_none() {
        spans.push(Span::styled("took ", Style::new().fg(Color::DarkGray)));
    }
    spans.push(Span::raw(clock(app.grid_clock())));
    Line::from(spans)
}

/// `done ~14:05 (12m30s)`: when the grid will be done, laid out from what is still to run.
/// Cells with no history yet count as nothing, and the header says how many there are.
fn finish(app: &App) -> Option<String> {
    let finish = app.finish.as_ref()?;
    if app.paused {
        return None;
    }
    if finish.unknown > 0 && finish.left.is_zero() {
        return Some(format!(
            "done: no estimate yet ({} cells)  ",
            finish.unknown
        ));
    }
    let when = time_of_day(app.started_at + app.now + finish.left, &app.tz);
    let when = when.get(..5).unwrap_or(&when).to_string();
    let unknown = match finish.unknown {
        0 => String::new(),
        n => format!(", {n} without estimate"),
    };
    Some(format!(
        "done ~{when} ({}{unknown})  ",
        format_duration(finish.left)
    ))
}

/// `04:05` under an hour, `1:02:03` beyond.
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s < 3600 {
        format!("{:02}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}
