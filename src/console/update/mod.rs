//! `update(&mut App, Msg) -> Vec<Effect>`: every change to the console's state happens here,
//! without a terminal, so message sequences can be tested directly.

mod actions;
mod doctor;
mod estimates;
mod export;
mod log_keys;
mod mouse;
mod notify;
mod publish;
mod scheduler_events;

use super::app::{App, EngineState, Level, Phase, Popup};
use super::clean::clean;
use super::layout;
use super::msg::{Effect, Msg};
use crate::build::scheduler::Command;
use crate::model::CellStatus;

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let effects = dispatch(app, msg);
    app.note_busy();
    effects
}

fn dispatch(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => actions::on_key(app, key),
        Msg::Mouse(mouse) => mouse::on_mouse(app, mouse),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            keep_selection_visible(app);
            Vec::new()
        }
        Msg::Scheduler(event) => scheduler_events::on_event(app, event),
        Msg::SchedulerClosed => on_scheduler_closed(app),
        Msg::Engine(result) => {
            on_engine(app, result);
            Vec::new()
        }
        Msg::Doctor(report) => {
            doctor::on_report(app, report);
            // Asked again while it ran (an engine came back): its answer may be stale already.
            if std::mem::take(&mut app.doctor_again) {
                doctor::refresh(app)
            } else {
                Vec::new()
            }
        }
        Msg::Publish(progress) => {
            publish::on_progress(app, progress);
            Vec::new()
        }
        Msg::PublishEnded(error) => {
            publish::ended(app, error);
            Vec::new()
        }
        Msg::Export(progress) => {
            export::on_progress(app, progress);
            Vec::new()
        }
        Msg::ExportEnded(result) => {
            export::ended(app, result);
            Vec::new()
        }
        Msg::Tick => {
            estimates::refresh(app);
            Vec::new()
        }
        Msg::Terminate => {
            app.interrupted = true;
            match app.phase {
                Phase::Running => cancel_everything(app),
                Phase::Canceling | Phase::Done => Vec::new(),
            }
        }
    }
}

/// Cancels every cell and waits for the scheduler to settle before quitting, so no buildx
/// child outlives the console.
fn cancel_everything(app: &mut App) -> Vec<Effect> {
    app.popup = None;
    let waiting = app
        .cells
        .iter()
        .any(|c| c.status.is_active() || matches!(c.status, CellStatus::Queued));
    if !waiting || app.scheduler_gone {
        return quit_now(app);
    }
    app.phase = Phase::Canceling;
    app.say(Level::Warn, "canceling… waiting for running builds to stop");
    vec![Effect::Send(Command::CancelAll)]
}

fn quit_now(app: &mut App) -> Vec<Effect> {
    app.popup = None;
    app.phase = Phase::Done;
    vec![Effect::Quit]
}

fn on_scheduler_closed(app: &mut App) -> Vec<Effect> {
    app.scheduler_gone = true;
    match app.phase {
        Phase::Canceling => quit_now(app),
        Phase::Done => Vec::new(),
        Phase::Running => {
            tracing::error!("the scheduler stopped unexpectedly");
            app.say(
                Level::Error,
                "the scheduler stopped; nothing more will run (q quits)",
            );
            Vec::new()
        }
    }
}

fn on_engine(app: &mut App, result: Result<crate::docker::engine::EngineInfo, String>) {
    let next = match result {
        Ok(info) => EngineState::Up {
            version: clean(&info.version),
        },
        Err(e) => EngineState::Down { error: clean(&e) },
    };
    match (&app.engine, &next) {
        (EngineState::Up { .. }, EngineState::Down { error }) => {
            tracing::warn!("Docker engine unreachable: {error}")
        }
        (EngineState::Down { .. }, EngineState::Up { .. }) => {
            tracing::info!("Docker engine reachable again")
        }
        (EngineState::Checking, EngineState::Up { version }) => {
            tracing::info!("Docker engine {version}")
        }
        (EngineState::Checking, EngineState::Down { error }) => tracing::warn!("{error}"),
        _ => {}
    }
    app.engine = next;
}

/// After the selection moved or the screen changed size.
fn keep_selection_visible(app: &mut App) {
    let areas = layout::areas(app, layout::screen(app));
    app.scroll = layout::scroll_to_selection(app, &areas.grid_geo);
}

/// Lines of the lower pane's content area at the current size.
fn page_height(app: &App) -> usize {
    let areas = layout::areas(app, layout::screen(app));
    (layout::pane_body(&areas).height as usize).max(1)
}

fn select_slot(app: &mut App, slot: (usize, usize)) {
    if app.sel != slot {
        app.sel = slot;
        app.log_top = None;
        if let Some(search) = &mut app.log_view.search {
            search.at = None;
        }
        // A row kept only because it was selected goes once the selection leaves it.
        app.refilter();
    }
    keep_selection_visible(app);
}

fn open_popup(app: &mut App, popup: Popup) {
    app.help_scroll = 0;
    app.popup = Some(popup);
}

#[cfg(test)]
mod tests;
