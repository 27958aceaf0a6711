//! When the grid will be done: the cells still to run, laid out the way the scheduler starts
//! them.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::model::Platform;
use crate::plan::Plan;

/// What is left of one cell, by the caller's reckoning (`None`: no estimate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pending {
    /// Nothing more will run: done, failed, blocked, canceled or not selected.
    Nothing,
    /// Running, with its [`super::estimate`].
    Running(Option<Duration>),
    /// Still to start (queued, or retrying after its backoff), with its [`super::expected`].
    Queued(Option<Duration>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finish {
    /// From now until the last cell ends.
    pub left: Duration,
    /// Cells without an estimate, counted as taking no time.
    pub unknown: usize,
    /// The cell that ends last, at the end of the slow path.
    pub last: Option<usize>,
}

/// Lays out the cells still to run as the scheduler would start them: in plan order, each
/// once its dependencies ended, within `concurrency` and the per-platform limits (see
/// [`crate::build::scheduler::Settings`]). `cells` is by cell index; a retry's backoff is not
/// counted.
pub fn grid_finish(
    plan: &Plan,
    cells: &[Pending],
    concurrency: usize,
    platform_limits: &BTreeMap<Platform, usize>,
) -> Finish {
    let pending = |i: usize| cells.get(i).copied().unwrap_or(Pending::Nothing);
    let mut unknown = 0;
    let mut length = |d: Option<Duration>| {
        unknown += usize::from(d.is_none());
        d.unwrap_or_default()
    };
    // Cells running in the layout, with when they end.
    let mut running: Vec<(usize, Duration)> = Vec::new();
    let mut waiting: Vec<(usize, Duration)> = Vec::new();
    for i in 0..plan.cells.len() {
        match pending(i) {
            Pending::Nothing => {}
            Pending::Running(left) => running.push((i, length(left))),
            Pending::Queued(expected) => waiting.push((i, length(expected))),
        }
    }
    let position = |i: usize| {
        plan.order
            .iter()
            .position(|&o| o == i)
            .unwrap_or(usize::MAX)
    };
    waiting.sort_by_key(|&(i, _)| position(i));
    // Cells not yet ended; what is not in here, a dependency does not wait for.
    let mut open: Vec<bool> = (0..plan.cells.len())
        .map(|i| pending(i) != Pending::Nothing)
        .collect();
    let (mut now, mut last) = (Duration::ZERO, None);
    loop {
        let mut k = 0;
        while k < waiting.len() && running.len() < concurrency.max(1) {
            let (i, length) = waiting[k];
            let cell = &plan.cells[i];
            let ready = cell
                .deps
                .iter()
                .all(|&d| !open.get(d).copied().unwrap_or(false));
            let room = platform_limits.get(&cell.platform).is_none_or(|&limit| {
                let on = running
                    .iter()
                    .filter(|(r, _)| plan.cells[*r].platform == cell.platform)
                    .count();
                on < limit.max(1)
            });
            if ready && room {
                running.push((i, now + length));
                waiting.remove(k);
            } else {
                k += 1;
            }
        }
        let Some(&(_, next)) = running.iter().min_by_key(|(_, end)| *end) else {
            break;
        };
        now = next;
        running.retain(|&(i, end)| {
            if end > now {
                return true;
            }
            open[i] = false;
            last = Some(i);
            false
        });
    }
    Finish {
        left: now,
        // A cell that could never start in the layout has no estimate either.
        unknown: unknown + waiting.len(),
        last,
    }
}
