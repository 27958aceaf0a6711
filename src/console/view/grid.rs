//! The grid: a row per component in dependency order, a column per platform.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Widget};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::cell_text::describe;
use super::text::{fit, pad};
use crate::console::app::App;
use crate::console::layout::{Areas, GridGeometry};
use crate::console::publish_state::{mark_text, Tone};

pub fn render(app: &App, frame: &mut Frame, areas: &Areas) {
    let geo = &areas.grid_geo;
    let (first_row, first_col) = clamp_scroll(app, geo);
    let hidden_above = first_row;
    let hidden_below = app.rows().saturating_sub(first_row + geo.vis_rows);
    let mut block = Block::bordered().title(" Grid ");
    if hidden_above + hidden_below > 0 {
        let mut more = Vec::new();
        if hidden_above > 0 {
            more.push(format!("▴ {hidden_above} above"));
        }
        if hidden_below > 0 {
            more.push(format!("▾ {hidden_below} below"));
        }
        block = block.title_bottom(Line::from(format!(" {} ", more.join("  "))).right_aligned());
    }
    frame.render_widget(block, areas.grid);
    let buf = frame.buffer_mut();
    header_row(app, geo, first_col, buf);
    for (n, row) in (first_row..app.rows()).take(geo.vis_rows).enumerate() {
        let y = geo.inner.y + 1 + n as u16 * geo.row_h;
        component_cell(app, geo, row, y, buf);
        for (m, col) in (first_col..app.cols()).take(geo.vis_cols).enumerate() {
            let x = geo.inner.x + geo.comp_w + m as u16 * geo.cell_w;
            let area = Rect::new(x, y, geo.cell_w, geo.row_h).intersection(geo.inner);
            slot(app, row, col, area, buf);
        }
    }
}

/// The app's offsets, corrected if the screen grew since they were set.
fn clamp_scroll(app: &App, geo: &GridGeometry) -> (usize, usize) {
    (
        app.scroll.0.min(app.rows().saturating_sub(geo.vis_rows)),
        app.scroll.1.min(app.cols().saturating_sub(geo.vis_cols)),
    )
}

fn header_row(app: &App, geo: &GridGeometry, first_col: usize, buf: &mut Buffer) {
    let y = geo.inner.y;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    for (m, col) in (first_col..app.cols()).take(geo.vis_cols).enumerate() {
        let x = geo.inner.x + geo.comp_w + m as u16 * geo.cell_w;
        let name = app.plan.platforms[col].to_string();
        let text = pad(&name, geo.cell_w.saturating_sub(1) as usize);
        let style = if col == app.sel.1 {
            bold.add_modifier(Modifier::UNDERLINED)
        } else {
            bold
        };
        buf.set_stringn(x, y, text, geo.cell_w as usize, style);
    }
    let dim = Style::new().add_modifier(Modifier::DIM);
    if first_col > 0 {
        buf.set_string(geo.inner.x + geo.comp_w.saturating_sub(2), y, "◂", dim);
    }
    if first_col + geo.vis_cols < app.cols() {
        buf.set_string(geo.inner.right().saturating_sub(1), y, "▸", dim);
    }
}

fn component_cell(app: &App, geo: &GridGeometry, row: usize, y: u16, buf: &mut Buffer) {
    let component = app.row_component(row);
    let width = geo.comp_w.saturating_sub(1) as usize;
    let name_w = (geo.name_w.saturating_sub(1) as usize).min(width);
    let name = fit(component, name_w);
    let mut style = Style::new().add_modifier(Modifier::BOLD);
    if row == app.sel.0 {
        style = style.add_modifier(Modifier::UNDERLINED);
    }
    buf.set_stringn(geo.inner.x, y, &name, name_w, style);
    let Some(mark) = app.publish.marks.get(component) else {
        return;
    };
    let text = mark_text(mark);
    let x = geo.inner.x + name_w as u16 + 1;
    let room = width.saturating_sub(name_w + 1);
    let tone = tone_style(text.tone);
    let head = if geo.row_h >= 2 {
        text.head.clone()
    } else {
        text.one_line()
    };
    buf.set_stringn(x, y, fit(&head, room), room, tone);
    if let (Some(detail), true) = (&text.detail, geo.row_h >= 2) {
        // Under the mark's words, past its glyph.
        let room = room.saturating_sub(2);
        buf.set_stringn(
            x + 2,
            y + 1,
            fit(detail, room),
            room,
            tone.remove_modifier(Modifier::BOLD),
        );
    }
}

fn tone_style(tone: Tone) -> Style {
    match tone {
        Tone::Busy => Style::new().fg(Color::Cyan),
        Tone::Good => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
        Tone::Bad => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        Tone::Quiet => Style::new().fg(Color::DarkGray),
    }
}

fn slot(app: &App, row: usize, col: usize, area: Rect, buf: &mut Buffer) {
    if area.is_empty() {
        return;
    }
    let selected = (row, col) == app.sel;
    // One column stays blank so neighbouring cells do not run together.
    let width = area.width.saturating_sub(1) as usize;
    let Some(cell) = app.grid[row][col] else {
        let style = Style::new().add_modifier(Modifier::DIM);
        let style = if selected {
            style.add_modifier(Modifier::REVERSED)
        } else {
            style
        };
        buf.set_stringn(area.x, area.y, pad("  n/a", width), width, style);
        return;
    };
    let text = describe(app, cell);
    let mut head = format!("{} {}", text.glyph, text.head);
    if head.width() > width {
        head = format!("{} {}", text.glyph, text.brief);
    }
    let mut lines = vec![head.clone()];
    match (&text.detail, area.height) {
        (Some(detail), 1) if width >= head.width() + 8 => {
            lines[0] = format!("{head} · {detail}");
        }
        (Some(detail), h) if h >= 2 => lines.push(format!("  {detail}")),
        _ => {}
    }
    let style = if selected {
        text.style.add_modifier(Modifier::REVERSED)
    } else {
        text.style
    };
    for (i, line) in lines.iter().enumerate().take(area.height as usize) {
        let line = Line::from(Span::styled(pad(line, width), style));
        line.render(Rect::new(area.x, area.y + i as u16, width as u16, 1), buf);
    }
    if selected && lines.len() < area.height as usize {
        for y in area.y + lines.len() as u16..area.bottom() {
            buf.set_stringn(area.x, y, pad("", width), width, style);
        }
    }
}
