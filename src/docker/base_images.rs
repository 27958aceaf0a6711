//! The images Dockerfiles read that no component makes, asked for before anything builds: one
//! that neither the engine nor its registry has is most likely a dependency missing from the
//! matrix or a typo, and would otherwise fail minutes later inside BuildKit as a "failed to
//! resolve source metadata" that reads like a network problem.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::command::docker;
use crate::config::suggest::closest;
use crate::dockerfile::{repository, UseKind};
use crate::model::Platform;
use crate::plan::{Found, Plan};

/// A registry that does not answer in this time is reported, not waited for.
const REGISTRY_LIMIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseImageProblem {
    /// The cells that read the image, as `component@platform`.
    pub cells: Vec<String>,
    pub found: Found,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ProblemKind {
    /// Neither the engine nor a registry has it.
    Missing {
        why: String,
        /// The component the name is closest to.
        guess: Option<String>,
    },
    /// The registry has it, but not for this platform.
    NoPlatform {
        platform: Platform,
        has: Vec<String>,
    },
    /// The registry gave no answer either way: a reset, a timeout.
    Unchecked { why: String },
}

impl fmt::Display for BaseImageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cells = self.cells.join(", ");
        let found = &self.found;
        match &self.kind {
            ProblemKind::Missing { why, guess } => {
                let what = match found.kind {
                    UseKind::Syntax => "is a Dockerfile frontend image",
                    _ => "names no component",
                };
                write!(
                    f,
                    "{cells}: {} {what}, and neither the engine nor a registry has it: {}",
                    where_read(found),
                    first_line(why)
                )?;
                match guess {
                    _ if found.kind == UseKind::Syntax => write!(f, "\n  hint: remove the # syntax line to use the builder's own Dockerfile frontend, or make that image available to the engine"),
                    Some(name) => write!(f, "\n  hint: a typo? did you mean {name:?}, the component?"),
                    None => write!(f, "\n  hint: a dependency missing from the matrix, or a typo: add the component that makes it, or fix the name"),
                }
            }
            ProblemKind::Unchecked { why } => write!(
                f,
                "{cells}: could not check that a registry has the image {} reads: {}",
                where_read(found),
                first_line(why)
            ),
            ProblemKind::NoPlatform { platform, has } => write!(
                f,
                "{cells}: {} has no {platform} image (it has {})\n  hint: build it for {platform} too, or leave {platform} out of these components' platforms",
                where_read(found),
                has.join(", ")
            ),
        }
    }
}

/// `FROM bsae (api/Dockerfile:3)`, with the reference the args made when it differs from the
/// text: `FROM ${BASE} (api/Dockerfile:3, bsae:1)`.
fn where_read(found: &Found) -> String {
    let written = found
        .instruction
        .strip_suffix(found.reference.as_str())
        .is_some_and(|before| before.ends_with(['=', ' ']));
    if written {
        format!("{} ({}:{})", found.instruction, found.file, found.line)
    } else {
        format!(
            "{} ({}:{}, {})",
            found.instruction, found.file, found.line, found.reference
        )
    }
}

fn first_line(text: &str) -> &str {
    let line = text.lines().next().unwrap_or(text);
    line.strip_prefix("ERROR: ").unwrap_or(line)
}

/// Every image `cells` read from outside the project that cannot be had; images only other
/// cells read are not asked for. Each image is asked for once per engine: the engine's own
/// store first, then its registry.
pub async fn check(plan: &Plan, cells: &BTreeSet<usize>) -> Vec<BaseImageProblem> {
    let mut wanted: BTreeMap<(Option<String>, String), Vec<usize>> = BTreeMap::new();
    for cell in cells.iter().map(|&i| &plan.cells[i]) {
        for found in &cell.reads {
            wanted
                .entry((cell.docker_context.clone(), found.reference.clone()))
                .or_default()
                .push(cell.index);
        }
    }
    let asks = wanted
        .iter()
        .map(|((context, reference), cells)| async move {
            let answer = availability(context.as_deref(), reference).await;
            (reference, cells, answer)
        });
    let mut problems = Vec::new();
    for (reference, cells, answer) in futures::future::join_all(asks).await {
        let first = &plan.cells[cells[0]];
        let found = first
            .reads
            .iter()
            .find(|f| &f.reference == reference)
            .expect("the reference came from this cell")
            .clone();
        match answer {
            Availability::Have(platforms) => {
                let Some(has) = platforms else { continue };
                let mut lacking: BTreeMap<Platform, Vec<String>> = BTreeMap::new();
                for &i in cells {
                    let cell = &plan.cells[i];
                    if !has.iter().any(|p| p.same_as(&cell.platform)) {
                        lacking
                            .entry(cell.platform.clone())
                            .or_default()
                            .push(cell.id());
                    }
                }
                for (platform, ids) in lacking {
                    problems.push(BaseImageProblem {
                        cells: ids,
                        found: found.clone(),
                        kind: ProblemKind::NoPlatform {
                            platform,
                            has: has.iter().map(Platform::to_string).collect(),
                        },
                    });
                }
            }
            Availability::Unknown(why) => problems.push(BaseImageProblem {
                cells: cells.iter().map(|&i| plan.cells[i].id()).collect(),
                found,
                kind: ProblemKind::Unchecked { why },
            }),
            Availability::Missing(why) => {
                let name = repository(reference);
                let guess =
                    closest(&name, plan.components.iter().map(String::as_str)).map(str::to_string);
                problems.push(BaseImageProblem {
                    cells: cells.iter().map(|&i| plan.cells[i].id()).collect(),
                    found,
                    kind: ProblemKind::Missing { why, guess },
                });
            }
        }
    }
    problems
}

