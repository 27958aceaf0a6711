//! Target and group names bake accepts (`[a-zA-Z0-9_-]+`), each used once in the file.

use std::collections::BTreeSet;

use crate::model::Platform;

/// The group bake builds when no target is named on its command line.
pub const DEFAULT_GROUP: &str = "default";

/// Hands out names that are unique across the file's targets and groups: bake looks both up by
/// name, and a group that shared a target's name would hide it.
pub(super) struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    pub fn new() -> Namer {
        Namer {
            taken: BTreeSet::from([DEFAULT_GROUP.to_string()]),
        }
    }

    /// `wanted` with every character bake refuses as `_`, and `_2`, `_3`… when that is taken.
    pub fn name(&mut self, wanted: &str) -> String {
        let base = allowed(wanted);
        let mut name = base.clone();
        let mut n = 2;
        while !self.taken.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }
}

/// `api-linux-arm64`: the component, then the platform with its `/` as `-`.
pub(super) fn target(component: &str, platform: &Platform) -> String {
    format!("{component}-{}", platform_group(platform))
}

/// `linux-arm64`, `linux-arm-v7`.
pub(super) fn platform_group(platform: &Platform) -> String {
    platform.to_string().replace('/', "-")
}

fn allowed(wanted: &str) -> String {
    let name: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() {
        "_".into()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_use_only_what_bake_accepts_and_never_repeat() {
        let mut namer = Namer::new();
        let arm: Platform = "linux/arm/v7".parse().unwrap();
        assert_eq!(namer.name(&target("api", &arm)), "api-linux-arm-v7");
        assert_eq!(namer.name(&target("web.ui", &arm)), "web_ui-linux-arm-v7");
        assert_eq!(namer.name(&target("web_ui", &arm)), "web_ui-linux-arm-v7_2");
        assert_eq!(namer.name("default"), "default_2");
        assert_eq!(namer.name("api"), "api");
        assert_eq!(namer.name(""), "_");
    }
}
