//! `aliases`: other image names a project's Dockerfiles use for a component (compose's `image:`,
//! bake's `tags`), so `FROM acme/base:1.2` is known to mean the component `base`.

use std::collections::BTreeMap;

use super::error::Collector;
use super::raw::Text;
use super::reference;

const HINT: &str = r#"an alias is an image name without a tag, as a Dockerfile's FROM names it, e.g. aliases = ["acme/base", "ghcr.io/acme/base"]"#;

/// Checks each component's aliases, and that no name means two components.
pub(super) fn build(
    raw: &[Text],
    component: &str,
    taken: &mut BTreeMap<String, String>,
    errors: &mut Collector<'_>,
) -> Vec<String> {
    let mut aliases = Vec::new();
    for alias in raw {
        let name = alias.get_ref();
        let problem = if name.contains('@') || has_tag(name) {
            Some(format!("alias {name:?} of component {component:?} has a tag or digest; any tag of the name matches, so leave it off"))
        } else {
            reference::check_image(name)
                .err()
                .map(|e| format!("alias of component {component:?}: {e}"))
        };
        if let Some(message) = problem {
            errors.push(alias.span(), message, HINT);
            continue;
        }
        match taken.get(name) {
            Some(owner) if owner != component => errors.push(
                alias.span(),
                format!(
                    "alias {name:?} of component {component:?} already means component {owner:?}"
                ),
                "an image name can mean one component only: remove one of them",
            ),
            _ => {
                taken.insert(name.clone(), component.to_string());
                aliases.push(name.clone());
            }
        }
    }
    aliases
}

/// A colon after the last slash starts a tag; one before it belongs to a registry's port.
fn has_tag(name: &str) -> bool {
    name.rsplit('/')
        .next()
        .is_some_and(|last| last.contains(':'))
}
