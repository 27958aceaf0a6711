//! The order ready cells start in: the longest expected path to the end of the grid first.
//!
//! A cell's expected time is its history's ([`eta::expected`]): its own green attempts, or the
//! same component on another platform scaled by that platform's factor. A cell no attempt of
//! which was ever timed is weighed by its Dockerfile's step count, in seconds per step as the
//! timed cells went, and by how much slower emulation has been. Ties go to emulated cells,
//! whose work is the longest to overlap.

use std::cmp::Ordering;

use crate::build::eta;
use crate::build::history::HistoryFile;
use crate::plan::Plan;

/// How much slower an emulated platform is taken to be before any history says: arm64 under
/// QEMU on x86-64 ran CPU-bound steps about ten times slower in the lab.
pub const EMULATION_FACTOR: f64 = 10.0;

/// Each cell's expected time in seconds and the longest expected path from its start to the
/// end of the grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Priorities {
    pub expected: Vec<f64>,
    pub path: Vec<f64>,
}

impl Priorities {
    pub fn new(plan: &Plan, history: Option<&HistoryFile>) -> Priorities {
        let expected = expected_times(plan, history);
        let mut path = expected.clone();
        // Cells are in dependency order: every dependent comes after what it depends on.
        for i in (0..plan.cells.len()).rev() {
            for &d in &plan.cells[i].deps {
                path[d] = path[d].max(expected[d] + path[i]);
            }
        }
        Priorities { expected, path }
    }

    /// Every cell, in the order ready ones should start.
    pub fn order(&self, plan: &Plan) -> Vec<usize> {
        let mut order: Vec<usize> = (0..plan.cells.len()).collect();
        order.sort_by(|&a, &b| {
            self.path[b]
                .partial_cmp(&self.path[a])
                .unwrap_or(Ordering::Equal)
                .then(plan.cells[b].emulated.cmp(&plan.cells[a].emulated))
                .then(plan.cells[b].chain.cmp(&plan.cells[a].chain))
                .then(a.cmp(&b))
        });
        order
    }
}

fn expected_times(plan: &Plan, history: Option<&HistoryFile>) -> Vec<f64> {
    let timed: Vec<Option<f64>> = (0..plan.cells.len())
        .map(|i| {
            history
                .and_then(|h| eta::expected(h, plan, i))
                .map(|(d, _)| d.as_secs_f64())
        })
        .collect();
    // Seconds per step, as the timed cells of native platforms went; a cell that came from
    // emulation would count its slowness twice.
    let mut per_step: Vec<f64> = plan
        .cells
        .iter()
        .zip(&timed)
        .filter(|(c, _)| !c.emulated)
        .filter_map(|(c, t)| t.map(|t| t / c.steps.max(1) as f64))
        .collect();
    per_step.sort_by(f64::total_cmp);
    let per_step = per_step.get(per_step.len() / 2).copied().unwrap_or(1.0);
    plan.cells
        .iter()
        .zip(timed)
        .map(|(cell, timed)| {
            timed.unwrap_or_else(|| {
                let slowdown = if cell.emulated { EMULATION_FACTOR } else { 1.0 };
                cell.steps.max(1) as f64 * per_step * slowdown
            })
        })
        .collect()
}
