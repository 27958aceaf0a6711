//! `--report-json`: the run as data. README.md ("CI reports") publishes its JSON Schema; a test
//! checks real reports against it, so a change here that breaks a reader fails there first.

use serde::{Deserialize, Serialize};

use super::{rfc3339, RunReport};
use crate::build::state::AttemptRecord;
use crate::model::sanitize::sanitize_line;
use crate::model::{CellStatus, FailureClass, InfraCause, Outcome};

/// Bumped when a field changes meaning or goes away; new optional fields keep it.
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub project: String,
    pub tag: String,
    /// When the run started, RFC 3339 in UTC.
    pub started: String,
    pub duration_ms: u64,
    pub exit_code: i32,
    /// Every cell of the plan, in the plan's order, selected or not.
    pub cells: Vec<Cell>,
}

/// How a cell ended, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Outside `--only` and `--platform`.
    NotSelected,
    /// Green for the same inputs in an earlier run; not built.
    UpToDate,
    Green,
    Failed,
    /// A dependency did not build; never started.
    Blocked,
    /// Refused before the run, e.g. by a builder that cannot take its platform.
    Refused,
    Canceled,
    /// Still waiting or building when the run was stopped.
    Queued,
    Running,
    Retrying,
}

impl Status {
    pub fn of(status: &CellStatus) -> Status {
        match status {
            CellStatus::NotSelected => Status::NotSelected,
            // Its real build has not started: a cache-only build runs ahead of it.
            CellStatus::Queued | CellStatus::Warming => Status::Queued,
            CellStatus::Blocked { .. } => Status::Blocked,
            CellStatus::Running { .. } => Status::Running,
            CellStatus::Retrying { .. } => Status::Retrying,
            CellStatus::Green { .. } => Status::Green,
            CellStatus::UpToDate { .. } => Status::UpToDate,
            CellStatus::Failed { .. } => Status::Failed,
            CellStatus::Refused { .. } => Status::Refused,
            CellStatus::Canceled => Status::Canceled,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// `component@platform`, as `--only` and state.json name it.
    pub id: String,
    pub component: String,
    pub platform: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    /// Green with every step from the cache.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<bool>,
    /// Time spent building in this run, over all its attempts; absent when it made none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The cell's log file, absolute; present when the cell ran in this run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// The id of the dependency that did not build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// Why it failed or was refused, one line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// This run's attempts, oldest first.
    pub attempts: Vec<Attempt>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub attempt: u32,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<InfraCause>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub duration_ms: u64,
    pub started: String,
    /// Another attempt followed this failure.
    pub retried: bool,
    /// An outage of the engine or registry ended it; it did not count against the retries.
    pub given_back: bool,
}

pub fn build(run: &RunReport) -> Report {
    let plan = run.plan;
    let cells = plan
        .cells
        .iter()
        .map(|c| {
            let status = run
                .statuses
                .get(c.index)
                .cloned()
                .unwrap_or(CellStatus::NotSelected);
            let attempts: &[AttemptRecord] = run.attempts.get(c.index).map_or(&[], Vec::as_slice);
            let (class, reason) = match &status {
                CellStatus::Failed { class, reason, .. } => {
                    (Some(*class), Some(sanitize_line(reason)))
                }
                CellStatus::Refused { reason } => (None, Some(sanitize_line(reason))),
                _ => (None, None),
            };
            Cell {
                id: c.id(),
                component: c.component.clone(),
                platform: c.platform.to_string(),
                status: Status::of(&status),
                digest: status.digest().map(str::to_string),
                cached: match status {
                    CellStatus::Green { cached, .. } => Some(cached),
                    _ => None,
                },
                duration_ms: run.build_time(c.index).map(|d| d.as_millis() as u64),
                log: (!attempts.is_empty()).then(|| c.log_file.display().to_string()),
                blocked_by: match status {
                    CellStatus::Blocked { by } => plan.cells.get(by).map(|d| d.id()),
                    _ => None,
                },
                class,
                reason,
                attempts: attempts.iter().map(attempt).collect(),
            }
        })
        .collect();
    Report {
        version: VERSION,
        project: plan.project.clone(),
        tag: plan.tag.clone(),
        started: rfc3339(run.started),
        duration_ms: run.duration.as_millis() as u64,
        exit_code: run.exit_code,
        cells,
    }
}

fn attempt(a: &AttemptRecord) -> Attempt {
    Attempt {
        attempt: a.attempt,
        outcome: a.outcome,
        class: a.class,
        cause: a.cause,
        reason: a.reason.as_deref().map(sanitize_line),
        duration_ms: a.duration.as_millis() as u64,
        started: rfc3339(a.started),
        retried: a.retried,
        given_back: a.given_back,
    }
}

/// The report as the file holds it: pretty-printed, with a final newline.
pub fn render(run: &RunReport) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&build(run)).expect("plain data serializes");
    bytes.push(b'\n');
    bytes
}
