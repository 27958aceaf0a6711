//! One manifest list per component from its cells' per-arch digests, with
//! `docker buildx imagetools create`, only when every cell it needs is green.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::retry::{docker_retrying, Retried, RetryNote};
use super::verify::{self, compare, Expected, ListReport};
use super::{cell_images, list_reference, list_words, CellImage, NotGreen};
use crate::config::RetryPolicy;
use crate::docker::command::Ran;
use crate::model::text::docker_command_line;
use crate::model::{CellStatus, Platform};
use crate::plan::Plan;

/// Sources live in the target's own repository, so creating a list pushes one small manifest;
/// a registry still silent after this long is reported instead of waited on.
const CREATE_LIMIT: Duration = Duration::from_secs(600);
const INSPECT_LIMIT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishOptions {
    /// Publish only this component; only its own cells need to be green.
    pub component: Option<String>,
    /// Publish each component from the cells that are green and say what is missing. Meant for
    /// the headless command only.
    pub allow_partial: bool,
    /// Only these platforms' cells go into the lists (`--platform`); empty means every platform.
    pub platforms: Vec<Platform>,
}

/// One list to create: what a confirmation shows before anything is pushed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListPlan {
    pub component: String,
    /// `{registry}/{component}:{tag}`, then one per extra tag.
    pub targets: Vec<String>,
    pub sources: Vec<CellImage>,
    /// Cells of the component left out (only with `allow_partial`).
    pub missing: Vec<NotGreen>,
}

impl ListPlan {
    pub fn partial(&self) -> bool {
        !self.missing.is_empty()
    }

    pub fn missing_platforms(&self) -> Vec<String> {
        self.missing
            .iter()
            .map(|m| {
                m.id.split_once('@')
                    .map_or(m.id.clone(), |(_, p)| p.to_string())
            })
            .collect()
    }

    /// The exact arguments after `docker` that create the lists of `targets`.
    pub fn create_argv(&self, targets: &[&str]) -> Vec<String> {
        let mut argv: Vec<String> = ["buildx", "imagetools", "create"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for target in targets {
            argv.push("--tag".into());
            argv.push(target.to_string());
        }
        argv.extend(self.sources.iter().map(CellImage::pinned));
        argv
    }

    fn expected(&self, reference: &str) -> Expected {
        Expected {
            component: self.component.clone(),
            reference: reference.to_string(),
            entries: self.entries(),
            unknown: Vec::new(),
            ignored: Vec::new(),
        }
    }

    fn entries(&self) -> Vec<(Platform, Option<String>)> {
        self.sources
            .iter()
            .map(|s| (s.platform.clone(), Some(s.digest.clone())))
            .collect()
    }
}

/// Why nothing will be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NoRegistry,
    UnknownComponent {
        name: String,
        known: Vec<String>,
    },
    /// Cells the lists need that are not green.
    NotGreen(Vec<NotGreen>),
    /// `allow_partial`, and still not one green cell.
    NothingGreen(Vec<NotGreen>),
    /// The component (or, without one, every component) has no cell on the chosen platforms.
    NotBuiltFor {
        component: Option<String>,
        platforms: Vec<Platform>,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cells = |list: &[NotGreen]| {
            let words: Vec<String> = list
                .iter()
                .map(|n| format!("{} ({})", n.id, n.why))
                .collect();
            list_words(&words, 12)
        };
        match self {
            Refusal::NoRegistry => write!(
                f,
                "[project] in matrix.toml sets no registry, so there is nowhere to publish to"
            ),
            Refusal::UnknownComponent { name, known } => write!(
                f,
                "no component named {name:?} (components: {})",
                known.join(", ")
            ),
            Refusal::NotGreen(list) => write!(
                f,
                "publishing needs every cell green; not green: {}",
                cells(list)
            ),
            Refusal::NothingGreen(list) => {
                write!(
                    f,
                    "no cell is green, so there is nothing to publish: {}",
                    cells(list)
                )
            }
            Refusal::NotBuiltFor {
                component,
                platforms,
            } => {
                let platforms: Vec<String> = platforms.iter().map(Platform::to_string).collect();
                match component {
                    Some(name) => write!(f, "{name} is not built for {}", platforms.join(", ")),
                    None => write!(f, "no component is built for {}", platforms.join(", ")),
                }
            }
        }
    }
}

