//! The words every layer shares, with no I/O: platforms, cell statuses, attempt outcomes,
//! failure classes, durations as they read, and the text helpers that show them or mask
//! secrets in them.

pub mod clock;
pub mod duration;
pub mod infra;
pub mod platform;
pub mod redact;
pub mod sanitize;
pub mod status;
pub mod text;

pub use duration::{format_countdown, format_duration};
pub use infra::InfraCause;
pub use platform::Platform;
pub use status::{CellStatus, FailureClass, Outcome, RecordedStatus};
