//! `update` on message sequences: keys in each state, scheduler events, no terminal.

mod builder_pane;
mod cell_commands;
mod events;
mod exporting;
mod filtering;
mod navigation;
mod notifying;
mod publishing;
mod quitting;

use crate::console::app::App;

fn status_text(app: &App) -> String {
    app.status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}
