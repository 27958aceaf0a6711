//! A component's `platform_args`: build args for one platform only.

use std::collections::BTreeMap;

use super::credential_args;
use super::error::Collector;
use super::raw::Text;
use crate::model::Platform;

pub(super) fn build(
    raw: BTreeMap<Text, BTreeMap<Text, String>>,
    component: &str,
    platforms: &[Platform],
    errors: &mut Collector<'_>,
) -> BTreeMap<Platform, BTreeMap<String, String>> {
    let mut out: BTreeMap<Platform, BTreeMap<String, String>> = BTreeMap::new();
    for (key, args) in raw {
        let platform = match key.get_ref().parse::<Platform>() {
            Ok(p) => p,
            Err(message) => {
                errors.push(
                    key.span(),
                    message,
                    r#"key platform_args by a platform the component builds, e.g. platform_args = { "linux/arm64" = { JOBS = "1" } }"#,
                );
                continue;
            }
        };
        // Keyed by the component's spelling, which is the project's, so lookups by cell match.
        let Some(platform) = platforms.iter().find(|p| p.same_as(&platform)).cloned() else {
            let built: Vec<String> = platforms.iter().map(ToString::to_string).collect();
            errors.push(
                key.span(),
                format!("platform_args of component {component:?} sets {platform}, which it does not build"),
                format!("use one of its platforms: {}", built.join(", ")),
            );
            continue;
        };
        let mut checked = BTreeMap::new();
        for (name, value) in args {
            if name.get_ref().is_empty() || name.get_ref().contains('=') {
                errors.push(
                    name.span(),
                    format!("build arg name {:?} in platform_args of component {component:?} is not usable", name.get_ref()),
                    r#"map a NAME to its value, e.g. { JOBS = "1" }"#,
                );
                continue;
            }
            credential_args::warn(&name, component, errors);
            checked.insert(name.into_inner(), value);
        }
        if out.insert(platform.clone(), checked).is_some() {
            errors.push(
                key.span(),
                format!("platform_args of component {component:?} sets {platform} twice"),
                "merge the two tables",
            );
        }
    }
    out
}
