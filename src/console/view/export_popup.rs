//! Asks where to export: a one-line text field with the default filled in.

use ratatui::layout::Position;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::popups::centered;
use crate::console::app::App;
use crate::console::keymap::Action;

const WIDTH: u16 = 72;

pub fn render(app: &App, frame: &mut Frame) {
    let Some(input) = &app.input else { return };
    let dim = Style::new().fg(Color::DarkGray);
    let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let green = app.green_count();
    let total = app.selected_count();
    let area = centered(frame.area(), WIDTH, 6);
    let inner_w = area.width.saturating_sub(2) as usize;
    // The end of a long path is the part being typed, so that is what stays in view.
    let prompt = "> ";
    let room = inner_w.saturating_sub(prompt.width() + 1);
    let shown = tail(&input.text, room);
    let text_style = if input.fresh {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new()
    };
    let hint = if input.fresh {
        "typing replaces the default"
    } else {
        ""
    };
    let lines = vec![
        Line::raw(format!(
            "A docker-load tarball per green cell ({green} of {total}) and index.json, into:"
        )),
        Line::from(vec![
            Span::styled(prompt, key),
            Span::styled(shown.clone(), text_style),
        ]),
        Line::styled(hint, dim),
        Line::from(vec![
            Span::styled(app.keymap.label(Action::InputAccept, false), key),
            Span::raw(" export   "),
            Span::styled(app.keymap.label(Action::InputCancel, false), key),
            Span::raw(" cancel   "),
            Span::styled(app.keymap.label(Action::InputDelete, false), key),
            Span::raw(" delete"),
        ]),
    ];
    let block = Block::bordered()
        .title(" Export ")
        .border_style(Style::new().fg(Color::Yellow));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
    let x = area.x + 1 + (prompt.width() + shown.width()) as u16;
    frame.set_cursor_position(Position::new(x.min(area.right() - 2), area.y + 2));
}

/// The last `width` columns of `text`, led by `…` when cut.
fn tail(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out: Vec<char> = Vec::new();
    let mut used = 1;
    for c in text.chars().rev() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out.into_iter().rev().collect()
}
