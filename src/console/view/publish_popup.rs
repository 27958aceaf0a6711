//! The publish confirmation: every manifest list about to be created, each tag it gets, and
//! the digest of every image it will hold. Nothing is pushed until it is answered yes.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::popups::centered;
use super::text::{fit, pad};
use crate::console::app::App;
use crate::console::keymap::Action;
use crate::model::text::plural;

/// Around the lists: the intro line, a blank line, the keys line and the border.
const CHROME_H: u16 = 5;

pub fn render(app: &App, frame: &mut Frame) {
    let lists = &app.publish.pending;
    let dim = Style::new().fg(Color::DarkGray);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let name_w = lists.iter().map(|l| l.component.width()).max().unwrap_or(0) + 2;
    let platform_w = lists
        .iter()
        .flat_map(|l| l.sources.iter().map(|s| s.platform.to_string().width()))
        .max()
        .unwrap_or(0)
        + 2;
    let mut body: Vec<Line<'static>> = Vec::new();
    for list in lists {
        for (n, target) in list.targets.iter().enumerate() {
            let name = if n == 0 { list.component.as_str() } else { "" };
            body.push(Line::from(vec![
                Span::styled(pad(name, name_w), bold),
                Span::raw(target.clone()),
            ]));
        }
        for source in &list.sources {
            body.push(Line::from(vec![
                Span::raw(" ".repeat(name_w + 2)),
                Span::styled(pad(&source.platform.to_string(), platform_w), dim),
                Span::raw(source.digest.clone()),
            ]));
        }
    }
    let n = lists.len();
    let intro = format!(
        "Create {n} manifest list{} from the cells' digests, then verify each:",
        plural(n)
    );
    let widest = body
        .iter()
        .map(Line::width)
        .chain([intro.width()])
        .max()
        .unwrap_or(0) as u16;
    let screen = frame.area();
    let width = (widest + 2).clamp(40, screen.width.saturating_sub(2).max(40));
    let room = screen.height.saturating_sub(CHROME_H + 2) as usize;
    if body.len() > room {
        let hidden = body.len() - room.saturating_sub(1);
        body.truncate(room.saturating_sub(1));
        body.push(Line::styled(
            format!("… {hidden} more lines; every list is published"),
            dim,
        ));
    }
    let area = centered(screen, width, body.len() as u16 + CHROME_H);
    let inner_w = area.width.saturating_sub(2) as usize;
    let mut lines = vec![Line::raw(fit(&intro, inner_w))];
    lines.extend(body);
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::styled(app.keymap.label(Action::Yes, true), key),
        Span::raw(" publish   "),
        Span::styled(app.keymap.label(Action::No, true), key),
        Span::raw(" cancel"),
    ]));
    let block = Block::bordered()
        .title(" Publish ")
        .border_style(Style::new().fg(Color::Yellow));
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
