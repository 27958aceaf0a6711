//! Contexts that name a dependency's target, shaped for buildx before 0.15. Those versions link
//! only one of a target's contexts that name the same `target:`; the others reach BuildKit
//! unresolved ("unsupported context source target"), and Go's map order picks which. So a
//! target never has two contexts naming the same target here.

use std::collections::{BTreeMap, BTreeSet};

use super::names::Namer;
use super::{BakeFile, Target};

/// Drops the context `bare`, the dependency's component name that every build binds, when it
/// names the same target as another context and the Dockerfile reads the dependency only by
/// other names. `read`: the names the Dockerfile reads it by; empty when unknown.
pub(super) fn drop_unread_bare_name(
    target: &mut Target,
    bare: &str,
    linked: &str,
    read: &BTreeSet<String>,
) {
    let names_it = |v: &String| v.strip_prefix("target:") == Some(linked);
    let shared = target.contexts.values().filter(|v| names_it(v)).count() > 1;
    let bound_here = target.contexts.get(bare).is_some_and(names_it);
    if shared && bound_here && !read.is_empty() && !read.contains(bare) {
        target.contexts.remove(bare);
    }
}

/// Rebinds each context after the first that names the same target to a copy of that target:
/// same build, no tags, nothing exported (bake builds a target that only other targets use
/// without exporting it). The k-th extra name of a target uses its k-th copy, so copies are
/// shared across dependents.
pub(super) fn one_context_per_target(file: &mut BakeFile, namer: &mut Namer) {
    let mut copies: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for target in file.target.values_mut() {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for source in target.contexts.values_mut() {
            let Some(linked) = source.strip_prefix("target:").map(str::to_string) else {
                continue;
            };
            let extra = seen.entry(linked.clone()).or_insert(0);
            if *extra > 0 {
                let names = copies.entry(linked.clone()).or_default();
                if names.len() < *extra {
                    names.push(namer.name(&format!("{linked}-context")));
                }
                *source = format!("target:{}", names[*extra - 1]);
            }
            *extra += 1;
        }
    }
    for (linked, names) in copies {
        let mut copy = file.target[&linked].clone();
        copy.tags.clear();
        copy.output.clear();
        copy.cache_to.clear();
        for name in names {
            file.target.insert(name, copy.clone());
        }
    }
}
