//! One buildx child per cell: spawn, progress, secrets masked, failure text and
//! classification.

pub mod child;
pub mod classify;
pub mod failure_facts;
pub mod masking;
pub mod progress;
pub mod rawjson;
pub mod stderr_events;

pub use child::{AttemptOutcome, BuildxRunner, RunOpts, Runner};
pub use classify::Classification;
pub use progress::{BuildEvent, StepSummary};