/// The lists to create, or why none will be. Pure: nothing runs.
pub fn plan_publish(
    plan: &Plan,
    statuses: &[CellStatus],
    extra_tags: &[String],
    opts: &PublishOptions,
) -> Result<Vec<ListPlan>, Refusal> {
    let Some(registry) = plan.registry.as_deref() else {
        return Err(Refusal::NoRegistry);
    };
    if let Some(name) = &opts.component {
        if !plan.components.contains(name) {
            return Err(Refusal::UnknownComponent {
                name: name.clone(),
                known: plan.components.clone(),
            });
        }
    }
    let wanted = |c: &str| opts.component.as_deref().is_none_or(|only| only == c);
    let chosen =
        |p: &Platform| opts.platforms.is_empty() || opts.platforms.iter().any(|c| c.same_as(p));
    let (green, not_green) = cell_images(plan, statuses, |c| {
        wanted(&c.component) && chosen(&c.platform)
    });
    if green.is_empty() && not_green.is_empty() {
        return Err(Refusal::NotBuiltFor {
            component: opts.component.clone(),
            platforms: opts.platforms.clone(),
        });
    }
    if !not_green.is_empty() && !opts.allow_partial {
        return Err(Refusal::NotGreen(not_green));
    }
    if green.is_empty() {
        return Err(Refusal::NothingGreen(not_green));
    }
    let tags: Vec<&String> = std::iter::once(&plan.tag).chain(extra_tags).collect();
    // A component with no cell on the chosen platforms has no list to make.
    let has_chosen_cell = |name: &str| {
        plan.cells
            .iter()
            .any(|c| c.component == name && chosen(&c.platform))
    };
    Ok(plan
        .components
        .iter()
        .filter(|c| wanted(c) && has_chosen_cell(c))
        .map(|component| ListPlan {
            component: component.clone(),
            targets: tags
                .iter()
                .map(|t| list_reference(registry, component, t))
                .collect(),
            sources: green
                .iter()
                .filter(|g| &g.component == component)
                .cloned()
                .collect(),
            missing: not_green
                .iter()
                .filter(|n| plan.cells[n.cell].component == *component)
                .cloned()
                .collect(),
        })
        .collect())
}

/// What a target held before this publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Before {
    Absent,
    /// Exactly the digests being published: left alone.
    Same,
    /// Another list, replaced; its images' digests.
    Different(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    pub reference: String,
    pub before: Before,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Every target already served exactly these digests; nothing was pushed.
    Unchanged,
    /// The lists were created; targets that already matched are listed with `Before::Same`.
    Pushed,
    /// Not one green cell of this component (only with `allow_partial`).
    Skipped,
    Failed(String),
}

/// One component's publish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Published {
    pub component: String,
    pub outcome: Outcome,
    pub targets: Vec<Target>,
    pub sources: Vec<CellImage>,
    pub missing: Vec<NotGreen>,
    /// Each target as the registry serves it after the publish.
    pub verified: Vec<ListReport>,
    /// Tries that failed transiently while reading the targets and creating the lists.
    pub retries: Vec<Retried>,
}

impl Published {
    /// Published (or already there) and verified.
    pub fn ok(&self) -> bool {
        matches!(self.outcome, Outcome::Unchanged | Outcome::Pushed)
            && self.verified.iter().all(ListReport::ok)
    }

    pub fn partial(&self) -> bool {
        !self.missing.is_empty()
    }

