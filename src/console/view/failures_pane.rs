//! Every failed attempt in the grid, newest first, with its error excerpt and class.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use unicode_width::UnicodeWidthStr;

use super::header::clock;
use super::text::{wrap_chars, wrap_words};
use crate::console::app::{App, Failure};
use crate::console::keymap::Action;
use crate::doctor::Level as CheckLevel;
use crate::model::{FailureClass, InfraCause};

/// Excerpt lines under failures that are not selected; the selected one shows all it kept.
const UNSELECTED_EXCERPT: usize = 2;

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    if app.failures.is_empty() {
        frame.render_widget(
            Paragraph::new("No attempt has failed.").style(Style::new().fg(Color::DarkGray)),
            area,
        );
        return;
    }
    let sel = app.failure_sel.min(app.failures.len() - 1);
    let entries: Vec<Vec<Line>> = app
        .failures
        .iter()
        .enumerate()
        .map(|(i, f)| entry(app, f, i == sel, area.width as usize))
        .collect();
    // Start as late as needed for the selected entry to fit, so it is always in view.
    let h = area.height as usize;
    let mut start = sel;
    let mut used = entries[sel].len();
    while start > 0 && used + entries[start - 1].len() <= h {
        start -= 1;
        used += entries[start].len();
    }
    let lines: Vec<Line> = entries.into_iter().skip(start).flatten().take(h).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// `    ⚕ the engine could not attach …: doctor "bridge network" fail: docker0 is missing`.
fn explained_by(app: &App, f: &Failure, cause: InfraCause) -> String {
    let name = match cause {
        InfraCause::Emulation => format!("{} {}", cause.check(), app.plan.cells[f.cell].platform),
        _ => cause.check().to_string(),
    };
    // `registry localhost:5000` answers to "registry": the check's name goes on past the part.
    let check = app.doctor.as_ref().and_then(|r| r.matching(&name).next());
    let verdict = match check {
        Some(c) if c.level == CheckLevel::Ok => format!("ok now ({})", c.why),
        Some(c) => format!("{}: {}; do: {}", c.level, c.why, c.fix),
        None if app.doctor_running => "running…".to_string(),
        None => "not run yet".to_string(),
    };
    format!("⚕ {cause}; doctor \"{name}\" {verdict}")
}

fn entry(app: &App, f: &Failure, selected: bool, width: usize) -> Vec<Line<'static>> {
    let color = match f.class {
        Some(FailureClass::Transient) => Color::Yellow,
        _ => Color::Red,
    };
    let mut head_style = Style::new().fg(color).add_modifier(Modifier::BOLD);
    if selected {
        head_style = head_style.add_modifier(Modifier::REVERSED);
    }
    let marker = if selected { "▶ " } else { "  " };
    let retried = match (f.given_back, f.retried) {
        (true, _) => ", attempt given back",
        (false, true) => ", retried",
        (false, false) => "",
    };
    let mut head = vec![
        Span::raw(marker),
        Span::styled(
            format!(
                "✘ {}  attempt {}  {}{retried}",
                app.cell_id(f.cell),
                f.attempt,
                FailureClass::word_of(f.class)
            ),
            head_style,
        ),
        Span::styled(
            format!("  at {}", clock(f.at)),
            Style::new().fg(Color::DarkGray),
        ),
    ];
    if selected {
        let jump = app.keymap.label(Action::JumpToCell, false);
        head.push(Span::styled(
            format!("  {jump} jumps to its log"),
            Style::new().fg(Color::DarkGray),
        ));
    }
    let mut lines = vec![Line::from(head)];
    // The cause first and whole: it is what the entry is for.
    let bold = Style::new().add_modifier(Modifier::BOLD);
    lines.extend(wrapped(&f.reason, "    ", "    ", width, bold));
    if let Some(cause) = f.cause {
        let magenta = Style::new().fg(Color::Magenta);
        lines.extend(wrapped(
            &explained_by(app, f, cause),
            "    ",
            "      ",
            width,
            magenta,
        ));
    }
    let summary = &f.summary;
    let gray = Style::new().fg(Color::Gray);
    let dim = Style::new().fg(Color::DarkGray);
    let output = if selected {
        &summary.output[..]
    } else {
        &summary.output[summary.output.len().saturating_sub(UNSELECTED_EXCERPT)..]
    };
    if !output.is_empty() {
        if selected {
            let step = summary.step.as_deref().unwrap_or("the failed step");
            lines.extend(wrapped(
                &format!("last output of {step}:"),
                "    ",
                "      ",
                width,
                dim,
            ));
        }
        for text in output {
            lines.extend(wrapped_as_is(text, "    │ ", "    │ ", width, gray));
        }
    }
    if selected {
        for text in &summary.excerpt {
            lines.extend(wrapped_as_is(text, "    ", "    ", width, dim));
        }
        if let Some(command) = &summary.command {
            lines.extend(wrapped(
                &format!("command: {command}"),
                "    ",
                "      ",
                width,
                dim,
            ));
        }
    }
    lines
}

/// `text` broken into rows of `width` columns, the first after `first`, the rest after
/// `rest`: nothing in the pane is cut at its edge.
fn wrapped(text: &str, first: &str, rest: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    indented(wrap_words, text, first, rest, width, style)
}

/// Like [`wrapped`], for text whose spaces line it up: output and the Dockerfile excerpt.
fn wrapped_as_is(
    text: &str,
    first: &str,
    rest: &str,
    width: usize,
    style: Style,
) -> Vec<Line<'static>> {
    indented(wrap_chars, text, first, rest, width, style)
}

/// `text` cut into rows by `wrap`, each row after its indent.
fn indented(
    wrap: fn(&str, usize, usize) -> Vec<String>,
    text: &str,
    first: &str,
    rest: &str,
    width: usize,
    style: Style,
) -> Vec<Line<'static>> {
    let room = |indent: &str| width.saturating_sub(indent.width()).max(8);
    wrap(text, room(first), room(rest))
        .into_iter()
        .enumerate()
        .map(|(i, row)| {
            let indent = if i == 0 { first } else { rest };
            Line::styled(format!("{indent}{row}"), style)
        })
        .collect()
}
