//! Publishing the grid: one multi-arch manifest list per component, checking what the registry
//! serves, and per-arch tarballs for sites without a registry. No terminal code; both front ends
//! call the same functions.
//!
//! # API
//!
//! Every step starts from the plan and each cell's current status (`Prepared::initial` in the
//! headless commands, the live statuses in the console). A cell counts when it is green
//! (`Green` or `UpToDate`) with a digest.
//!
//! Publish ([`create`]):
//! - [`create::plan_publish`]`(plan, statuses, extra_tags, &PublishOptions)` is synchronous and
//!   returns the lists to create (`ListPlan`: component, target references, source digests,
//!   missing platforms) or a [`create::Refusal`] naming the cells that are not green. Nothing
//!   has run yet: this is what a confirm popup shows.
//! - [`create::publish`]`(&lists, &retry_policy, &mut progress).await` creates each list with
//!   `docker buildx imagetools create`, skips lists the registry already serves with exactly
//!   these digests, verifies every target afterwards and returns one [`create::Published`] per
//!   component. `progress` receives a [`create::PublishProgress`] at each step.
//!
//! Verify ([`verify`]):
//! - [`verify::expected_lists`]`(plan, statuses, registry, extra_tags, component)` says what
//!   each list must hold; [`verify::verify`]`(&expected, &retry_policy, &mut progress).await`
//!   fetches each list with `imagetools inspect --raw` and returns a [`verify::ListReport`] per
//!   list, with every [`verify::Difference`] found. [`verify::compare`] is the pure comparison.
//!
//! Both retry a registry command whose failure [`crate::build::runner::classify`] calls
//! transient, with `[retry]`'s attempts and backoff, and wait up to `engine_wait` for a registry
//! that refuses connections ([`retry`]). Each retry is reported as progress (`Retry`) and listed
//! in the result (`retries`).
//!
//! Export ([`export`]):
//! - [`export::plan_export`]`(plan, statuses, &ExportOptions)` lists the files to write and the
//!   cells that will be missing; [`export::export`]`(&export_plan, &mut progress).await` writes
//!   `DIR/{arch}/{component}_{tag}.tar` per green cell plus `DIR/index.json`, reporting an
//!   [`export::ExportProgress`] per file, and returns an [`export::ExportReport`].
//!
//! `progress` is any `FnMut(Event) + Send`; the console passes a closure that forwards into its
//! message channel. The futures are `Send`, so they can run on a spawned task. Every docker
//! child is an argument vector; publish and verify talk only to the registry (through
//! `imagetools`), export also needs the engine.
//!
//! Routing lives in [`crate::docker::routes`]: `Prepared::refuse_blocked_columns` before the
//! scheduler starts marks the queued cells of a column whose builder is unreachable or does
//! not list the platform as [`CellStatus::Refused`] with the reason.

pub mod create;
pub mod export;
pub mod retry;
pub mod verify;

mod manifest;
mod tarball;

use std::fmt;

use serde::Serialize;

use crate::model::{CellStatus, Platform, RecordedStatus};
use crate::plan::{Cell, Plan};

/// A green cell's image as the registry (or, without one, the engine) holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellImage {
    /// Index into `plan.cells`.
    pub cell: usize,
    pub component: String,
    pub platform: Platform,
    pub digest: String,
    /// The per-arch tag the build gave it: `{registry}/{component}:{tag}-{arch}`.
    pub image: String,
}

impl CellImage {
    pub fn id(&self) -> String {
        format!("{}@{}", self.component, self.platform)
    }

    /// `{repository}@{digest}`: what publish and export read, so a per-arch tag moved since
    /// the build cannot change what they use.
    pub fn pinned(&self) -> String {
        format!("{}@{}", repository(&self.image), self.digest)
    }
}

/// A cell with no image for the current inputs, and why, in a word or two.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotGreen {
    pub cell: usize,
    pub id: String,
    pub why: WhyNotGreen,
}

/// Why a cell has no image to publish or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub enum WhyNotGreen {
    NotSelected,
    /// Queued before a run: its inputs changed or it never built. State.json can tell which.
    NotBuiltForTheseInputs,
    NeverBuilt,
    InputsChanged,
    /// How it last ended in an earlier run, from state.json.
    LastEnded(RecordedStatus),
    Blocked,
    Running,
    Retrying,
    NoDigest,
    Failed,
    Canceled,
}

