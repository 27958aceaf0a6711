//! Does the registry serve what the grid built? `imagetools create` checks none of it: it takes
//! two amd64 sources, or a list missing a platform, without a word.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::manifest::{self, Raw};
use super::retry::{docker_retrying, Retried, RetryNote};
use super::{cell_images, list_reference, NotGreen, WhyNotGreen};
use crate::config::RetryPolicy;
use crate::model::{CellStatus, Platform};
use crate::plan::Plan;

/// A registry that takes longer than this to answer one manifest request is reported, not
/// waited on.
const INSPECT_LIMIT: Duration = Duration::from_secs(120);

/// What one list must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expected {
    pub component: String,
    /// `{registry}/{component}:{tag}`.
    pub reference: String,
    /// One entry per platform of the component; `None` when that cell has no image to
    /// compare with.
    pub entries: Vec<(Platform, Option<String>)>,
    /// Cells whose digest is unknown, so their entries cannot be checked.
    pub unknown: Vec<NotGreen>,
    /// Platforms of the component that `--platform` left out: their entries are neither
    /// required nor reported as unexpected.
    pub ignored: Vec<Platform>,
}

impl Expected {
    /// [`compare`] with this list's entries; an entry of a platform `ignored` holds is no
    /// difference.
    pub fn compare(&self, raw: &str) -> (Vec<(Option<Platform>, String)>, Vec<Difference>) {
        let (found, mut differences) = compare(raw, &self.entries);
        differences.retain(|d| match d {
            Difference::Unexpected {
                platform: Some(p), ..
            } => !self.ignored.iter().any(|i| i.same_as(p)),
            _ => true,
        });
        (found, differences)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Difference {
    /// The registry has no such tag.
    NotFound,
    /// The tag is a single image, not a list.
    NotAList { media_type: String },
    Missing {
        platform: Platform,
        want: Option<String>,
    },
    /// A platform the component is not built for, or an entry without a platform.
    Unexpected {
        platform: Option<Platform>,
        digest: String,
    },
    Duplicate {
        platform: Platform,
        digests: Vec<String>,
    },
    WrongDigest {
        platform: Platform,
        want: String,
        got: String,
    },
    /// The cell has no image for the current inputs, so its entry cannot be checked.
    CellNotGreen { cell: String, why: WhyNotGreen },
    /// The registry could not be asked, or answered something unreadable.
    Unreadable(String),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::NotFound => write!(f, "the registry has no such tag"),
            Difference::NotAList { media_type } => {
                write!(
                    f,
                    "the tag is a single image ({media_type}), not a manifest list"
                )
            }
            Difference::Missing { platform, want } => match want {
                Some(want) => write!(f, "{platform} is missing (want {want})"),
                None => write!(f, "{platform} is missing"),
            },
            Difference::Unexpected { platform, digest } => match platform {
                Some(p) => write!(f, "{p} is not a platform of this component ({digest})"),
                None => write!(f, "an entry without a platform ({digest})"),
            },
            Difference::Duplicate { platform, digests } => write!(
                f,
                "{platform} appears {} times: {}",
                digests.len(),
                digests.join(", ")
            ),
            Difference::WrongDigest {
                platform,
                want,
                got,
            } => write!(f, "{platform} is {got}, but the cell built {want}"),
            Difference::CellNotGreen { cell, why } => write!(
                f,
                "{cell} is {why}, so its entry cannot be checked (run `archgrid build`)"
            ),
            Difference::Unreadable(why) => write!(f, "{why}"),
        }
    }
}

/// One list as the registry serves it, and how it differs from what it must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListReport {
    pub component: String,
    pub reference: String,
    /// The list's images (attestations left out), as `(platform, digest)`.
    pub found: Vec<(Option<Platform>, String)>,
    pub differences: Vec<Difference>,
    /// Tries of the fetch that failed transiently before the one reported.
    pub retries: Vec<Retried>,
}

