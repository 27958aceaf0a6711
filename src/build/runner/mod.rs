//! One buildx child per cell: spawn, progress, secrets masked, failure text and
//! classification.

pub mod child;
pub mod classify;
pub mod failure_facts;
pub mod log_lines;
pub mod masking;
pub mod progress;
pub mod rawjson;
pub mod stderr_events;

pub use child::{AttemptOutcome, BuildxRunner, RunOpts, Runner};
pub use classify::Classification;
pub use log_lines::LogLines;
pub use progress::{BuildEvent, StepSummary};