impl fmt::Display for WhyNotGreen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WhyNotGreen::NotSelected => f.write_str("not selected"),
            WhyNotGreen::NotBuiltForTheseInputs => f.write_str("not built for the current inputs"),
            WhyNotGreen::NeverBuilt => f.write_str("never built"),
            WhyNotGreen::InputsChanged => f.write_str("built, but its inputs have changed since"),
            WhyNotGreen::LastEnded(status) => write!(f, "{status}"),
            WhyNotGreen::Blocked => f.write_str("blocked"),
            WhyNotGreen::Running => f.write_str("running"),
            WhyNotGreen::Retrying => f.write_str("retrying"),
            WhyNotGreen::NoDigest => f.write_str("green without a digest"),
            WhyNotGreen::Failed => f.write_str("failed"),
            WhyNotGreen::Canceled => f.write_str("canceled"),
        }
    }
}

impl From<WhyNotGreen> for String {
    fn from(why: WhyNotGreen) -> String {
        why.to_string()
    }
}

/// `registry/app` of `registry/app:v1-arm64`. A tag never holds `:` or `/`, so the last `:`
/// after the last `/` starts it, even with a registry port.
pub fn repository(image: &str) -> &str {
    let name_start = image.rfind('/').map_or(0, |i| i + 1);
    match image[name_start..].rfind(':') {
        Some(colon) => &image[..name_start + colon],
        None => image,
    }
}

/// `{registry}/{component}:{tag}`: the multi-arch reference a user pulls.
pub fn list_reference(registry: &str, component: &str, tag: &str) -> String {
    format!("{registry}/{component}:{tag}")
}

/// The cells `keep` accepts, split into green images and the rest.
pub fn cell_images(
    plan: &Plan,
    statuses: &[CellStatus],
    keep: impl Fn(&Cell) -> bool,
) -> (Vec<CellImage>, Vec<NotGreen>) {
    let mut green = Vec::new();
    let mut not_green = Vec::new();
    for cell in plan.cells.iter().filter(|c| keep(c)) {
        let status = statuses.get(cell.index).unwrap_or(&CellStatus::Queued);
        match status.digest().filter(|_| status.is_green()) {
            Some(digest) => green.push(CellImage {
                cell: cell.index,
                component: cell.component.clone(),
                platform: cell.platform.clone(),
                digest: digest.to_string(),
                image: cell.image.clone(),
            }),
            None => not_green.push(NotGreen {
                cell: cell.index,
                id: cell.id(),
                why: why_not_green(status),
            }),
        }
    }
    (green, not_green)
}

fn why_not_green(status: &CellStatus) -> WhyNotGreen {
    match status {
        CellStatus::NotSelected => WhyNotGreen::NotSelected,
        // Before a run, every cell that is not up to date is queued: its inputs changed or it
        // never built.
        CellStatus::Queued => WhyNotGreen::NotBuiltForTheseInputs,
        CellStatus::Blocked { .. } => WhyNotGreen::Blocked,
        CellStatus::Running { .. } | CellStatus::Warming => WhyNotGreen::Running,
        CellStatus::Retrying { .. } => WhyNotGreen::Retrying,
        CellStatus::Green { .. } | CellStatus::UpToDate { .. } => WhyNotGreen::NoDigest,
        CellStatus::Failed { .. } => WhyNotGreen::Failed,
        // A refusal was shown as a failure before it had a status of its own; the words stay.
        CellStatus::Refused { .. } => WhyNotGreen::Failed,
        CellStatus::Canceled => WhyNotGreen::Canceled,
    }
}

/// `a, b and 3 more` for a report line.
pub fn list_words(items: &[String], shown: usize) -> String {
    if items.len() <= shown {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..shown].join(", "),
        items.len() - shown
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_keeps_a_registry_port() {
        assert_eq!(
            repository("localhost:5000/demo/app:v1-arm64"),
            "localhost:5000/demo/app"
        );
        assert_eq!(
            repository("localhost/demo/app:v1-amd64"),
            "localhost/demo/app"
        );
        assert_eq!(
            repository("localhost:5000/demo/app"),
            "localhost:5000/demo/app"
        );
        assert_eq!(repository("app:v1"), "app");
    }
}