impl ListReport {
    pub fn ok(&self) -> bool {
        self.differences.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProgress {
    Checking {
        component: String,
        reference: String,
    },
    /// Fetching `component`'s list failed transiently and is tried again.
    Retry {
        component: String,
        note: RetryNote,
    },
    Checked(ListReport),
}

/// Compares what `imagetools inspect --raw` printed with the entries a list must hold.
/// Returns the images found (attestations dropped) and every difference.
pub fn compare(
    raw: &str,
    want: &[(Platform, Option<String>)],
) -> (Vec<(Option<Platform>, String)>, Vec<Difference>) {
    let parsed = match manifest::parse(raw) {
        Ok(parsed) => parsed,
        Err(e) => return (Vec::new(), vec![Difference::Unreadable(e)]),
    };
    if let Raw::Single { media_type } = &parsed {
        return (
            Vec::new(),
            vec![Difference::NotAList {
                media_type: media_type.clone(),
            }],
        );
    }
    let images = parsed.images();
    let found: Vec<(Option<Platform>, String)> = images
        .iter()
        .map(|e| (e.platform.clone(), e.digest.clone()))
        .collect();
    let mut differences = Vec::new();
    for (platform, want_digest) in want {
        let matching: Vec<&str> = images
            .iter()
            .filter(|e| e.platform.as_ref().is_some_and(|p| p.same_as(platform)))
            .map(|e| e.digest.as_str())
            .collect();
        match matching.as_slice() {
            [] => differences.push(Difference::Missing {
                platform: platform.clone(),
                want: want_digest.clone(),
            }),
            [got] => {
                if let Some(want) = want_digest.as_ref().filter(|w| w != got) {
                    differences.push(Difference::WrongDigest {
                        platform: platform.clone(),
                        want: want.clone(),
                        got: got.to_string(),
                    });
                }
            }
            many => differences.push(Difference::Duplicate {
                platform: platform.clone(),
                digests: many.iter().map(|d| d.to_string()).collect(),
            }),
        }
    }
    for entry in &images {
        let wanted = entry
            .platform
            .as_ref()
            .is_some_and(|p| want.iter().any(|(w, _)| w.same_as(p)));
        if !wanted {
            differences.push(Difference::Unexpected {
                platform: entry.platform.clone(),
                digest: entry.digest.clone(),
            });
        }
    }
    (found, differences)
}

/// What each component's lists must hold: one entry per platform of the component, with the
/// green cell's digest. `component` narrows it to one; `None` means every component.
/// `platforms` narrows the entries to those platforms, and leaves out components built for
/// none of them; empty means every platform.
pub fn expected_lists(
    plan: &Plan,
    statuses: &[CellStatus],
    registry: &str,
    extra_tags: &[String],
    component: Option<&str>,
    platforms: &[Platform],
) -> Vec<Expected> {
    let chosen = |p: &Platform| platforms.is_empty() || platforms.iter().any(|c| c.same_as(p));
    let mut out = Vec::new();
    for name in plan
        .components
        .iter()
        .filter(|c| component.is_none_or(|only| only == c.as_str()))
    {
        let (green, not_green) = cell_images(plan, statuses, |c| {
            &c.component == name && chosen(&c.platform)
        });
        let ignored: Vec<Platform> = plan
            .cells
            .iter()
            .filter(|c| &c.component == name && !chosen(&c.platform))
            .map(|c| c.platform.clone())
            .collect();
        let entries: Vec<(Platform, Option<String>)> = plan
            .cells
            .iter()
            .filter(|c| &c.component == name && chosen(&c.platform))
            .map(|c| {
                let digest = green
                    .iter()
                    .find(|g| g.cell == c.index)
                    .map(|g| g.digest.clone());
                (c.platform.clone(), digest)
            })
            .collect();
        if entries.is_empty() {
            continue;
        }
        for tag in std::iter::once(&plan.tag).chain(extra_tags) {
            out.push(Expected {
                component: name.clone(),
                reference: list_reference(registry, name, tag),
                entries: entries.clone(),
                unknown: not_green.clone(),
                ignored: ignored.clone(),
            });
        }
    }
    out
}

/// Fetches one list and compares it. A transient failure to fetch it is tried again as
/// `policy` says, each retry told to `notes`.
pub async fn check(
    expected: &Expected,
    policy: &RetryPolicy,
    notes: &mut (dyn FnMut(RetryNote) + Send),
) -> ListReport {
    let argv: Vec<String> = ["buildx", "imagetools", "inspect", "--raw"]
        .iter()
        .map(|s| s.to_string())
        .chain(std::iter::once(expected.reference.clone()))
        .collect();
    let (ran, retries) = docker_retrying(&argv, INSPECT_LIMIT, policy, notes).await;
    let (found, mut differences) = match ran {
        Ok(ran) if ran.success => expected.compare(&ran.stdout),
        Ok(ran) if ran.not_found() => (Vec::new(), vec![Difference::NotFound]),
        Ok(ran) => (Vec::new(), vec![Difference::Unreadable(ran.error_text())]),
        Err(e) => (Vec::new(), vec![Difference::Unreadable(e)]),
    };
    differences.extend(expected.unknown.iter().map(|n| Difference::CellNotGreen {
        cell: n.id.clone(),
        why: n.why,
    }));
    ListReport {
        component: expected.component.clone(),
        reference: expected.reference.clone(),
        found,
        differences,
        retries,
    }
}

/// Checks every list, one after another, reporting each as it is done.
pub async fn verify(
    lists: &[Expected],
    policy: &RetryPolicy,
    progress: &mut (dyn FnMut(VerifyProgress) + Send),
) -> Vec<ListReport> {
    let mut reports = Vec::with_capacity(lists.len());
    for expected in lists {
        progress(VerifyProgress::Checking {
            component: expected.component.clone(),
            reference: expected.reference.clone(),
        });
        let mut notes = |note| {
            progress(VerifyProgress::Retry {
                component: expected.component.clone(),
                note,
            })
        };
        let report = check(expected, policy, &mut notes).await;
        progress(VerifyProgress::Checked(report.clone()));
        reports.push(report);
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> String {
        crate::samples::text(name)
    }

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    const CELL_AMD64: &str =
        "sha256:2614f1f906fb64f7a079edbb9527e89020a4e6ff025115b339e386b720f17a56";
    const CELL_ARM64: &str =
        "sha256:8451b88b1896534d9fd432937497d431511b25b168392fe987dc5d81ad329449";
    const NP_AMD64: &str =
        "sha256:d653f80b7c208062bab5e8b1f6fddf24f23e396ff2798d90f06ef99f46b60c91";
    const NP_ARM64: &str =
        "sha256:e72245345e296f1342356e2592fd44e89dca13a7873db0777d81b9bccbbca89b";

    fn want(entries: &[(&str, &str)]) -> Vec<(Platform, Option<String>)> {
        entries
            .iter()
            .map(|(pl, d)| (p(pl), Some(d.to_string())))
            .collect()
    }

    #[test]
    fn attestations_are_not_platforms() {
        let (found, diffs) = compare(
            &sample("inspect-raw-cell-v1.json"),
            &want(&[("linux/amd64", CELL_AMD64), ("linux/arm64", CELL_ARM64)]),
        );
        assert_eq!(diffs, []);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_list_without_attestations_matches_its_cells() {
        let (_, diffs) = compare(
            &sample("imagetools-create-dryrun-no-provenance.json"),
            &want(&[("linux/amd64", NP_AMD64), ("linux/arm64", NP_ARM64)]),
        );
        assert_eq!(diffs, []);
    }

    #[test]
    fn the_same_platforms_with_another_digest_differ() {
        // amd64 comes from a different build than the cell's.
        let (_, diffs) = compare(
            &sample("inspect-raw-merged-mixed.json"),
            &want(&[("linux/amd64", CELL_AMD64), ("linux/arm64", CELL_ARM64)]),
        );
        assert_eq!(
            diffs,
            [Difference::WrongDigest {
                platform: p("linux/amd64"),
                want: CELL_AMD64.into(),
                got: NP_AMD64.into(),
            }]
        );
        assert_eq!(
            diffs[0].to_string(),
            format!("linux/amd64 is {NP_AMD64}, but the cell built {CELL_AMD64}")
        );
    }

    #[test]
    fn a_missing_platform_and_an_extra_one() {
        let (_, diffs) = compare(
            &sample("inspect-raw-cell-v1.json"),
            &want(&[("linux/amd64", CELL_AMD64), ("linux/riscv64", "sha256:r")]),
        );
        assert_eq!(
            diffs,
            [
                Difference::Missing {
                    platform: p("linux/riscv64"),
                    want: Some("sha256:r".into())
                },
                Difference::Unexpected {
                    platform: Some(p("linux/arm64")),
                    digest: CELL_ARM64.into()
                },
            ]
        );
    }

    #[test]
    fn a_platform_twice_is_a_duplicate() {
        let raw =
            sample("imagetools-create-dryrun-no-provenance.json").replace("\"arm64\"", "\"amd64\"");
        let (_, diffs) = compare(
            &raw,
            &want(&[("linux/amd64", NP_AMD64), ("linux/arm64", NP_ARM64)]),
        );
        assert_eq!(
            diffs,
            [
                Difference::Duplicate {
                    platform: p("linux/amd64"),
                    digests: vec![NP_AMD64.into(), NP_ARM64.into()]
                },
                Difference::Missing {
                    platform: p("linux/arm64"),
                    want: Some(NP_ARM64.into())
                },
            ]
        );
    }

    #[test]
    fn variants_compare_as_buildx_normalises_them() {
        let raw = sample("imagetools-create-dryrun-no-provenance.json").replace(
            "\"architecture\": \"arm64\",",
            "\"architecture\": \"arm64\", \"variant\": \"v8\",",
        );
        let (_, diffs) = compare(
            &raw,
            &want(&[("linux/amd64", NP_AMD64), ("linux/arm64", NP_ARM64)]),
        );
        assert_eq!(diffs, []);
    }

    #[test]
    fn an_unknown_digest_checks_only_the_platform() {
        let (_, diffs) = compare(
            &sample("inspect-raw-cell-v1.json"),
            &[
                (p("linux/amd64"), None),
                (p("linux/arm64"), Some(CELL_ARM64.into())),
            ],
        );
        assert_eq!(diffs, []);
    }

    #[test]
    fn platforms_left_out_are_neither_required_nor_unexpected() {
        let mut expected = Expected {
            component: "app".into(),
            reference: "localhost:5000/demo/app:v1".into(),
            entries: want(&[("linux/amd64", CELL_AMD64)]),
            unknown: Vec::new(),
            ignored: Vec::new(),
        };
        let raw = sample("inspect-raw-cell-v1.json");
        assert_eq!(
            expected.compare(&raw).1,
            [Difference::Unexpected {
                platform: Some(p("linux/arm64")),
                digest: CELL_ARM64.into()
            }]
        );
        expected.ignored = vec![p("linux/arm64/v8")];
        let (found, diffs) = expected.compare(&raw);
        assert_eq!(diffs, []);
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn a_single_image_is_not_a_list() {
        let (_, diffs) = compare(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{},"layers":[]}"#,
            &want(&[("linux/amd64", NP_AMD64)]),
        );
        assert!(matches!(diffs.as_slice(), [Difference::NotAList { .. }]));
    }
}
