//! The log pane's own keys: `/` and its hits, wrapping, sideways scrolling, timestamps.

use crossterm::event::{KeyCode, KeyModifiers};

use super::page_height;
use crate::console::app::{App, Level};
use crate::console::keymap::{Action, Key};
use crate::console::log_view::{Search, SIDEWAYS_STEP};

/// Lines shown above a hit, so it is read in its context.
const ABOVE_HIT: u64 = 3;

pub fn perform(app: &mut App, action: Action) {
    let view = &mut app.log_view;
    match action {
        Action::Search => view.typing = Some(String::new()),
        Action::SearchNext => go(app, true),
        Action::SearchPrev => go(app, false),
        Action::ToggleWrap => {
            view.wrap = !view.wrap;
            view.sideways = 0;
            let text = if view.wrap {
                "long lines wrap".to_string()
            } else {
                format!(
                    "long lines are cut; {}/{} scroll sideways",
                    app.keymap.label(Action::ScrollLeft, false),
                    app.keymap.label(Action::ScrollRight, false)
                )
            };
            app.say(Level::Info, text);
        }
        Action::ToggleTimes => view.times = !view.times,
        Action::ScrollLeft => view.sideways = view.sideways.saturating_sub(SIDEWAYS_STEP),
        Action::ScrollRight => view.sideways += SIDEWAYS_STEP,
        _ => {}
    }
}

/// A key while a search is typed: the Search context's actions, or a character.
pub fn on_typing_key(app: &mut App, key: Key, action: Option<Action>) {
    let Some(typing) = app.log_view.typing.as_mut() else {
        return;
    };
    match action {
        Some(Action::SearchAccept) => {
            let query = app.log_view.typing.take().unwrap_or_default();
            if query.is_empty() {
                app.log_view.search = None;
                return;
            }
            app.log_view.search = Some(Search { query, at: None });
            // Following, the newest hit is wanted; scrolled back, the next one below the top.
            go(app, app.log_top.is_some());
        }
        Some(Action::SearchCancel) => app.log_view.typing = None,
        Some(Action::SearchDelete) => {
            typing.pop();
        }
        _ => {
            if let KeyCode::Char(c) = key.code {
                if !key
                    .mods
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                {
                    typing.push(c);
                }
            }
        }
    }
}

/// Moves to the next hit toward newer lines (`forward`) or older ones, wrapping around.
fn go(app: &mut App, forward: bool) {
    let Some(cell) = app.selected() else { return };
    let Some(search) = app.log_view.search.clone() else {
        let key = app.keymap.label(Action::Search, false);
        app.say(Level::Info, format!("no search yet; {key} starts one"));
        return;
    };
    let ring = &app.cells[cell].log;
    let hits = ring.find(|text| search.matches(text));
    if hits.is_empty() {
        let text = format!(
            "no line of {} matches {:?}",
            app.cell_id(cell),
            search.query
        );
        app.log_view.search = Some(Search { at: None, ..search });
        app.say(Level::Warn, text);
        return;
    }
    // Without a current hit, start from the edge of what is shown.
    let from = search.at.unwrap_or_else(|| match app.log_top {
        Some(top) if forward => top.saturating_sub(1),
        Some(top) => top,
        None => ring.end(),
    });
    let (next, wrapped) = if forward {
        match hits.iter().find(|&&h| h > from) {
            Some(&h) => (h, false),
            None => (hits[0], search.at.is_some()),
        }
    } else {
        match hits.iter().rev().find(|&&h| h < from) {
            Some(&h) => (h, false),
            None => (hits[hits.len() - 1], search.at.is_some()),
        }
    };
    let index = hits.iter().position(|&h| h == next).unwrap_or(0) + 1;
    let page = page_height(app) as u64;
    let tail_top = ring.end().saturating_sub(page).max(ring.first());
    let top = next.saturating_sub(ABOVE_HIT).max(ring.first());
    app.log_top = (top < tail_top).then_some(top);
    app.log_view.search = Some(Search {
        at: Some(next),
        ..search
    });
    let around = if wrapped {
        if forward {
            ", from the oldest line again"
        } else {
            ", from the newest line again"
        }
    } else {
        ""
    };
    app.say(
        Level::Info,
        format!("match {index} of {}{around}", hits.len()),
    );
}
