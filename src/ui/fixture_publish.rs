//! What the publish task reports, made by hand from the app's own green cells.

use super::app::App;
use super::msg::{Effect, Msg};
use super::update::update;
use crate::publish::create::{Before, Outcome, PublishProgress, Published, Target};
use crate::publish::verify::{Difference, ListReport};
use crate::publish::CellImage;

/// `component`'s publish as `create::publish` would report it: one target, the cells' images,
/// and a verify report with `differences`.
pub fn published(
    app: &App,
    component: &str,
    outcome: Outcome,
    differences: Vec<Difference>,
) -> Published {
    let registry = app.plan.registry.clone().expect("a registry");
    let reference = format!("{registry}/{component}:{}", app.plan.tag);
    let sources: Vec<CellImage> = app
        .plan
        .cells
        .iter()
        .filter(|c| c.component == component)
        .map(|c| CellImage {
            cell: c.index,
            component: component.to_string(),
            platform: c.platform.clone(),
            digest: app.cells[c.index]
                .status
                .digest()
                .unwrap_or_default()
                .to_string(),
            image: c.image.clone(),
        })
        .collect();
    let verified = match outcome {
        Outcome::Failed(_) | Outcome::Skipped => Vec::new(),
        _ => vec![ListReport {
            component: component.to_string(),
            reference: reference.clone(),
            found: sources
                .iter()
                .map(|s| (Some(s.platform.clone()), s.digest.clone()))
                .collect(),
            differences,
        }],
    };
    let before = match outcome {
        Outcome::Unchanged => Before::Same,
        _ => Before::Absent,
    };
    Published {
        component: component.to_string(),
        outcome,
        targets: vec![Target { reference, before }],
        sources,
        missing: Vec::new(),
        verified,
    }
}

pub fn progress(app: &mut App, p: PublishProgress) -> Vec<Effect> {
    update(app, Msg::Publish(p))
}

/// Runs a whole publish of every component through `update`: checking, creating, verifying,
/// finished with `outcome_of(component)`.
pub fn publish_all(
    app: &mut App,
    outcome_of: impl Fn(&str) -> (Outcome, Vec<Difference>),
) -> Vec<Effect> {
    let components = app.plan.components.clone();
    for c in &components {
        let component = c.clone();
        progress(
            app,
            PublishProgress::Checking {
                component: component.clone(),
            },
        );
        progress(
            app,
            PublishProgress::Creating {
                component: component.clone(),
                command: format!("docker buildx imagetools create --tag x/{component}:v1 …"),
            },
        );
        progress(app, PublishProgress::Verifying { component });
        let (outcome, differences) = outcome_of(c);
        let p = published(app, c, outcome, differences);
        progress(app, PublishProgress::Finished(p));
    }
    update(app, Msg::PublishEnded(None))
}
