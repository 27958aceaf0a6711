//! Key presses: looked up in the keymap for the current context, then acted on.

use crossterm::event::KeyEvent;
use tui_logger::TuiWidgetEvent;

use super::{
    cancel_everything, doctor, export, keep_selection_visible, open_popup, page_height, publish,
    quit_now, select_slot,
};
use crate::build::scheduler::Command;
use crate::console::app::{App, Confirm, Level, Pane, Phase, Popup};
use crate::console::keymap::{Action, Key};
use crate::console::msg::Effect;
use crate::model::text::plural;
use crate::model::CellStatus;

pub fn on_key(app: &mut App, ev: KeyEvent) -> Vec<Effect> {
    let Some(key) = Key::from_event(&ev) else {
        return Vec::new();
    };
    if app.phase != Phase::Running {
        return Vec::new();
    }
    let action = app.keymap.action_for(key, &app.contexts());
    if app.popup == Some(Popup::ExportDir) {
        return export::on_input_key(app, key, action);
    }
    if app.popup.is_none() && app.log_view.typing.is_some() {
        super::log_keys::on_typing_key(app, key, action);
        return Vec::new();
    }
    let Some(action) = action else {
        return Vec::new();
    };
    match app.popup {
        Some(Popup::Help) => on_help_key(app, action),
        Some(Popup::Confirm(question)) => on_answer(app, question, action),
        Some(Popup::ExportDir) => Vec::new(),
        None => {
            app.status = None;
            perform(app, action)
        }
    }
}

fn on_help_key(app: &mut App, action: Action) -> Vec<Effect> {
    let page = page_height(app) as u16;
    match action {
        Action::CloseHelp | Action::Help => app.popup = None,
        Action::MoveUp => app.help_scroll = app.help_scroll.saturating_sub(1),
        Action::MoveDown => app.help_scroll = app.help_scroll.saturating_add(1),
        Action::ScrollUp => app.help_scroll = app.help_scroll.saturating_sub(page),
        Action::ScrollDown => app.help_scroll = app.help_scroll.saturating_add(page),
        Action::ScrollTop => app.help_scroll = 0,
        Action::Quit => {
            app.popup = None;
            return perform(app, Action::Quit);
        }
        _ => {}
    }
    Vec::new()
}

