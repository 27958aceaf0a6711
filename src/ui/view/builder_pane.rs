//! What buildx reports about the builders in use, with warnings first.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use crate::docker::buildx::{Builder, Node};
use crate::ui::app::App;
use crate::ui::builder_report::{builder_label, platforms_on, warnings};
use crate::ui::keymap::Action;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let dim = Style::new().fg(Color::DarkGray);
    let refresh = app.keymap.label(Action::RefreshBuilder, false);
    let mut lines: Vec<Line> = Vec::new();
    let Some(facts) = &app.builders else {
        lines.push(Line::styled("Asking buildx about the builder…", dim));
        frame.render_widget(Paragraph::new(lines), area);
        return;
    };
    for w in warnings(app) {
        lines.push(Line::styled(
            format!("⚠ {w}"),
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        ));
    }
    for (name, result) in &facts.used {
        match result {
            Ok(b) => builder_lines(app, name, b, &mut lines),
            Err(_) => lines.push(Line::styled(
                format!("builder {}: not inspected", builder_label(name)),
                dim,
            )),
        }
    }
    match &facts.listed {
        Ok(list) => {
            let others: Vec<String> = list
                .iter()
                .filter(|b| {
                    !facts
                        .used
                        .iter()
                        .any(|(_, r)| r.as_ref().is_ok_and(|u| u.name == b.name))
                })
                .map(|b| format!("{} ({})", b.name, b.driver))
                .collect();
            if !others.is_empty() {
                lines.push(Line::from(vec![
                    Span::styled("other builders  ", dim),
                    Span::raw(others.join(", ")),
                ]));
            }
        }
        Err(e) => lines.push(Line::styled(format!("buildx ls: {e}"), dim)),
    }
    let note = if app.builders_loading {
        "asking buildx again…".to_string()
    } else {
        format!("{refresh} asks buildx again")
    };
    lines.push(Line::styled(note, dim));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.builder_scroll, 0)),
        area,
    );
}

fn builder_lines(app: &App, name: &Option<String>, b: &Builder, lines: &mut Vec<Line<'static>>) {
    let dim = Style::new().fg(Color::DarkGray);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let builds: Vec<String> = platforms_on(app, name)
        .iter()
        .map(|p| p.to_string())
        .collect();
    let mut head = vec![
        Span::styled("builder ", dim),
        Span::styled(b.name.clone(), bold),
        Span::styled("  driver ", dim),
        Span::raw(b.driver.clone()),
    ];
    if let Some(at) = &b.last_activity {
        head.push(Span::styled("  last activity ", dim));
        head.push(Span::raw(at.clone()));
    }
    head.push(Span::styled("  builds ", dim));
    head.push(Span::raw(builds.join(", ")));
    lines.push(Line::from(head));
    for node in &b.nodes {
        node_lines(&b.driver, node, lines);
    }
}

fn node_lines(driver: &str, node: &Node, lines: &mut Vec<Line<'static>>) {
    let dim = Style::new().fg(Color::DarkGray);
    let status_style = match node.status.as_str() {
        "running" => Style::new().fg(Color::Green),
        "inactive" | "stopped" => Style::new().fg(Color::Yellow),
        _ => Style::new().fg(Color::Red),
    };
    lines.push(Line::from(vec![
        Span::styled("  node ", dim),
        Span::styled(node.name.clone(), Style::new().add_modifier(Modifier::BOLD)),
        Span::raw("  "),
        Span::styled(node.status.clone(), status_style),
        Span::styled("  BuildKit ", dim),
        Span::raw(node.buildkit.clone().unwrap_or_else(|| "?".into())),
        Span::styled("  endpoint ", dim),
        Span::raw(node.endpoint.clone()),
    ]));
    let field = |label: &str| Span::styled(format!("    {label:<13}"), dim);
    let platforms = if node.platforms.is_empty() {
        "(not known until the builder starts)".to_string()
    } else {
        node.platforms.join(", ")
    };
    lines.push(Line::from(vec![field("platforms"), Span::raw(platforms)]));
    if !node.driver_opts.is_empty() {
        let mut spans = vec![field("driver opts")];
        for (k, v) in &node.driver_opts {
            let text = format!("{k}={v}");
            // Host networking decides whether `--allow network.host` can work at all.
            let style = if k == "network" && v == "host" {
                Style::new()
                    .fg(Color::Black)
                    .bg(Color::Cyan)
                    .add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    let flags = if node.flags.is_empty() && driver == "docker" {
        Span::styled(
            "(none: the engine's own BuildKit, which allows network.host)",
            dim,
        )
    } else if node.flags.is_empty() {
        Span::styled("(none)", dim)
    } else {
        Span::raw(node.flags.join(" "))
    };
    lines.push(Line::from(vec![field("daemon flags"), flags]));
    if let Some(e) = &node.error {
        lines.push(Line::from(vec![
            field("error"),
            Span::styled(e.clone(), Style::new().fg(Color::Red)),
        ]));
    }
}
