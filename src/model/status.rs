//! What a cell is doing, how an attempt ended and why it failed, as types: every layer and both
//! front ends match on these, never on words.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Whether a failure is worth another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureClass {
    /// Trouble outside the build (network, registry, daemon) that a later attempt may not meet.
    Transient,
    /// The build's own fault: retrying would only fail again, more slowly.
    Permanent,
    /// The engine or the host broke, not the build: fixed on the machine, then retried.
    Infra,
}

impl FailureClass {
    pub fn word(self) -> &'static str {
        match self {
            FailureClass::Transient => "transient",
            FailureClass::Permanent => "permanent",
            FailureClass::Infra => "infra",
        }
    }

    /// The word for a failure that may not have been classified.
    pub fn word_of(class: Option<FailureClass>) -> &'static str {
        class.map_or("unclassified", FailureClass::word)
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// How one attempt of a cell ended, as state.json records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Green,
    Failed,
    Canceled,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Outcome::Green => "green",
            Outcome::Failed => "failed",
            Outcome::Canceled => "canceled",
        })
    }
}

/// How a cell last ended, as state.json records it. Passing states (queued, running,
/// retrying) are not recorded; a refusal is recorded as a failure, which it is to a later run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordedStatus {
    Green,
    Failed,
    Canceled,
    Blocked,
}

impl fmt::Display for RecordedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordedStatus::Green => "green",
            RecordedStatus::Failed => "failed",
            RecordedStatus::Canceled => "canceled",
            RecordedStatus::Blocked => "blocked",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CellStatus {
    /// Outside the `--only` and `--platform` selection.
    NotSelected,
    Queued,
    /// A dependency failed, was canceled or is itself blocked; the cell never starts.
    Blocked {
        by: usize,
    },
    Running {
        attempt: u32,
        of: u32,
    },
    /// Queued for a dependency it reads only late (`COPY --from`); meanwhile the steps before
    /// that read run as a cache-only build, so its real build finds them done.
    Warming,
    /// A transient failure; the next attempt starts after `delay`.
    Retrying {
        next: u32,
        of: u32,
        delay: Duration,
        reason: String,
    },
    Green {
        digest: Option<String>,
        duration: Duration,
        cached: bool,
    },
    /// Green from an earlier run with the same inputs; not rebuilt.
    UpToDate {
        digest: Option<String>,
    },
    Failed {
        class: FailureClass,
        reason: String,
        attempts: u32,
    },
    /// Refused before the run, e.g. because its platform's builder cannot take it: it never
    /// starts, its dependents are blocked, and a retry really builds it.
    Refused {
        reason: String,
    },
    Canceled,
}

impl CellStatus {
    pub fn is_green(&self) -> bool {
        matches!(self, CellStatus::Green { .. } | CellStatus::UpToDate { .. })
    }

    pub fn is_active(&self) -> bool {
        matches!(
            self,
            CellStatus::Running { .. } | CellStatus::Warming | CellStatus::Retrying { .. }
        )
    }

    /// Ended without an image: it and its dependents need the user.
    pub fn is_unsuccessful(&self) -> bool {
        matches!(
            self,
            CellStatus::Failed { .. }
                | CellStatus::Refused { .. }
                | CellStatus::Blocked { .. }
                | CellStatus::Canceled
        )
    }

    /// Failed or refused: what "retry failed" builds again.
    pub fn is_failed(&self) -> bool {
        matches!(self, CellStatus::Failed { .. } | CellStatus::Refused { .. })
    }

    /// The state in a word or two, for sentences about a cell.
    pub fn word(&self) -> &'static str {
        match self {
            CellStatus::NotSelected => "not selected",
            CellStatus::Queued => "queued",
            CellStatus::Blocked { .. } => "blocked",
            CellStatus::Running { .. } => "running",
            CellStatus::Warming => "warming",
            CellStatus::Retrying { .. } => "retrying",
            CellStatus::Green { .. } | CellStatus::UpToDate { .. } => "green",
            // A refusal read as a failure before it had a status of its own.
            CellStatus::Failed { .. } | CellStatus::Refused { .. } => "failed",
            CellStatus::Canceled => "canceled",
        }
    }

    pub fn digest(&self) -> Option<&str> {
        match self {
            CellStatus::Green { digest, .. } | CellStatus::UpToDate { digest } => digest.as_deref(),
            _ => None,
        }
    }

    /// How the cell ended, for state.json; `None` while it has not ended.
    pub fn recorded(&self) -> Option<RecordedStatus> {
        match self {
            CellStatus::Green { .. } => Some(RecordedStatus::Green),
            CellStatus::Failed { .. } | CellStatus::Refused { .. } => Some(RecordedStatus::Failed),
            CellStatus::Canceled => Some(RecordedStatus::Canceled),
            CellStatus::Blocked { .. } => Some(RecordedStatus::Blocked),
            CellStatus::NotSelected
            | CellStatus::Queued
            | CellStatus::Warming
            | CellStatus::Running { .. }
            | CellStatus::Retrying { .. }
            | CellStatus::UpToDate { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_on_disk_are_the_ones_earlier_versions_wrote() {
        let json =
            serde_json::to_string(&[Outcome::Green, Outcome::Failed, Outcome::Canceled]).unwrap();
        assert_eq!(json, r#"["green","failed","canceled"]"#);
        let json = serde_json::to_string(&[
            RecordedStatus::Green,
            RecordedStatus::Failed,
            RecordedStatus::Canceled,
            RecordedStatus::Blocked,
        ])
        .unwrap();
        assert_eq!(json, r#"["green","failed","canceled","blocked"]"#);
        let json = serde_json::to_string(&[
            FailureClass::Transient,
            FailureClass::Permanent,
            FailureClass::Infra,
        ])
        .unwrap();
        assert_eq!(json, r#"["transient","permanent","infra"]"#);
    }

    #[test]
    fn a_refusal_ends_without_an_image_and_is_retried_with_the_failures() {
        let refused = CellStatus::Refused {
            reason: "builder arm does not exist".into(),
        };
        assert!(refused.is_unsuccessful());
        assert!(refused.is_failed());
        assert!(!refused.is_green());
        assert_eq!(refused.recorded(), Some(RecordedStatus::Failed));
    }
}
