//! Clicks select cells and panes; the wheel scrolls what is under it.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use tui_logger::TuiWidgetEvent;

use super::actions::{scroll_log, show_pane};
use super::select_slot;
use crate::console::app::{App, Pane, Phase};
use crate::console::keymap::Action;
use crate::console::layout::{self, Areas};
use crate::console::msg::Effect;

const WHEEL_LINES: usize = 3;

pub fn on_mouse(app: &mut App, ev: MouseEvent) -> Vec<Effect> {
    if app.phase != Phase::Running || app.popup.is_some() {
        return Vec::new();
    }
    let areas = layout::areas(app, layout::screen(app));
    let (x, y) = (ev.column, ev.row);
    match ev.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(slot) = layout::grid_slot_at(app, &areas.grid_geo, x, y) {
                select_slot(app, slot);
            } else if let Some(pane) = layout::tab_at(app, &areas, x, y) {
                return show_pane(app, pane);
            }
        }
        MouseEventKind::ScrollUp => wheel(app, &areas, x, y, Action::ScrollUp),
        MouseEventKind::ScrollDown => wheel(app, &areas, x, y, Action::ScrollDown),
        _ => {}
    }
    Vec::new()
}

fn wheel(app: &mut App, areas: &Areas, x: u16, y: u16, action: Action) {
    let body = layout::pane_body(areas);
    let over_pane = body.contains(ratatui::layout::Position::new(x, y));
    if !over_pane {
        return;
    }
    match app.pane {
        Pane::Log => scroll_log(app, action, WHEEL_LINES),
        Pane::Builder => {
            app.builder_scroll = if action == Action::ScrollUp {
                app.builder_scroll.saturating_sub(WHEEL_LINES as u16)
            } else {
                app.builder_scroll.saturating_add(WHEEL_LINES as u16)
            }
        }
        Pane::Console => app.logger.transition(if action == Action::ScrollUp {
            TuiWidgetEvent::PrevPageKey
        } else {
            TuiWidgetEvent::NextPageKey
        }),
        Pane::Failures => {
            app.failure_sel = if action == Action::ScrollUp {
                app.failure_sel.saturating_sub(1)
            } else {
                (app.failure_sel + 1).min(app.failures.len().saturating_sub(1))
            }
        }
    }
}
