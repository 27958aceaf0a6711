//! Once a tick: what each running cell has left and when the grid will be done, from the
//! history of green attempts. Estimates move with every tick, so one that turns out wrong is
//! revised in front of the person watching rather than frozen.

use crate::build::eta::{self, Estimate, Pending, Progress, StepTime};
use crate::console::app::App;
use crate::model::CellStatus;

pub fn refresh(app: &mut App) {
    let Some(history) = app.history.clone() else {
        return;
    };
    let now = app.now;
    let plan = app.plan.clone();
    let pending: Vec<Pending> = history.read(|h| {
        app.cells
            .iter_mut()
            .enumerate()
            .map(|(i, view)| match &view.status {
                CellStatus::Running { .. } => {
                    let done: Vec<StepTime> = view.attempt_steps.ended().cloned().collect();
                    let progress = Progress {
                        done: &done,
                        current: view.steps.current.as_deref(),
                        in_current: view
                            .step_since
                            .map_or_else(Default::default, |s| now.saturating_sub(s)),
                        elapsed: view
                            .started
                            .map_or_else(Default::default, |s| now.saturating_sub(s)),
                    };
                    let estimate = eta::estimate(h, &plan, i, &progress);
                    let left = match &estimate {
                        Estimate::Left { remaining, .. } => Some(*remaining),
                        Estimate::Unknown => None,
                    };
                    view.estimate = Some(estimate);
                    Pending::Running(left)
                }
                CellStatus::Queued | CellStatus::Warming | CellStatus::Retrying { .. } => {
                    view.estimate = None;
                    Pending::Queued(eta::expected(h, &plan, i).map(|(d, _)| d))
                }
                _ => {
                    view.estimate = None;
                    Pending::Nothing
                }
            })
            .collect()
    });
    let busy = pending.iter().any(|p| !matches!(p, Pending::Nothing));
    app.finish =
        busy.then(|| eta::grid_finish(&plan, &pending, app.concurrency, &app.platform_limits));
}
