//! Where each component's publish stands, so its grid row can carry a mark, and the words and
//! tone of that mark. The texts are sanitized here: registry and buildx answers are untrusted.

use std::collections::BTreeMap;

use super::clean::clean;
use crate::publish::create::{ListPlan, Outcome, Published};
use crate::publish::retry::retried_words;

#[derive(Debug, Default)]
pub struct PublishState {
    /// The lists the confirm popup shows, kept until it is answered.
    pub pending: Vec<ListPlan>,
    /// A publish task is under way.
    pub running: bool,
    /// By component name.
    pub marks: BTreeMap<String, Mark>,
}

impl PublishState {
    /// (finished, total) of the publish under way or last run.
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .marks
            .values()
            .filter(|m| matches!(m, Mark::Finished(_)))
            .count();
        (done, self.marks.len())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mark {
    /// In this publish, after the components before it.
    Waiting,
    /// Reading what the registry holds for its tags.
    Checking,
    Creating,
    Verifying,
    /// A registry command failed transiently and runs again; what is happening, in words.
    Retrying(String),
    /// The registry refuses connections and is waited for.
    RegistryDown {
        registry: String,
        /// The local time of day it was first refused.
        since: String,
    },
    Finished(Finished),
    /// Published, then one of its cells was built again, so the list may no longer hold the
    /// digests the grid shows.
    Stale,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pushed {
    Pushed,
    /// The registry already served exactly these digests.
    NoOp,
    Skipped,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub pushed: Pushed,
    /// Whether verify ran (it does not after a failed push).
    pub verified: bool,
    /// What verify found different, one line each; empty when every list matched.
    pub differences: Vec<String>,
    /// The platforms the registry serves in the list, as verify found them.
    pub platforms: Vec<String>,
    /// `retried 2× after: …` when registry commands had to be tried again.
    pub retried: Option<String>,
}

impl Finished {
    pub fn from_published(p: &Published) -> Finished {
        let pushed = match &p.outcome {
            Outcome::Pushed => Pushed::Pushed,
            Outcome::Unchanged => Pushed::NoOp,
            Outcome::Skipped => Pushed::Skipped,
            Outcome::Failed(e) => Pushed::Failed(one_line(e)),
        };
        let several = p.verified.len() > 1;
        let differences = p
            .verified
            .iter()
            .flat_map(|r| {
                r.differences.iter().map(move |d| {
                    if several {
                        clean(&format!("{}: {d}", tag_of(&r.reference)))
                    } else {
                        clean(&d.to_string())
                    }
                })
            })
            .collect();
        let platforms = p
            .verified
            .first()
            .map(|r| {
                r.found
                    .iter()
                    .map(|(platform, _)| match platform {
                        Some(p) => clean(&p.to_string()),
                        None => "(no platform)".to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Finished {
            pushed,
            verified: !p.verified.is_empty(),
            differences,
            platforms,
            retried: retried_words(&p.all_retries()).map(|w| clean(&w)),
        }
    }

    /// Published (or already there) and every list matched the grid.
    pub fn ok(&self) -> bool {
        matches!(self.pushed, Pushed::Pushed | Pushed::NoOp)
            && self.verified
            && self.differences.is_empty()
    }
}

/// `v0.1.0` of `localhost:5000/demo/app:v0.1.0`.
fn tag_of(reference: &str) -> &str {
    let name_start = reference.rfind('/').map_or(0, |i| i + 1);
    reference[name_start..]
        .rsplit_once(':')
        .map_or(reference, |(_, tag)| tag)
}

/// buildx reports a failure in several `ERROR:` lines; a grid row has room for one.
fn one_line(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| clean(l).trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        "no reason given".to_string()
    } else {
        lines.join(" · ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Busy,
    Good,
    Bad,
    Quiet,
}

/// How a mark reads beside its component's name: a head that always shows, and a detail for
/// a second line when the row has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkText {
    pub head: String,
    pub detail: Option<String>,
    pub tone: Tone,
}

pub fn mark_text(mark: &Mark) -> MarkText {
    let text = |head: &str, detail: Option<String>, tone| MarkText {
        head: head.to_string(),
        detail,
        tone,
    };
    match mark {
        Mark::Waiting => text("⇪ publish waiting", None, Tone::Quiet),
        Mark::Checking => text(
            "⇪ publishing…",
            Some("reading what the registry holds".into()),
            Tone::Busy,
        ),
        Mark::Creating => text(
            "⇪ publishing…",
            Some("docker buildx imagetools create".into()),
            Tone::Busy,
        ),
        Mark::Verifying => text(
            "⇪ verifying…",
            Some("reading the list back".into()),
            Tone::Busy,
        ),
        Mark::Retrying(what) => text("↻ publish retrying", Some(clean(what)), Tone::Busy),
        Mark::RegistryDown { registry, since } => text(
            "⇪ waiting for the registry",
            Some(clean(&format!("{registry} unreachable since {since}"))),
            Tone::Busy,
        ),
        Mark::Stale => text(
            "⇪ published, then rebuilt",
            Some("publish again to update the list".into()),
            Tone::Quiet,
        ),
        Mark::Finished(f) => finished_text(f),
    }
}

fn finished_text(f: &Finished) -> MarkText {
    // In a grid cell `linux/` says nothing; `amd64, arm64` is read at a glance.
    let served = (!f.platforms.is_empty()).then(|| {
        let platforms: Vec<&str> = f
            .platforms
            .iter()
            .map(|p| p.strip_prefix("linux/").unwrap_or(p))
            .collect();
        format!("serves {}", platforms.join(", "))
    });
    // A publish that went through only after retries says so beside what it serves.
    let served = match (served, &f.retried) {
        (Some(served), Some(retried)) => Some(format!("{served} · {retried}")),
        (served, retried) => served.or_else(|| retried.clone()),
    };
    let head = match &f.pushed {
        Pushed::Failed(reason) => {
            return MarkText {
                head: "✘ publish failed".into(),
                detail: Some(reason.clone()),
                tone: Tone::Bad,
            }
        }
        Pushed::Skipped => {
            return MarkText {
                head: "- not published: no green cell".into(),
                detail: None,
                tone: Tone::Quiet,
            }
        }
        Pushed::Pushed => "⇪ published",
        Pushed::NoOp => "⇪ no-op: already published",
    };
    match f.differences.as_slice() {
        [] if f.verified => MarkText {
            head: format!("{head} ✔ verified"),
            detail: served,
            tone: Tone::Good,
        },
        [] => MarkText {
            head: head.to_string(),
            detail: served,
            tone: Tone::Good,
        },
        [first, rest @ ..] => MarkText {
            head: format!("{head} ✘ differs"),
            detail: Some(match rest.len() {
                0 => first.clone(),
                1 => format!("{first} (+1 more difference, see the console pane)"),
                n => format!("{first} (+{n} more differences, see the console pane)"),
            }),
            tone: Tone::Bad,
        },
    }
}

impl MarkText {
    /// The mark on a one-line row: a problem's reason stays beside it, other details go.
    pub fn one_line(&self) -> String {
        match (&self.detail, self.tone) {
            (Some(detail), Tone::Bad) => format!("{}: {detail}", self.head),
            _ => self.head.clone(),
        }
    }
}
