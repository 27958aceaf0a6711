//! The doctor's checks, then every builder in use: which columns it serves, its nodes as
//! buildx and the engine report them, what is wrong, and how it differs from matrix.toml.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::doctor_checks;
use super::text::hanging;
use crate::console::app::App;
use crate::docker::builder::wanted_node_network;
use crate::docker::builder_facts::{BuilderFacts, Found};
use crate::docker::buildx::{Builder, Node, NodeStatus};
use crate::doctor::findings::{findings, platforms_on, Severity};
use crate::model::text::plural;
use crate::model::Platform;

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn warn_style() -> Style {
    Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
}

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let Some(report) = &app.doctor else {
        let text = "Running the doctor checks and asking buildx about the builders…";
        frame.render_widget(Paragraph::new(Line::styled(text, dim())), area);
        return;
    };
    // What will make builds fail comes first, before a screenful of ok checks.
    let mut lines = Vec::new();
    for w in app.builder_warnings() {
        lines.extend(hanging(
            vec![Span::styled("⚠ ", warn_style())],
            &w,
            warn_style(),
            area.width,
        ));
    }
    lines.extend(doctor_checks::lines(app, report, area.width));
    if report.builders.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "No builder was looked at: the Docker engine does not answer.",
            dim(),
        ));
    }
    for facts in &report.builders {
        lines.push(Line::raw(""));
        builder_lines(app, facts, area.width, &mut lines);
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.builder_scroll, 0)),
        area,
    );
}

fn builder_lines(app: &App, facts: &BuilderFacts, width: u16, lines: &mut Vec<Line<'static>>) {
    let mut head = vec![
        Span::styled("builder ", dim()),
        Span::styled(facts.label(), bold()),
    ];
    if let Found::Present(b) = &facts.found {
        head.push(Span::styled("  driver ", dim()));
        head.push(Span::raw(b.driver.clone()));
    }
    if facts.declared.is_some() {
        head.push(Span::styled("  declared by [builder]", dim()));
    }
    lines.push(Line::from(head));
    lines.push(Line::from(vec![
        field("serves"),
        Span::raw(serves(app, &facts.name)),
    ]));
    match &facts.found {
        Found::Present(b) => {
            if let Some(at) = &b.last_activity {
                lines.push(Line::from(vec![
                    field("last activity"),
                    Span::raw(at.clone()),
                ]));
            }
            for node in &b.nodes {
                node_lines(facts, b, node, lines);
            }
        }
        Found::Missing => lines.push(Line::from(vec![
            field("status"),
            Span::styled("does not exist", Style::new().fg(Color::Red)),
        ])),
        Found::Unknown(_) => lines.push(Line::from(vec![
            field("status"),
            Span::styled("could not be inspected", Style::new().fg(Color::Red)),
        ])),
    }
    // Its warnings head the pane; what could not be checked is said here.
    for note in findings(&app.plan, app.wants_network_host, facts)
        .into_iter()
        .filter(|f| f.severity == Severity::Note)
    {
        lines.extend(hanging(
            vec![Span::styled("  ℹ ", dim())],
            &note.text,
            dim(),
            width,
        ));
    }
    drift_lines(facts, width, lines);
}

/// The columns sent to this builder, and whether a route sends them.
fn serves(app: &App, name: &Option<String>) -> String {
    let platforms = platforms_on(&app.plan, name);
    if platforms.is_empty() {
        return "no column: every platform is routed to another builder".into();
    }
    let routed = |p: &Platform| {
        name.as_ref().is_some_and(|n| {
            app.routes
                .iter()
                .any(|(r, ps)| r == n && ps.iter().any(|q| q.same_as(p)))
        })
    };
    let words: Vec<String> = platforms
        .iter()
        .map(|p| {
            if routed(p) {
                format!("{p} (routed by [platforms.\"{p}\"] builder)")
            } else {
                p.to_string()
            }
        })
        .collect();
    words.join(", ")
}

fn field(label: &str) -> Span<'static> {
    Span::styled(format!("    {label:<14}"), dim())
}

