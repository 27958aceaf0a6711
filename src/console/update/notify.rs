//! When the console asks for attention: a person watching another window learns that a cell
//! failed or that the grid came to rest, once per thing that happened, not once per attempt.

use crate::config::Notify;
use crate::console::app::App;
use crate::console::msg::{Effect, Notice};
use crate::model::CellStatus;

/// A cell just took `status`. A failure is news once per cause: the same cell failing again
/// the same way (a retry that met the same error) stays quiet until it has been green.
pub fn on_status(app: &mut App, cell: usize, status: &CellStatus) -> Option<Effect> {
    match status {
        CellStatus::Green { .. } | CellStatus::UpToDate { .. } => {
            app.notified.remove(&cell);
            None
        }
        CellStatus::Failed { reason, .. } | CellStatus::Refused { reason } => {
            if app.notify == Notify::Off || app.notified.get(&cell) == Some(reason) {
                return None;
            }
            app.notified.insert(cell, reason.clone());
            Some(Effect::Notify(Notice {
                title: format!("archgrid: {} failed", app.cell_id(cell)),
                body: reason.clone(),
            }))
        }
        _ => None,
    }
}

/// The grid came to rest with `green` of `total` cells green and `failed` failed.
pub fn on_settled(app: &App, green: usize, total: usize, failed: usize) -> Option<Effect> {
    let project = &app.plan.project;
    let all_green = green == total;
    let wanted = match app.notify {
        Notify::Off => false,
        Notify::Failures => !all_green,
        Notify::All => true,
    };
    wanted.then(|| {
        let body = if all_green {
            format!("all {total} cells are green")
        } else {
            format!("{green}/{total} green, {failed} failed")
        };
        Effect::Notify(Notice {
            title: format!("archgrid: {project} at rest"),
            body,
        })
    })
}
