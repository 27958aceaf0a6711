//! One buildx child per cell: spawn, progress, failure text and classification.

pub mod classify;
pub mod progress;
pub mod rawjson;
pub mod runner;

pub use classify::{Classification, FailureClass};
pub use progress::{BuildEvent, StepSummary};
pub use runner::{AttemptOutcome, BuildxRunner, RunOpts, Runner};
