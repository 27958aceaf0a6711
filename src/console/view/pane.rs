//! The lower pane: its tabs in the top border, then whichever pane is shown.

use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

use super::{builder_pane, console_pane, failures_pane, log_pane};
use crate::console::app::{App, Pane};
use crate::console::layout::{self, Areas, TAB_GAP};

pub fn render(app: &App, frame: &mut Frame, areas: &Areas) {
    let tabs = tab_line(app);
    if areas.pane_collapsed {
        frame.render_widget(
            Paragraph::new(tabs),
            Rect {
                x: areas.pane.x + 1,
                ..areas.pane
            },
        );
        return;
    }
    let body = layout::pane_body(areas);
    let mut block = Block::bordered().title(tabs);
    if let Some(bottom) = bottom_title(app, body) {
        block = block.title_bottom(bottom.right_aligned());
    }
    frame.render_widget(block, areas.pane);
    match app.pane {
        Pane::Log => log_pane::render(app, frame, body),
        Pane::Failures => failures_pane::render(app, frame, body),
        Pane::Builder => builder_pane::render(app, frame, body),
        Pane::Console => console_pane::render(app, frame, body),
    }
}

fn tab_line(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (pane, label)) in layout::tabs(app).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("│".repeat(TAB_GAP as usize)));
        }
        let style = if pane == app.pane {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
        };
        spans.push(Span::styled(label, style));
    }
    Line::from(spans)
}

fn bottom_title(app: &App, body: Rect) -> Option<Line<'static>> {
    match app.pane {
        Pane::Log => log_pane::bottom_title(app, body),
        _ => None,
    }
}