fn node_lines(facts: &BuilderFacts, b: &Builder, node: &Node, lines: &mut Vec<Line<'static>>) {
    let status_style = match node.status {
        NodeStatus::Running => Style::new().fg(Color::Green),
        NodeStatus::Inactive | NodeStatus::Stopped => Style::new().fg(Color::Yellow),
        NodeStatus::Unknown | NodeStatus::Error | NodeStatus::Other(_) => {
            Style::new().fg(Color::Red)
        }
    };
    let status = node.status.to_string();
    lines.push(Line::from(vec![
        Span::styled("  node ", dim()),
        Span::styled(node.name.clone(), bold()),
        Span::raw("  "),
        Span::styled(status, status_style),
        Span::styled("  BuildKit ", dim()),
        Span::raw(
            node.buildkit
                .clone()
                .unwrap_or_else(|| "? (known once it runs)".into()),
        ),
        Span::styled("  endpoint ", dim()),
        Span::raw(node.endpoint.clone()),
    ]));
    let platforms = if node.platforms.is_empty() {
        "(not known until the builder starts)".to_string()
    } else {
        node.platforms.join(", ")
    };
    lines.push(Line::from(vec![field("platforms"), Span::raw(platforms)]));
    let mut opts = vec![field("driver opts")];
    if node.driver_opts.is_empty() {
        opts.push(Span::styled("(none)", dim()));
    }
    for (k, v) in &node.driver_opts {
        // Host networking decides whether `--allow network.host` can work at all.
        let style = if k == "network" && v == "host" {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        opts.push(Span::styled(format!("{k}={v}"), style));
        opts.push(Span::raw(" "));
    }
    lines.push(Line::from(opts));
    let flags = match b.driver.as_str() {
        _ if !node.flags.is_empty() => Span::raw(node.flags.join(" ")),
        "docker" => Span::styled(
            "(none: the engine's own BuildKit, which allows network.host)",
            dim(),
        ),
        "remote" => Span::styled("(not visible through buildx for a remote daemon)", dim()),
        _ => Span::styled("(none)", dim()),
    };
    lines.push(Line::from(vec![field("daemon flags"), flags]));
    match facts.containers.iter().find(|c| c.node == node.name) {
        Some(c) => {
            let network = c.network_mode.clone().unwrap_or_else(|| "?".into());
            let network_style = if network == "host" {
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
            } else {
                Style::new()
            };
            lines.push(Line::from(vec![
                field("container"),
                Span::raw(format!("{} {}, network ", c.name, c.status_word())),
                Span::styled(network, network_style),
                Span::raw(format!(
                    ", image {}",
                    c.image.clone().unwrap_or_else(|| "?".into())
                )),
            ]));
        }
        None if b.driver == "docker-container" => {
            let wanted = facts
                .declared
                .as_ref()
                .and_then(wanted_node_network)
                .map(|w| format!("; matrix.toml wants it on network {w}"))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                field("container"),
                Span::styled(
                    format!("none yet (buildx starts it on first use){wanted}"),
                    dim(),
                ),
            ]));
        }
        None => {}
    }
    if let Some(e) = &node.error {
        lines.push(Line::from(vec![
            field("error"),
            Span::styled(e.clone(), Style::new().fg(Color::Red)),
        ]));
    }
}

/// How the builder differs from what matrix.toml declares, and the command that fixes it.
fn drift_lines(facts: &BuilderFacts, width: u16, lines: &mut Vec<Line<'static>>) {
    if !matches!(facts.found, Found::Present(_)) {
        if facts.declared.is_some() {
            lines.push(Line::from(vec![
                Span::styled("  fix: ", dim()),
                Span::raw("archgrid builder create"),
            ]));
        }
        return;
    }
    if facts.differences.is_empty() {
        if facts.declared.is_some() {
            lines.push(Line::styled(
                "  ✔ matches matrix.toml",
                Style::new().fg(Color::Green),
            ));
        }
        return;
    }
    let n = facts.differences.len();
    lines.push(Line::styled(
        format!("  ⚠ differs from matrix.toml in {n} way{}:", plural(n)),
        warn_style(),
    ));
    for d in &facts.differences {
        lines.extend(hanging(
            vec![Span::raw("    - ")],
            &d.to_string(),
            Style::new(),
            width,
        ));
    }
    lines.push(Line::from(vec![
        Span::styled("    fix: ", dim()),
        Span::raw("archgrid builder create --recreate"),
        Span::styled(
            " (replaces it with what matrix.toml declares; the console never does)",
            dim(),
        ),
    ]));
}