    /// Every retry this component's publish needed, verifying included.
    pub fn all_retries(&self) -> Vec<Retried> {
        self.retries
            .iter()
            .chain(self.verified.iter().flat_map(|r| &r.retries))
            .cloned()
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublishProgress {
    /// Reading what the targets hold now.
    Checking {
        component: String,
    },
    /// About to run this command line.
    Creating {
        component: String,
        command: String,
    },
    Verifying {
        component: String,
    },
    /// A registry command failed transiently and is tried again.
    Retry {
        component: String,
        note: RetryNote,
    },
    Finished(Published),
}

/// Creates every list in turn and verifies each. Lists the registry already serves with
/// exactly these digests are not pushed again. Registry commands that fail transiently are
/// tried again as `policy` says.
pub async fn publish(
    lists: &[ListPlan],
    policy: &RetryPolicy,
    progress: &mut (dyn FnMut(PublishProgress) + Send),
) -> Vec<Published> {
    let mut out = Vec::with_capacity(lists.len());
    for list in lists {
        let published = publish_one(list, policy, progress).await;
        progress(PublishProgress::Finished(published.clone()));
        out.push(published);
    }
    out
}

async fn publish_one(
    list: &ListPlan,
    policy: &RetryPolicy,
    progress: &mut (dyn FnMut(PublishProgress) + Send),
) -> Published {
    let mut published = Published {
        component: list.component.clone(),
        outcome: Outcome::Skipped,
        targets: Vec::new(),
        sources: list.sources.clone(),
        missing: list.missing.clone(),
        verified: Vec::new(),
        retries: Vec::new(),
    };
    if list.sources.is_empty() {
        return published;
    }
    progress(PublishProgress::Checking {
        component: list.component.clone(),
    });
    for reference in &list.targets {
        let mut notes = retries_of(&list.component, progress);
        let (held, retries) = current(reference, &list.entries(), policy, &mut notes).await;
        published.retries.extend(retries);
        match held {
            Ok(before) => published.targets.push(Target {
                reference: reference.clone(),
                before,
            }),
            Err(e) => {
                published.outcome =
                    Outcome::Failed(format!("could not read what {reference} holds now: {e}"));
                return published;
            }
        }
    }
    let to_push: Vec<&str> = published
        .targets
        .iter()
        .filter(|t| t.before != Before::Same)
        .map(|t| t.reference.as_str())
        .collect();
    if to_push.is_empty() {
        published.outcome = Outcome::Unchanged;
    } else {
        let argv = list.create_argv(&to_push);
        progress(PublishProgress::Creating {
            component: list.component.clone(),
            command: docker_command_line(&argv),
        });
        let mut notes = retries_of(&list.component, progress);
        let (ran, retries) = docker_retrying(&argv, CREATE_LIMIT, policy, &mut notes).await;
        published.retries.extend(retries);
        published.outcome = match ran {
            Ok(ran) if ran.success => Outcome::Pushed,
            Ok(ran) => Outcome::Failed(ran.error_text()),
            Err(e) => Outcome::Failed(e),
        };
        if matches!(published.outcome, Outcome::Failed(_)) {
            return published;
        }
    }
    progress(PublishProgress::Verifying {
        component: list.component.clone(),
    });
    let mut notes = retries_of(&list.component, progress);
    for target in &list.targets {
        published
            .verified
            .push(verify::check(&list.expected(target), policy, &mut notes).await);
    }
    published
}

/// `component`'s retries, reported as its progress.
fn retries_of<'a>(
    component: &'a str,
    progress: &'a mut (dyn FnMut(PublishProgress) + Send),
) -> impl FnMut(RetryNote) + Send + 'a {
    move |note| {
        progress(PublishProgress::Retry {
            component: component.to_string(),
            note,
        })
    }
}

