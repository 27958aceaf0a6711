//! What both front ends do before the scheduler starts: plan the matrix, decide which cells are
//! already up to date, refuse the columns whose routed builder cannot take them, and derive the
//! scheduler's settings.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use super::context::{Cancelled, HashStats, Watch};
use super::history::History;
use super::load::Gauge;
use super::scheduler::{Limit, Settings};
use super::state::{input_keys, StateStore};
use crate::config::{Concurrency, Matrix};
use crate::docker::routes::{self, RouteBlock};
use crate::model::redact::Redactor;
use crate::model::CellStatus;
use crate::plan::{Facts, Plan};

/// Which cells a run builds, and whether green ones are built again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `COMPONENT[@PLATFORM]` filters; empty means every cell.
    pub only: Vec<String>,
    /// `--platform` entries as typed (`linux/arm64`, `arm64`, `armv7`, comma lists); empty means
    /// every platform. [`Plan::choose_platforms`] resolves them.
    pub platforms: Vec<String>,
    /// Rebuild cells that are green for the same inputs.
    pub force: bool,
    /// Build without BuildKit's cache (implies `force`).
    pub no_cache: bool,
}

pub struct Prepared {
    pub matrix: Matrix,
    /// Masks the values of the secrets the selected cells use, in everything builds print.
    pub redactor: Arc<Redactor>,
    pub plan: Arc<Plan>,
    pub initial: Vec<CellStatus>,
    pub state: StateStore,
    /// Green attempts' times: the scheduler records, the front ends estimate from it.
    pub history: Arc<History>,
    pub settings: Settings,
    /// What the front end shows before the first cell starts: dependencies added from the
    /// Dockerfiles, base images that cannot be had, ignore files buildx will refuse.
    pub notes: Vec<String>,
    /// How many context files were looked at, and how many read, to decide what is up to date.
    pub hashed: HashStats,
}

/// Why a run cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrepareError {
    /// The matrix or the selection is not usable; the text says what to change.
    Invalid(String),
    /// The user stopped it while the contexts were hashed.
    Cancelled,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Invalid(text) => f.write_str(text),
            PrepareError::Cancelled => Cancelled.fmt(f),
        }
    }
}

impl std::error::Error for PrepareError {}

impl From<String> for PrepareError {
    fn from(text: String) -> PrepareError {
        PrepareError::Invalid(text)
    }
}

impl From<Cancelled> for PrepareError {
    fn from(_: Cancelled) -> PrepareError {
        PrepareError::Cancelled
    }
}

/// `only` and `platforms` narrow the run to those cells and their dependencies; `force`
/// rebuilds green cells.
pub fn prepare(
    matrix: Matrix,
    facts: &Facts,
    select: &Selection,
) -> Result<Prepared, PrepareError> {
    prepare_watched(matrix, facts, select, &Watch::default())
}

/// [`prepare`], telling `watch` how the hashing of the build contexts goes; a front end runs it
/// off its own loop and may cancel it.
pub fn prepare_watched(
    matrix: Matrix,
    facts: &Facts,
    select: &Selection,
    watch: &Watch,
) -> Result<Prepared, PrepareError> {
    let (only, force) = (&select.only, select.force || select.no_cache);
    let plan = Plan::new(&matrix, facts);
    let errors = plan.dependency_errors();
    if !errors.is_empty() {
        return Err(PrepareError::Invalid(errors.join("\n")));
    }
    let selected = plan.select(only, &select.platforms)?;
    let inputs = input_keys(&plan, watch)?;
    let keys = inputs.keys;
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
                Some(up_to_date) if deps_skipped => up_to_date,
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
    let routed = matrix
        .platform_routes
        .iter()
        .filter(|(_, r)| r.builder.is_some())
        .map(|(p, _)| p.clone())
        .collect();
    let settings = Settings {
        concurrency: match matrix.project.concurrency {
            Concurrency::Auto => Limit::auto(Gauge::this_machine()),
            Concurrency::Fixed(n) => Limit::Fixed(n),
        },
        platform_limits,
        routed,
        retry: matrix.retry.clone(),
        no_cache: select.no_cache,
    };
    let redactor = Arc::new(secret_values(&matrix)?);
    let mut notes = plan.dependency_notes();
    notes.extend(inputs.notes);
    let history = Arc::new(History::load(&plan.state_dir));
    Ok(Prepared {
        notes,
        hashed: inputs.stats,
        redactor,
        plan: Arc::new(plan),
        initial,
        state,
        history,
        settings,
        matrix,
    })
}

impl Prepared {
    /// Checks the routed builders and refuses the queued cells of every blocked column.
    /// Returns the blocked columns, to be shown once each.
    pub async fn refuse_blocked_columns(&mut self) -> Vec<RouteBlock> {
        let blocked = routes::check(&self.matrix).await;
        routes::refuse(&self.plan, &mut self.initial, &blocked);
        blocked
    }

    /// Adds a line for each image the selected cells read that neither the engine nor its
    /// registry has.
    pub async fn check_base_images(&mut self) {
        let queued: BTreeSet<usize> = (0..self.plan.cells.len())
            .filter(|&i| self.initial[i] == CellStatus::Queued)
            .collect();
        let problems = crate::docker::base_images::check(&self.plan, &queued).await;
        self.notes
            .extend(problems.iter().map(|problem| problem.to_string()));
    }
}

/// The values of every secret a component uses, read now so that build output can be masked.
/// Loading the matrix checked they are there; one gone since is an error before anything runs.
fn secret_values(matrix: &Matrix) -> Result<Redactor, String> {
    let mut values = Vec::new();
    for id in matrix.components.iter().flat_map(|c| &c.secrets) {
        let Some(source) = matrix.secrets.get(id) else {
            continue;
        };
        let value = source.read().map_err(|e| format!("secret {id:?}: {e}"))?;
        values.push(value);
    }
    Ok(Redactor::new(values))
}
