//! The help popup, listing every binding from the keymap, and the y/n questions.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::console::app::{App, Confirm};
use crate::console::keymap::{Action, Context, ACTIONS};
use crate::model::text::plural;

const CONTEXTS: [Context; 10] = [
    Context::Global,
    Context::Scroll,
    Context::Log,
    Context::Sideways,
    Context::Failures,
    Context::Builder,
    Context::Confirm,
    Context::Input,
    Context::Search,
    Context::Help,
];

pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(row);
    rect
}

pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let key_style = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let mut lines = Vec::new();
    for ctx in CONTEXTS {
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(
            ctx.heading(),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        ));
        for info in ACTIONS.iter().filter(|i| i.context == ctx) {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("  {:<12} ", app.keymap.label(info.action, true)),
                    key_style,
                ),
                Span::raw(info.description),
                Span::styled(
                    format!("  ({})", info.name),
                    Style::new().fg(Color::DarkGray),
                ),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Rebind by action name in the matrix's [keys] table or in ~/.config/archgrid/keys.toml, e.g. retry = [\"r\", \"f5\"]",
        Style::new().fg(Color::DarkGray),
    ));
    lines
}

pub fn render_help(app: &App, frame: &mut Frame) {
    let lines = help_lines(app);
    // The footer and header stay visible around it.
    let area = centered(
        frame.area(),
        96,
        (lines.len() as u16 + 2).min(frame.area().height.saturating_sub(4)),
    );
    let inner_h = area.height.saturating_sub(2);
    let max_scroll = (lines.len() as u16).saturating_sub(inner_h);
    let close = app.keymap.label(Action::CloseHelp, true);
    let scroll = app.help_scroll.min(max_scroll);
    let bottom = if max_scroll > 0 {
        let (up, down) = (
            app.keymap.label(Action::MoveUp, false),
            app.keymap.label(Action::MoveDown, false),
        );
        let last = (scroll + inner_h).min(lines.len() as u16);
        format!(
            " lines {}-{last} of {}, {up}/{down} scroll · {close} closes ",
            scroll + 1,
            lines.len()
        )
    } else {
        format!(" {close} closes ")
    };
    let block = Block::bordered()
        .title(" Keys ")
        .title_bottom(Line::from(bottom).right_aligned());
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

pub fn render_confirm(app: &App, frame: &mut Frame, question: Confirm) {
    let text = match question {
        Confirm::Quit => {
            let running = app.cells.iter().filter(|c| c.status.is_active()).count();
            let plural = plural(running);
            let mut busy = Vec::new();
            if running > 0 || !app.task_running() {
                busy.push(format!("{running} build{plural}"));
            }
            if app.publish.running {
                busy.push("a publish".to_string());
            }
            if app.export.running {
                busy.push("an export".to_string());
            }
            format!(
                "{} still running. Cancel everything and quit?",
                busy.join(" and ")
            )
        }
        Confirm::Rebuild { cell, no_cache } => {
            let how = if no_cache { " without the cache" } else { "" };
            format!("{} is green. Build it again{how}?", app.cell_id(cell))
        }
        // Drawn by its own popup, with the lists.
        Confirm::Publish => return,
    };
    let yes = app.keymap.label(Action::Yes, true);
    let no = app.keymap.label(Action::No, true);
    let area = centered(frame.area(), 60, 6);
    let block = Block::bordered()
        .title(" Confirm ")
        .border_style(Style::new().fg(Color::Yellow));
    let lines = vec![
        Line::raw(text),
        Line::raw(""),
        Line::from(vec![
            Span::styled(
                yes,
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::raw(" yes   "),
            Span::styled(
                no,
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ),
            Span::raw(" no"),
        ]),
    ];
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
