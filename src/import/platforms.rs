//! Which platforms each proposed component lists: none when it builds every project platform,
//! and never fewer than a dependent of it builds, which the matrix would refuse.

use super::guess::{same_platforms, union};
use super::proposal::{Component, Note, Platforms};
use crate::model::Platform;

/// `found[i]` are the platforms bake printed for `components[i]` (empty for none).
pub fn assign(components: &mut [Component], found: &[Vec<Platform>], project: &Platforms) {
    let all = project.list();
    let flag = matches!(project, Platforms::Flag(_));
    let others_name_some = found.iter().any(|f| !f.is_empty());
    for (c, found) in components.iter_mut().zip(found) {
        c.platforms = if flag || same_platforms(found, &all) {
            None
        } else if found.is_empty() {
            if others_name_some {
                c.notes.push(Note::NoPlatforms);
            }
            None
        } else {
            // The project's spelling, so the matrix compares them as equal.
            Some(
                found
                    .iter()
                    .filter_map(|p| all.iter().find(|q| q.same_as(p)).cloned())
                    .collect(),
            )
        };
    }
    widen(components, &all);
}

/// Adds to each dependency the platforms its dependents build and it lacks, until none lacks
/// any. bake builds a linked target for its dependent's platforms just so.
fn widen(components: &mut [Component], all: &[Platform]) {
    loop {
        let mut changed = false;
        for i in 0..components.len() {
            let needs = effective(&components[i], all);
            let dependent = components[i].name.clone();
            let deps: Vec<String> = components[i]
                .depends_on
                .iter()
                .map(|d| d.name.clone())
                .collect();
            for dep in deps {
                let Some(d) = components.iter_mut().find(|c| c.name == dep) else {
                    continue;
                };
                let has = effective(d, all);
                let missing: Vec<Platform> = needs
                    .iter()
                    .filter(|p| !has.iter().any(|q| q.same_as(p)))
                    .cloned()
                    .collect();
                if missing.is_empty() {
                    continue;
                }
                let widened = union([has.as_slice(), missing.as_slice()]);
                // In the project's order, as a reader compares them.
                let ordered: Vec<Platform> = all
                    .iter()
                    .filter(|p| widened.iter().any(|q| q.same_as(p)))
                    .cloned()
                    .collect();
                d.platforms = (!same_platforms(&ordered, all)).then_some(ordered);
                d.notes.push(Note::Widened {
                    platforms: missing,
                    for_dependent: dependent.clone(),
                });
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

fn effective(c: &Component, all: &[Platform]) -> Vec<Platform> {
    c.platforms.clone().unwrap_or_else(|| all.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::proposal::{Because, Dependency};

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn component(name: &str, deps: &[&str]) -> Component {
        Component {
            name: name.into(),
            depends_on: deps
                .iter()
                .map(|d| Dependency {
                    name: d.to_string(),
                    because: Because::BakeContext {
                        name: d.to_string(),
                        value: format!("target:{d}"),
                    },
                })
                .collect(),
            ..Component::default()
        }
    }

    #[test]
    fn components_list_platforms_only_when_they_differ() {
        let mut cs = vec![
            component("a", &[]),
            component("b", &[]),
            component("c", &[]),
        ];
        let found = vec![
            vec![p("linux/amd64"), p("linux/arm64")],
            vec![p("linux/arm64/v8")],
            vec![],
        ];
        let project = Platforms::Found(vec![p("linux/amd64"), p("linux/arm64")]);
        assign(&mut cs, &found, &project);
        assert_eq!(cs[0].platforms, None);
        assert_eq!(cs[1].platforms, Some(vec![p("linux/arm64")]));
        assert_eq!(cs[2].platforms, None);
        assert_eq!(cs[2].notes, [Note::NoPlatforms]);
    }

    #[test]
    fn the_flag_overrides_every_target() {
        let mut cs = vec![component("a", &[])];
        let project = Platforms::Flag(vec![p("linux/riscv64")]);
        assign(&mut cs, &[vec![p("linux/amd64")]], &project);
        assert_eq!(cs[0].platforms, None);
    }

    #[test]
    fn a_dependency_gets_what_its_dependents_build() {
        let mut cs = vec![
            component("base", &[]),
            component("mid", &["base"]),
            component("app", &["mid"]),
        ];
        let found = vec![
            vec![p("linux/amd64")],
            vec![p("linux/amd64")],
            vec![p("linux/amd64"), p("linux/arm64")],
        ];
        let project = Platforms::Found(vec![p("linux/amd64"), p("linux/arm64")]);
        assign(&mut cs, &found, &project);
        assert_eq!(cs[1].platforms, None, "mid widened to every platform");
        assert_eq!(cs[0].platforms, None, "base widened through mid");
        assert!(cs[0]
            .notes
            .iter()
            .any(|n| matches!(n, Note::Widened { for_dependent, .. } if for_dependent == "mid")));
    }
}
