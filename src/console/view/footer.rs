//! The keys that do something right now, read from the keymap so they cannot drift.

use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::console::app::{App, Pane, Phase, Popup};
use crate::console::keymap::{Action, ACTIONS};
use crate::model::CellStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub keys: String,
    pub what: String,
    /// Kept at the right edge, so a narrow terminal never hides how to get help or leave.
    pub pinned: bool,
}

/// Shown as one item when both are shown: `PgUp/PgDn scroll`.
const PAIRS: [(Action, Action, &str); 4] = [
    (Action::ScrollUp, Action::ScrollDown, "scroll"),
    (Action::FailurePrev, Action::FailureNext, "choose"),
    (Action::SearchNext, Action::SearchPrev, "match"),
    (Action::ScrollLeft, Action::ScrollRight, "sideways"),
];

pub fn render(app: &App, frame: &mut Frame, area: Rect) {
    let key = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
    let (pinned, rest): (Vec<Item>, Vec<Item>) = items(app).into_iter().partition(|i| i.pinned);
    let width = |items: &[Item]| -> usize {
        items
            .iter()
            .map(|i| i.keys.width() + i.what.width() + 3)
            .sum()
    };
    // Whole items only: a key without its meaning, or half a word, helps nobody.
    let room = (area.width as usize).saturating_sub(width(&pinned));
    let mut left = Vec::new();
    for item in rest {
        if width(&left) + width(std::slice::from_ref(&item)) > room {
            break;
        }
        left.push(item);
    }
    let gap = room - width(&left);
    let mut spans = Vec::new();
    for (n, item) in left.iter().chain(&pinned).enumerate() {
        if n == left.len() {
            spans.push(Span::raw(" ".repeat(gap)));
        }
        spans.push(Span::styled(item.keys.clone(), key));
        spans.push(Span::raw(format!(" {}  ", item.what)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The footer's items, the current pane's first, in the keymap's order.
pub fn items(app: &App) -> Vec<Item> {
    let item = |keys: String, what: &str, pinned: bool| Item {
        keys,
        what: what.to_string(),
        pinned,
    };
    if app.phase != Phase::Running {
        return Vec::new();
    }
    if matches!(app.popup, Some(Popup::Help)) {
        let scroll = format!(
            "{}/{}",
            app.keymap.label(Action::MoveUp, false),
            app.keymap.label(Action::MoveDown, false)
        );
        return vec![
            item(scroll, "scroll", false),
            item(app.keymap.label(Action::CloseHelp, true), "close", true),
        ];
    }
    let all_keys = matches!(app.popup, Some(Popup::Confirm(_)));
    let mut shown: Vec<Action> = Vec::new();
    for ctx in app.contexts() {
        for info in ACTIONS.iter().filter(|i| i.context == ctx) {
            if in_footer(info.action) && enabled(app, info.action) {
                shown.push(info.action);
            }
        }
    }
    let mut out = Vec::new();
    for &action in &shown {
        if let Some((first, second, what)) = PAIRS.iter().find(|p| p.0 == action || p.1 == action) {
            if shown.contains(first) && shown.contains(second) {
                if action == *first {
                    let keys = format!(
                        "{}/{}",
                        app.keymap.label(*first, false),
                        app.keymap.label(*second, false)
                    );
                    out.push(item(keys, what, false));
                }
                continue;
            }
        }
        let info = crate::console::keymap::info_of(action);
        let what = match action {
            Action::Pause if app.paused => "resume",
            _ => info.short,
        };
        let pinned = matches!(action, Action::Help | Action::Quit);
        out.push(item(app.keymap.label(action, all_keys), what, pinned));
    }
    out
}

/// Moving and the pane number keys are in the help and the tab titles; the footer keeps to
/// what acts on the build.
fn in_footer(action: Action) -> bool {
    !matches!(
        action,
        Action::MoveUp
            | Action::MoveDown
            | Action::MoveLeft
            | Action::MoveRight
            | Action::PrevPane
            | Action::ShowLog
            | Action::ShowFailures
            | Action::ShowBuilder
            | Action::ShowConsole
            | Action::CloseHelp
            | Action::ScrollTop
            // How the log reads, not what the build does: in the help.
            | Action::ToggleWrap
            | Action::ToggleTimes
    )
}

fn enabled(app: &App, action: Action) -> bool {
    let status = app.selected().map(|i| app.status_of(i));
    match action {
        Action::Retry => status.is_some_and(|s| {
            !matches!(
                s,
                CellStatus::Running { .. }
                    | CellStatus::Warming
                    | CellStatus::Queued
                    | CellStatus::NotSelected
            )
        }),
        Action::RebuildNoCache => status.is_some_and(|s| {
            !matches!(
                s,
                CellStatus::Running { .. } | CellStatus::Warming | CellStatus::NotSelected
            )
        }),
        Action::Cancel => status.is_some_and(CellStatus::is_active),
        Action::RetryFailed => app.cells.iter().any(|c| c.status.is_failed()),
        Action::FailurePrev | Action::FailureNext | Action::JumpToCell => !app.failures.is_empty(),
        Action::ScrollBottom => match app.pane {
            Pane::Log => app.log_top.is_some(),
            Pane::Console => true,
            _ => false,
        },
        Action::RefreshBuilder => !app.doctor_running,
        Action::SearchNext | Action::SearchPrev => app.log_view.search.is_some(),
        _ => true,
    }
}
