//! What both front ends do before the scheduler starts: plan the matrix, decide which cells are
//! already up to date, and derive the scheduler's settings.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::cli::Select;
use crate::config::Matrix;
use crate::plan::Plan;
use crate::scheduler::{CellStatus, Settings};
use crate::state::{input_keys, StateStore};

pub struct Prepared {
    pub matrix: Matrix,
    pub plan: Arc<Plan>,
    pub initial: Vec<CellStatus>,
    pub state: StateStore,
    pub settings: Settings,
}

/// `only` narrows the run to those cells and their dependencies; `force` rebuilds green cells.
pub fn prepare(matrix: Matrix, select: &Select) -> Result<Prepared, String> {
    let (only, force) = (&select.only, select.force || select.no_cache);
    let plan = Plan::new(&matrix);
    let selected = plan.select(only)?;
    let keys = input_keys(&plan);
    let mut state = StateStore::load(&plan.state_dir);
    state.set_keys(&plan, &keys);
    let mut initial: Vec<CellStatus> = Vec::with_capacity(plan.cells.len());
    for cell in &plan.cells {
        let status = if !selected.contains(&cell.index) {
            CellStatus::NotSelected
        } else if force {
            CellStatus::Queued
        } else {
            // A cell is skipped only when its own inputs match and every dependency is skipped
            // too; a dependency that rebuilds may produce a different image underneath.
            let deps_skipped = cell
                .deps
                .iter()
                .all(|&d| matches!(initial[d], CellStatus::UpToDate { .. }));
            match state.up_to_date(cell, &keys[cell.index]) {
                Some(rec) if deps_skipped => CellStatus::UpToDate {
                    digest: rec.digest.clone(),
                },
                _ => CellStatus::Queued,
            }
        };
        initial.push(status);
    }
    let platform_limits: BTreeMap<_, _> = matrix
        .platform_routes
        .iter()
        .filter_map(|(p, r)| r.concurrency.map(|c| (p.clone(), c)))
        .collect();
    let settings = Settings {
        concurrency: matrix.project.concurrency,
        platform_limits,
        retry: matrix.retry.clone(),
        no_cache: select.no_cache,
    };
    Ok(Prepared {
        plan: Arc::new(plan),
        initial,
        state,
        settings,
        matrix,
    })
}