/// What `reference` holds now, compared with the entries about to be published, and the tries
/// that were retried to find out.
async fn current(
    reference: &str,
    entries: &[(Platform, Option<String>)],
    policy: &RetryPolicy,
    notes: &mut (dyn FnMut(RetryNote) + Send),
) -> (Result<Before, String>, Vec<Retried>) {
    let argv: Vec<String> = ["buildx", "imagetools", "inspect", "--raw", reference]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (ran, retries) = docker_retrying(&argv, INSPECT_LIMIT, policy, notes).await;
    (ran.and_then(|ran| held_before(&ran, entries)), retries)
}

fn held_before(ran: &Ran, entries: &[(Platform, Option<String>)]) -> Result<Before, String> {
    if ran.not_found() {
        return Ok(Before::Absent);
    }
    if !ran.success {
        return Err(ran.error_text());
    }
    let (found, differences) = compare(&ran.stdout, entries);
    if differences.is_empty() {
        Ok(Before::Same)
    } else {
        Ok(Before::Different(
            found.into_iter().map(|(_, d)| d).collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// base and app on both columns, docs on amd64 only.
    fn plan() -> (tempfile::TempDir, Plan) {
        crate::plan::sample::base_app_docs(
            "registry = \"localhost:5000/p\"\ntag = \"v1\"\nplatforms = [\"linux/amd64\", \"linux/arm64\"]",
        )
    }

    /// Green with a digest on arm64, never built on amd64.
    fn arm64_green(plan: &Plan) -> Vec<CellStatus> {
        plan.cells
            .iter()
            .map(|c| match c.platform.arch.as_str() {
                "arm64" => CellStatus::UpToDate {
                    digest: Some(format!("sha256:{}", c.component)),
                },
                _ => CellStatus::Queued,
            })
            .collect()
    }

    fn only(platforms: &[&str]) -> PublishOptions {
        PublishOptions {
            platforms: platforms.iter().map(|p| p.parse().unwrap()).collect(),
            ..PublishOptions::default()
        }
    }

    #[test]
    fn chosen_platforms_make_lists_of_only_their_cells() {
        let (_dir, plan) = plan();
        let lists = plan_publish(&plan, &arm64_green(&plan), &[], &only(&["linux/arm64"])).unwrap();
        let made: Vec<(&str, Vec<String>)> = lists
            .iter()
            .map(|l| {
                let sources = l.sources.iter().map(CellImage::id).collect();
                (l.component.as_str(), sources)
            })
            .collect();
        // docs has no arm64 cell, so no list.
        assert_eq!(
            made,
            [
                ("base", vec!["base@linux/arm64".to_string()]),
                ("app", vec!["app@linux/arm64".to_string()]),
            ]
        );
        assert!(lists.iter().all(|l| l.missing.is_empty()));
    }

    #[test]
    fn chosen_cells_must_be_green() {
        let (_dir, plan) = plan();
        let mut statuses = arm64_green(&plan);
        let app = plan.find("app", &"linux/arm64".parse().unwrap()).unwrap();
        statuses[app.index] = CellStatus::Queued;
        let refusal = plan_publish(&plan, &statuses, &[], &only(&["linux/arm64"])).unwrap_err();
        let Refusal::NotGreen(list) = refusal else {
            panic!("{refusal}");
        };
        let ids: Vec<&str> = list.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["app@linux/arm64"]);
        // Without --platform every amd64 cell is in the way too.
        let refusal = plan_publish(&plan, &statuses, &[], &only(&[])).unwrap_err();
        assert!(matches!(refusal, Refusal::NotGreen(list) if list.len() == 4));
    }

    #[test]
    fn a_component_not_built_for_the_chosen_platforms_is_refused() {
        let (_dir, plan) = plan();
        let opts = PublishOptions {
            component: Some("docs".into()),
            ..only(&["linux/arm64"])
        };
        let refusal = plan_publish(&plan, &arm64_green(&plan), &[], &opts).unwrap_err();
        assert_eq!(refusal.to_string(), "docs is not built for linux/arm64");
    }
}