enum Availability {
    /// With the platforms of a registry's index, when it is one.
    Have(Option<Vec<Platform>>),
    Missing(String),
    /// No answer either way.
    Unknown(String),
}

async fn availability(context: Option<&str>, reference: &str) -> Availability {
    let mut argv: Vec<String> = crate::plan::docker_options(context);
    argv.extend(["image", "inspect", "--format", "{{.Id}}", reference].map(String::from));
    if docker(&argv, None, None).await.is_ok_and(|ran| ran.success) {
        return Availability::Have(None);
    }
    let argv: Vec<String> = ["buildx", "imagetools", "inspect", "--raw", reference]
        .map(String::from)
        .to_vec();
    match docker(&argv, None, Some(REGISTRY_LIMIT)).await {
        Ok(ran) if ran.success => Availability::Have(index_platforms(&ran.stdout)),
        Ok(ran) if ran.not_found() || says_missing(&ran.stderr) => {
            Availability::Missing(ran.error_text())
        }
        Ok(ran) => Availability::Unknown(ran.error_text()),
        Err(e) => Availability::Unknown(e),
    }
}

/// The answers that mean the name leads nowhere: no such registry host, no such repository or
/// tag (Docker Hub answers a missing repository with a denial, as if it were private).
fn says_missing(stderr: &str) -> bool {
    let text = stderr.to_ascii_lowercase();
    [
        "no such host",
        "not found",
        "manifest unknown",
        "name unknown",
        "unauthorized",
        "denied",
    ]
    .iter()
    .any(|s| text.contains(s))
}

/// The platforms an index lists; `None` for a single manifest, whose platform only its config
/// tells.
fn index_platforms(raw: &str) -> Option<Vec<Platform>> {
    let doc: serde_json::Value = serde_json::from_str(raw).ok()?;
    let manifests = doc.get("manifests")?.as_array()?;
    let platforms = manifests
        .iter()
        .filter_map(|m| {
            let p = m.get("platform")?;
            let os = p.get("os")?.as_str()?;
            let arch = p.get("architecture")?.as_str()?;
            // Attestation manifests say unknown/unknown.
            if os == "unknown" {
                return None;
            }
            let spelled = match p.get("variant").and_then(|v| v.as_str()) {
                Some(variant) => format!("{os}/{arch}/{variant}"),
                None => format!("{os}/{arch}"),
            };
            spelled.parse().ok()
        })
        .collect();
    Some(platforms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_of_an_index() {
        let raw = r#"{"manifests":[
            {"platform":{"os":"linux","architecture":"amd64"}},
            {"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
            {"platform":{"os":"unknown","architecture":"unknown"}}]}"#;
        let names: Vec<String> = index_platforms(raw)
            .unwrap()
            .iter()
            .map(Platform::to_string)
            .collect();
        assert_eq!(names, ["linux/amd64", "linux/arm/v7"]);
        assert_eq!(index_platforms(r#"{"config":{}}"#), None);
    }

    #[test]
    fn only_answers_that_say_so_mean_missing() {
        assert!(says_missing(
            "ERROR: failed to do request: Head \"https://r/v2/library/bsae/manifests/latest\": dial tcp: lookup r on 10.0.0.1:53: no such host"
        ));
        assert!(says_missing(
            "ERROR: localhost:5000/library/nope:1: not found"
        ));
        assert!(says_missing(
            "ERROR: pull access denied, repository does not exist or may require authorization"
        ));
        assert!(!says_missing(
            "ERROR: failed to do request: Head \"https://127.0.0.1:1/v2/x/manifests/y\": read tcp 127.0.0.1:2->127.0.0.1:1: read: connection reset by peer"
        ));
        assert!(!says_missing("ERROR: context deadline exceeded"));
    }

    #[test]
    fn messages_say_what_to_do() {
        let found = Found {
            file: "api/Dockerfile".into(),
            line: 3,
            instruction: "FROM bsae".into(),
            reference: "bsae".into(),
            kind: UseKind::From,
        };
        let problem = BaseImageProblem {
            cells: vec!["api@linux/amd64".into()],
            found: found.clone(),
            kind: ProblemKind::Missing {
                why: "ERROR: failed to do request: no such host\nmore".into(),
                guess: Some("base".into()),
            },
        };
        assert_eq!(
            problem.to_string(),
            "api@linux/amd64: FROM bsae (api/Dockerfile:3) names no component, and neither the engine nor a registry has it: failed to do request: no such host\n  hint: a typo? did you mean \"base\", the component?"
        );
        let problem = BaseImageProblem {
            cells: vec!["api@linux/riscv64".into()],
            found,
            kind: ProblemKind::NoPlatform {
                platform: "linux/riscv64".parse().unwrap(),
                has: vec!["linux/amd64".into()],
            },
        };
        assert!(problem.to_string().contains(
            "FROM bsae (api/Dockerfile:3) has no linux/riscv64 image (it has linux/amd64)"
        ));
    }
}
