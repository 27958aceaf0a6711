//! The selected cell's log: the newest lines, following, unless the user scrolled back.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use unicode_width::UnicodeWidthStr;

use super::log_rows::RowOpts;
use super::text::fit;
use crate::console::app::App;
use crate::console::keymap::Action;
use crate::console::log_ring::{LineKind, LogRing};
use crate::model::text::relative_to;
use crate::model::CellStatus;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(cell) = app.selected() else {
        let (r, c) = app.sel;
        hint(
            frame,
            area,
            format!(
                "{} is not built for {}.",
                app.row_component(r),
                app.plan.platforms[c]
            ),
        );
        return;
    };
    let ring = &app.cells[cell].log;
    if ring.is_empty() {
        hint(frame, area, empty_hint(app, cell));
        return;
    }
    let h = area.height as usize;
    let opts = row_opts(app, area.width as usize);
    let top = match app.log_top {
        Some(_) => top_line(app, ring, h),
        None => follow_top(ring, &opts, h),
    };
    let mut rows: Vec<Line> = Vec::with_capacity(h);
    for (i, l) in ring.window(top, h).enumerate() {
        rows.extend(opts.rows(l, top + i as u64, style(l.kind)));
        if rows.len() >= h {
            break;
        }
    }
    // Following, the newest row is at the bottom even when the first line shown is cut.
    if app.log_top.is_none() && rows.len() > h {
        rows.drain(..rows.len() - h);
    }
    rows.truncate(h);
    frame.render_widget(Paragraph::new(rows), area);
}

fn row_opts(app: &App, width: usize) -> RowOpts<'_> {
    let view = &app.log_view;
    RowOpts {
        width,
        wrap: view.wrap,
        sideways: view.sideways,
        times: view.times.then_some(&app.tz),
        search: view.search.as_ref(),
    }
}

/// The first line to draw so the newest line ends the pane, wrapped rows counted.
fn follow_top(ring: &LogRing, opts: &RowOpts, h: usize) -> u64 {
    let mut top = ring.end();
    let mut used = 0;
    while top > ring.first() && used < h {
        top -= 1;
        used += ring.get(top).map_or(1, |l| opts.row_count(l));
    }
    top
}

/// Number of the first line shown in a pane `h` lines high.
pub fn top_line(app: &App, ring: &LogRing, h: usize) -> u64 {
    let tail = ring.end().saturating_sub(h as u64).max(ring.first());
    app.log_top.map_or(tail, |t| t.clamp(ring.first(), tail))
}

fn style(kind: LineKind) -> Style {
    match kind {
        LineKind::Attempt => Style::new().add_modifier(Modifier::BOLD),
        LineKind::Step => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        LineKind::Stdout => Style::new(),
        LineKind::Stderr => Style::new().fg(Color::Yellow),
        LineKind::Warning => Style::new().fg(Color::LightYellow),
        LineKind::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}

fn hint(frame: &mut Frame, area: Rect, text: String) {
    frame.render_widget(
        Paragraph::new(text)
            .style(Style::new().fg(Color::DarkGray))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn empty_hint(app: &App, cell: usize) -> String {
    let id = app.cell_id(cell);
    let retry = app.keymap.label(Action::Retry, false);
    match app.status_of(cell) {
        CellStatus::NotSelected => format!("{id} is not part of this run (see --only and --platform)."),
        CellStatus::UpToDate { .. } => {
            format!("{id} is up to date: its inputs match the last green build, so it was not rebuilt. {retry} rebuilds it.")
        }
        CellStatus::Blocked { by } => format!(
            "{id} cannot start: {} did not build. {retry} retries it together with what it waits for.",
            app.cell_id(*by)
        ),
        CellStatus::Queued => {
            let waiting: Vec<String> = app.plan.cells[cell]
                .deps
                .iter()
                .filter(|&&d| !app.status_of(d).is_green())
                .map(|&d| app.cell_id(d))
                .collect();
            if waiting.is_empty() {
                format!("{id} is queued and starts when a build slot is free.")
            } else {
                format!("{id} is queued behind {}.", waiting.join(", "))
            }
        }
        CellStatus::Refused { reason } => format!("{id} was refused before it started: {reason}"),
        _ => format!("No output from {id} yet."),
    }
}

pub fn bottom_title(app: &App, body: Rect) -> Option<Line<'static>> {
    let cell = app.selected()?;
    let c = &app.plan.cells[cell];
    let root = app.plan.state_dir.parent().unwrap_or(&app.plan.state_dir);
    let path = relative_to(&c.log_file, root).display().to_string();
    let ring = &app.cells[cell].log;
    let mut position = match app.log_top {
        None => "following".to_string(),
        Some(_) => {
            let top = top_line(app, ring, body.height as usize);
            let last = (top + body.height as u64).min(ring.end());
            let follow = app.keymap.label(Action::ScrollBottom, false);
            format!(
                "lines {}-{last} of {}, {follow} follows",
                top + 1,
                ring.end()
            )
        }
    };
    if let Some(typing) = &app.log_view.typing {
        position = format!("search: {typing}█");
    } else if let Some(search) = &app.log_view.search {
        position = format!("{position} · /{}", search.query);
    }
    if !app.log_view.wrap && app.log_view.sideways > 0 {
        position = format!("{position} · from column {}", app.log_view.sideways + 1);
    }
    // Narrow terminals drop the path first: the cell and whether the log follows matter more.
    let width = body.width.saturating_sub(2) as usize;
    let candidates = [
        format!(" {} · full log {path} · {position} ", c.id()),
        format!(" {} · {position} ", c.id()),
    ];
    let title = candidates
        .iter()
        .find(|t| t.width() <= width)
        .cloned()
        .unwrap_or_else(|| fit(&candidates[1], width));
    Some(Line::from(title))
}
