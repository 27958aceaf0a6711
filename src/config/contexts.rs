//! A component's named build contexts (`--build-context NAME=VALUE`), besides the ones archgrid
//! adds for its dependencies.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::Collector;
use super::raw::Text;
use super::{clean, reference};

const HINT: &str = r#"a context is a directory relative to the matrix file, docker-image://REF, oci-layout://PATH or an https:// or git URL, e.g. contexts = { docs = "../docs", tools = "docker-image://localhost:5000/tools:1" }"#;

pub(super) fn build(
    raw: &BTreeMap<Text, Text>,
    component: &str,
    depends_on: &[Text],
    root: &Path,
    errors: &mut Collector<'_>,
) -> BTreeMap<String, String> {
    let mut contexts = BTreeMap::new();
    for (name, value) in raw {
        let n = name.get_ref();
        if n.is_empty() || n.contains(['=', ' ', ',']) {
            errors.push(
                name.span(),
                format!("build context name {n:?} of component {component:?} is not usable"),
                HINT,
            );
            continue;
        }
        if depends_on.iter().any(|d| d.get_ref() == n) {
            errors.push(
                name.span(),
                format!("component {component:?} names a context {n:?}, which is already its dependency"),
                format!("archgrid passes dependency {n:?} as a context itself; rename this context or drop it"),
            );
            continue;
        }
        match resolve(value.get_ref(), root) {
            Ok(resolved) => {
                contexts.insert(n.clone(), resolved);
            }
            Err(message) => errors.push(
                value.span(),
                format!("context {n:?} of component {component:?}: {message}"),
                HINT,
            ),
        }
    }
    contexts
}

fn resolve(value: &str, root: &Path) -> Result<String, String> {
    if let Some(image) = value.strip_prefix("docker-image://") {
        reference::check_image(image)?;
        return Ok(value.to_string());
    }
    if let Some(layout) = value.strip_prefix("oci-layout://") {
        // The path part may carry a `:tag` or `@digest`; only its directory must exist.
        let dir = layout.split(['@', ':']).next().unwrap_or_default();
        let abs = clean(&root.join(dir));
        if !abs.is_dir() {
            return Err(format!("OCI layout {} does not exist", abs.display()));
        }
        return Ok(format!(
            "oci-layout://{}{}",
            abs.display(),
            &layout[dir.len()..]
        ));
    }
    let remote = ["https://", "http://", "git@", "git://", "ssh://"];
    if remote.iter().any(|p| value.starts_with(p)) {
        return Ok(value.to_string());
    }
    if let Some((scheme, _)) = value.split_once("://") {
        return Err(format!("{scheme}:// is not a context source buildx takes"));
    }
    if value.is_empty() {
        return Err("the value is empty".into());
    }
    let abs = clean(&root.join(value));
    if !abs.is_dir() {
        return Err(format!("directory {} does not exist", abs.display()));
    }
    Ok(abs.display().to_string())
}
