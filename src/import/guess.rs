//! What the targets' tags and platforms say about the project: its registry, its tag, the
//! other names of each component's image, and the platforms to build.

use crate::config::reference::{check_image, check_registry, is_tag};
use crate::model::Platform;

/// One target's tags and the names its image may have in them.
pub struct Tagged<'a> {
    /// The component name, and the target's own when it differs.
    pub names: Vec<&'a str>,
    pub tags: &'a [String],
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Guess {
    pub registry: Option<String>,
    pub tag: Option<String>,
}

/// `name[:tag][@digest]` → (`name`, `tag`).
pub fn split_reference(reference: &str) -> (&str, Option<&str>) {
    let name_tag = reference.split('@').next().unwrap_or(reference);
    match name_tag.rsplit_once(':') {
        // A colon before the last slash is a registry's port.
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (name_tag, None),
    }
}

/// The registry and tag every tagged target agrees on: each must have a tag
/// `{registry}/{name}:{tag}` for one of its names. Registry and tag are guessed apart, so
/// targets tagged with different versions still give the registry. Targets without tags say
/// nothing either way.
pub fn registry_and_tag(targets: &[Tagged<'_>]) -> Guess {
    let mut registries: Option<Vec<String>> = None;
    let mut tags: Option<Vec<String>> = None;
    for target in targets.iter().filter(|t| !t.tags.is_empty()) {
        let mut rs = Vec::new();
        let mut ts = Vec::new();
        for reference in target.tags {
            let (repository, tag) = split_reference(reference);
            let Some((registry, last)) = repository.rsplit_once('/') else {
                continue;
            };
            if !target.names.contains(&last) {
                continue;
            }
            rs.push(registry.to_string());
            if let Some(tag) = tag {
                ts.push(tag.to_string());
            }
        }
        intersect(&mut registries, rs);
        intersect(&mut tags, ts);
    }
    let first = |found: Option<Vec<String>>| found.and_then(|f| f.into_iter().next());
    Guess {
        registry: first(registries).filter(|r| check_registry(r).is_ok()),
        tag: first(tags).filter(|t| is_tag(t)),
    }
}

/// Keeps in `acc` what is also in `these`; the first list seen sets the order.
fn intersect(acc: &mut Option<Vec<String>>, these: Vec<String>) {
    *acc = Some(match acc.take() {
        None => these,
        Some(before) => before.into_iter().filter(|v| these.contains(v)).collect(),
    });
}

/// The repositories of `tags` other than `{registry}/{component}`: names Dockerfiles may use
/// for this component's image. Names the matrix would refuse as an alias are left out.
pub fn tag_aliases(component: &str, registry: Option<&str>, tags: &[String]) -> Vec<String> {
    let own = registry.map(|r| format!("{r}/{component}"));
    let mut out: Vec<String> = Vec::new();
    for reference in tags {
        let (repository, _) = split_reference(reference);
        if repository == component
            || own.as_deref() == Some(repository)
            || out.iter().any(|o| o == repository)
            || check_image(repository).is_err()
        {
            continue;
        }
        out.push(repository.to_string());
    }
    out
}

/// Every platform of `lists`, the first spelling of each, in the order first seen.
pub fn union<'a>(lists: impl IntoIterator<Item = &'a [Platform]>) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for platform in lists.into_iter().flatten() {
        if !out.iter().any(|p| p.same_as(platform)) {
            out.push(platform.clone());
        }
    }
    out
}

/// Whether both name the same platforms, in any order and spelling.
pub fn same_platforms(a: &[Platform], b: &[Platform]) -> bool {
    a.iter().all(|p| b.iter().any(|q| q.same_as(p)))
        && b.iter().all(|q| a.iter().any(|p| p.same_as(q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn agreeing_tags_give_registry_and_tag() {
        let api = tags(&[
            "localhost:5000/shop/api:1.4.2",
            "localhost:5000/shop/api:latest",
        ]);
        let web = tags(&["localhost:5000/shop/web:1.4.2"]);
        let guess = registry_and_tag(&[
            Tagged {
                names: vec!["api"],
                tags: &api,
            },
            Tagged {
                names: vec!["web"],
                tags: &web,
            },
            Tagged {
                names: vec!["untagged"],
                tags: &[],
            },
        ]);
        assert_eq!(
            guess,
            Guess {
                registry: Some("localhost:5000/shop".into()),
                tag: Some("1.4.2".into())
            }
        );
    }

    #[test]
    fn the_target_name_counts_when_the_component_was_renamed() {
        // Target "Odd_Name" became component "odd_name"; its tag still names the target.
        let odd = tags(&["registry.example.com/acme/Odd_Name:2"]);
        let guess = registry_and_tag(&[Tagged {
            names: vec!["odd_name", "Odd_Name"],
            tags: &odd,
        }]);
        assert_eq!(guess.registry.as_deref(), Some("registry.example.com/acme"));
        assert_eq!(guess.tag.as_deref(), Some("2"));
    }

    #[test]
    fn disagreement_guesses_nothing_for_that_part() {
        let api = tags(&["localhost:5000/shop/api:1.0"]);
        let web = tags(&["localhost:5000/shop/web:2.0"]);
        let guess = registry_and_tag(&[
            Tagged {
                names: vec!["api"],
                tags: &api,
            },
            Tagged {
                names: vec!["web"],
                tags: &web,
            },
        ]);
        assert_eq!(guess.registry.as_deref(), Some("localhost:5000/shop"));
        assert_eq!(guess.tag, None);

        // A target tagged with another name, or with no registry, breaks the agreement.
        let local = tags(&["myapp"]);
        let guess = registry_and_tag(&[
            Tagged {
                names: vec!["api"],
                tags: &api,
            },
            Tagged {
                names: vec!["app"],
                tags: &local,
            },
        ]);
        assert_eq!(guess, Guess::default());
    }

    #[test]
    fn references_split_at_the_tag_not_the_port() {
        assert_eq!(
            split_reference("localhost:5000/a/b:1"),
            ("localhost:5000/a/b", Some("1"))
        );
        assert_eq!(
            split_reference("localhost:5000/a/b"),
            ("localhost:5000/a/b", None)
        );
        assert_eq!(split_reference("b@sha256:00"), ("b", None));
        assert_eq!(split_reference("b:2@sha256:00"), ("b", Some("2")));
    }

    #[test]
    fn other_repositories_become_aliases() {
        let t = tags(&[
            "localhost:5000/shop/api:1",
            "localhost:5000/shop/api:latest",
            "acme/api:1",
            "api:dev",
            "Bad/Name:1",
        ]);
        assert_eq!(
            tag_aliases("api", Some("localhost:5000/shop"), &t),
            ["acme/api"]
        );
        assert_eq!(
            tag_aliases("api", None, &t),
            ["localhost:5000/shop/api", "acme/api"]
        );
    }

    #[test]
    fn platforms_union_in_first_seen_order() {
        let p = |s: &str| s.parse::<Platform>().unwrap();
        let a = [p("linux/arm64"), p("linux/amd64")];
        let b = [p("linux/amd64"), p("linux/arm/v7"), p("linux/arm64/v8")];
        assert_eq!(
            union([&a[..], &b[..]]),
            [p("linux/arm64"), p("linux/amd64"), p("linux/arm/v7")]
        );
        assert!(same_platforms(&a, &[p("linux/amd64"), p("linux/arm64/v8")]));
        assert!(!same_platforms(&a, &b));
    }
}