fn on_answer(app: &mut App, question: Confirm, action: Action) -> Vec<Effect> {
    match (action, question) {
        (Action::Yes, Confirm::Quit) => cancel_everything(app),
        (Action::Yes, Confirm::Rebuild { cell, no_cache }) => {
            app.popup = None;
            let command = if no_cache {
                Command::Rebuild { cell, no_cache }
            } else {
                Command::Retry(cell)
            };
            send(app, command, format!("rebuilding {}", app.cell_id(cell)))
        }
        (Action::Yes, Confirm::Publish) => publish::confirmed(app),
        (Action::No, question) => {
            app.popup = None;
            if question == Confirm::Publish {
                app.publish.pending.clear();
                app.say(Level::Info, "publish canceled; nothing was pushed");
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn perform(app: &mut App, action: Action) -> Vec<Effect> {
    match action {
        Action::MoveUp => move_selection(app, -1, 0),
        Action::MoveDown => move_selection(app, 1, 0),
        Action::MoveLeft => move_selection(app, 0, -1),
        Action::MoveRight => move_selection(app, 0, 1),
        Action::NextPane => return show_pane(app, app.pane.next()),
        Action::PrevPane => return show_pane(app, app.pane.prev()),
        Action::ShowLog => return show_pane(app, Pane::Log),
        Action::ShowFailures => return show_pane(app, Pane::Failures),
        Action::ShowBuilder => return show_pane(app, Pane::Builder),
        Action::ShowConsole => return show_pane(app, Pane::Console),
        Action::Retry => return retry(app, false),
        Action::RebuildNoCache => return retry(app, true),
        Action::RetryFailed => return retry_failed(app),
        Action::Cancel => return cancel(app),
        Action::Pause => return toggle_pause(app),
        Action::Filter => cycle_filter(app),
        Action::Search
        | Action::SearchNext
        | Action::SearchPrev
        | Action::ToggleWrap
        | Action::ToggleTimes
        | Action::ScrollLeft
        | Action::ScrollRight => super::log_keys::perform(app, action),
        Action::SearchAccept | Action::SearchCancel | Action::SearchDelete => {}
        Action::Publish => return publish::start(app),
        Action::Export => return export::open(app),
        Action::Help => open_popup(app, Popup::Help),
        Action::Quit => {
            let cells_busy = !app.scheduler_gone && app.busy();
            if !cells_busy && !app.task_running() {
                return quit_now(app);
            }
            open_popup(app, Popup::Confirm(Confirm::Quit));
        }
        Action::ScrollUp | Action::ScrollDown | Action::ScrollTop | Action::ScrollBottom => {
            scroll(app, action)
        }
        Action::FailurePrev => app.failure_sel = app.failure_sel.saturating_sub(1),
        Action::FailureNext => {
            app.failure_sel = (app.failure_sel + 1).min(app.failures.len().saturating_sub(1))
        }
        Action::JumpToCell => jump_to_failure(app),
        Action::RefreshBuilder => return doctor::refresh(app),
        Action::Yes
        | Action::No
        | Action::CloseHelp
        | Action::InputAccept
        | Action::InputCancel
        | Action::InputDelete => {}
    }
    Vec::new()
}

fn cycle_filter(app: &mut App) {
    app.filter = app.filter.next();
    app.refilter();
    keep_selection_visible(app);
    let shown = app.rows();
    let all = app.full_grid.len();
    let text = match app.filter.label() {
        None => format!("showing all {all} rows"),
        Some(label) => format!("showing {shown} of {all} rows: {label}"),
    };
    app.say(Level::Info, text);
}

fn move_selection(app: &mut App, drow: isize, dcol: isize) {
    let clamp = |v: usize, d: isize, n: usize| v.saturating_add_signed(d).min(n.saturating_sub(1));
    let slot = (
        clamp(app.sel.0, drow, app.rows()),
        clamp(app.sel.1, dcol, app.cols()),
    );
    select_slot(app, slot);
}

pub(super) fn show_pane(app: &mut App, pane: Pane) -> Vec<Effect> {
    app.pane = pane;
    if pane == Pane::Builder && app.doctor.is_none() {
        return doctor::refresh(app);
    }
    Vec::new()
}

/// Hands a command to the scheduler and says so; says why not when it has stopped.
fn send(app: &mut App, command: Command, said: String) -> Vec<Effect> {
    if app.scheduler_gone {
        app.say(Level::Error, "the scheduler has stopped; nothing can run");
        return Vec::new();
    }
    tracing::info!("{said}");
    app.say(Level::Info, said);
    vec![Effect::Send(command)]
}

/// The selected cell, or `None` after saying there is none.
fn selected_cell(app: &mut App) -> Option<usize> {
    let cell = app.selected();
    if cell.is_none() {
        let (r, c) = app.sel;
        let component = app.plan.components.get(r).cloned().unwrap_or_default();
        let platform = app
            .plan
            .platforms
            .get(c)
            .map(|p| p.to_string())
            .unwrap_or_default();
        app.say(
            Level::Info,
            format!("{component} is not built for {platform}"),
        );
    }
    cell
}

fn retry(app: &mut App, no_cache: bool) -> Vec<Effect> {
    let Some(cell) = selected_cell(app) else {
        return Vec::new();
    };
    let id = app.cell_id(cell);
    let cancel_key = app.keymap.label(Action::Cancel, false);
    match app.status_of(cell).clone() {
        CellStatus::NotSelected => {
            app.say(
                Level::Warn,
                format!("{id} is not part of this run (see --only and --platform)"),
            );
            Vec::new()
        }
        CellStatus::Running { .. } => {
            app.say(
                Level::Info,
                format!("{id} is running; {cancel_key} cancels it"),
            );
            Vec::new()
        }
        CellStatus::Queued | CellStatus::Warming if !no_cache => {
            app.say(Level::Info, format!("{id} is already queued"));
            Vec::new()
        }
        status if status.is_green() => {
            open_popup(app, Popup::Confirm(Confirm::Rebuild { cell, no_cache }));
            Vec::new()
        }
        _ if no_cache => send(
            app,
            Command::Rebuild {
                cell,
                no_cache: true,
            },
            format!("rebuilding {id} without the cache"),
        ),
        _ => send(app, Command::Retry(cell), format!("retrying {id}")),
    }
}

fn retry_failed(app: &mut App) -> Vec<Effect> {
    let failed = app.cells.iter().filter(|c| c.status.is_failed()).count();
    if failed == 0 {
        app.say(Level::Info, "no cell has failed");
        return Vec::new();
    }
    let plural = plural(failed);
    send(
        app,
        Command::RetryFailed,
        format!("retrying {failed} failed cell{plural}"),
    )
}

fn cancel(app: &mut App) -> Vec<Effect> {
    let Some(cell) = selected_cell(app) else {
        return Vec::new();
    };
    let id = app.cell_id(cell);
    if !app.status_of(cell).is_active() {
        app.say(
            Level::Info,
            format!("{id} is not running; nothing to cancel"),
        );
        return Vec::new();
    }
    send(app, Command::Cancel(cell), format!("canceling {id}"))
}

fn toggle_pause(app: &mut App) -> Vec<Effect> {
    // Flipped here rather than on the scheduler's echo, so two presses always alternate.
    app.paused = !app.paused;
    if app.paused {
        send(
            app,
            Command::Pause,
            "paused: running cells go on, no new cell starts".into(),
        )
    } else {
        send(app, Command::Resume, "resumed".into())
    }
}

fn scroll(app: &mut App, action: Action) {
    let page = page_height(app);
    match app.pane {
        Pane::Log => scroll_log(app, action, page),
        Pane::Builder => {
            let page = page as u16;
            match action {
                Action::ScrollUp => app.builder_scroll = app.builder_scroll.saturating_sub(page),
                Action::ScrollDown => app.builder_scroll = app.builder_scroll.saturating_add(page),
                Action::ScrollTop => app.builder_scroll = 0,
                _ => {}
            }
        }
        Pane::Console => match action {
            Action::ScrollUp => app.logger.transition(TuiWidgetEvent::PrevPageKey),
            Action::ScrollDown => app.logger.transition(TuiWidgetEvent::NextPageKey),
            Action::ScrollBottom => app.logger.transition(TuiWidgetEvent::EscapeKey),
            _ => {}
        },
        Pane::Failures => {}
    }
}

/// Pages through the selected cell's log; reaching the end follows new lines again.
pub(super) fn scroll_log(app: &mut App, action: Action, step: usize) {
    let Some(cell) = app.selected() else { return };
    let page = page_height(app) as u64;
    let ring = &app.cells[cell].log;
    let first = ring.first();
    let tail_top = ring.end().saturating_sub(page).max(first);
    let current = app.log_top.map_or(tail_top, |t| t.clamp(first, tail_top));
    let step = step as u64;
    app.log_top = match action {
        Action::ScrollUp if tail_top == first => None,
        Action::ScrollUp => Some(current.saturating_sub(step).max(first)),
        Action::ScrollDown if current + step >= tail_top => None,
        Action::ScrollDown => Some(current + step),
        Action::ScrollTop if tail_top == first => None,
        Action::ScrollTop => Some(first),
        _ => None,
    };
}

fn jump_to_failure(app: &mut App) {
    let Some(failure) = app.failures.get(app.failure_sel) else {
        return;
    };
    let cell = failure.cell;
    if app.selected() != Some(cell) && app.select_cell(cell) {
        app.log_top = None;
        if let Some(search) = &mut app.log_view.search {
            search.at = None;
        }
    }
    if app.selected() == Some(cell) {
        app.pane = Pane::Log;
        keep_selection_visible(app);
    }
}
