//! Dependencies the Dockerfiles name: an image a proposed component's build reads that is
//! another proposed component's is written into `depends_on`, with the line that reads it.
//! The names that mean a component are the ones planning uses: the bare name untagged,
//! `{registry}/{component}` and an alias, with any tag.

use std::path::Path;

use super::paths;
use super::proposal::{Because, Component, Dependency, Note};
use crate::dockerfile::ComponentNames;
use crate::model::Platform;

/// Reads each component's Dockerfile (its context under `matrix_dir`) with its args and target
/// on every platform it builds, and adds what it reads of the others to `depends_on`. An edge
/// that would close a cycle is left out with a note, since no build order could satisfy it.
pub fn add_from_dockerfiles(
    components: &mut [Component],
    matrix_dir: &Path,
    registry: Option<&str>,
    project: &str,
    platforms: &[Platform],
) {
    let names = ComponentNames::new(
        registry,
        project,
        components
            .iter()
            .map(|c| (c.name.as_str(), c.aliases.as_slice())),
    );
    for i in 0..components.len() {
        let c = &components[i];
        let dockerfile_name = c.dockerfile.clone().unwrap_or_else(|| "Dockerfile".into());
        let path = paths::absolute(matrix_dir, Path::new(&c.context)).join(&dockerfile_name);
        let file = match crate::dockerfile::read(&path) {
            Ok(file) => file,
            Err(message) => {
                components[i].notes.push(Note::DockerfileUnread { message });
                continue;
            }
        };
        let builds = c.platforms.clone().unwrap_or_else(|| platforms.to_vec());
        let mut found = Vec::new();
        for platform in &builds {
            for u in file.image_uses(&c.args, platform, c.target.as_deref()) {
                let dep = names.component(&u.reference).filter(|d| *d != c.name);
                // The first line that reads it, of the first platform, is the one to show.
                if let Some(dep) = dep.filter(|d| !found.iter().any(|f: &Dependency| f.name == *d))
                {
                    found.push(Dependency {
                        name: dep.to_string(),
                        because: Because::Dockerfile {
                            file: dockerfile_name.clone(),
                            line: u.line,
                            instruction: u.instruction,
                        },
                    });
                }
            }
        }
        for dependency in found {
            if components[i].depends_on(&dependency.name) {
                continue;
            }
            if reaches(components, &dependency.name, &components[i].name) {
                let dependent = components[i].name.clone();
                components[i].notes.push(Note::CycleLeftOut {
                    dependency: dependency.name.clone(),
                    because: dependency.because.to_string(),
                    dependent,
                });
                continue;
            }
            components[i].add_dependency(dependency);
        }
    }
}

/// Whether `from` already depends, through any path, on `to`.
fn reaches(components: &[Component], from: &str, to: &str) -> bool {
    let mut stack = vec![from.to_string()];
    let mut seen = Vec::new();
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if seen.contains(&name) {
            continue;
        }
        if let Some(c) = components.iter().find(|c| c.name == name) {
            stack.extend(c.depends_on.iter().map(|d| d.name.clone()));
        }
        seen.push(name);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(dir: &Path, name: &str, dockerfile: &str, aliases: &[&str]) -> Component {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("Dockerfile"), dockerfile).unwrap();
        Component {
            name: name.into(),
            context: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..Component::default()
        }
    }

    fn edges(c: &Component) -> Vec<(String, String)> {
        c.depends_on
            .iter()
            .map(|d| (d.name.clone(), d.because.to_string()))
            .collect()
    }

    #[test]
    fn from_lines_naming_components_become_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut cs = vec![
            component(d, "os-base", "FROM localhost:5000/library/debian:bookworm\n", &[]),
            component(d, "toolchain", "# tools\nFROM os-base\n", &["acme/toolchain"]),
            component(
                d,
                "inference",
                "ARG TOOLS=toolchain\nFROM ${TOOLS} AS build\nFROM build AS compile\nFROM localhost:5000/ai/os-base:0.4 AS runtime\nCOPY --from=compile /x /x\n",
                &[],
            ),
            component(
                d,
                "web",
                "FROM acme/toolchain:1 AS tools\nFROM nginx:1.25\nCOPY --from=tools /a /a\n",
                &[],
            ),
        ];
        let platforms = crate::import::proposal::default_platforms();
        add_from_dockerfiles(&mut cs, d, Some("localhost:5000/ai"), "ai", &platforms);
        assert_eq!(edges(&cs[0]), []);
        assert_eq!(
            edges(&cs[1]),
            [("os-base".into(), "FROM os-base (Dockerfile:2)".into())]
        );
        assert_eq!(
            edges(&cs[2]),
            [
                ("toolchain".into(), "FROM ${TOOLS} (Dockerfile:2)".into()),
                (
                    "os-base".into(),
                    "FROM localhost:5000/ai/os-base:0.4 (Dockerfile:4)".into()
                ),
            ]
        );
        // An alias, with any tag; nginx:1.25 is no component.
        assert_eq!(
            edges(&cs[3]),
            [(
                "toolchain".into(),
                "FROM acme/toolchain:1 (Dockerfile:1)".into()
            )]
        );
    }

    #[test]
    fn an_edge_that_would_close_a_cycle_is_left_out_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut cs = vec![
            component(d, "a", "FROM b\n", &[]),
            component(d, "b", "FROM a\n", &[]),
        ];
        let platforms = crate::import::proposal::default_platforms();
        add_from_dockerfiles(&mut cs, d, None, "p", &platforms);
        assert_eq!(edges(&cs[0]).len(), 1);
        assert_eq!(edges(&cs[1]), []);
        assert!(matches!(cs[1].notes[..], [Note::CycleLeftOut { .. }]));
    }

    #[test]
    fn an_unreadable_dockerfile_is_noted() {
        let dir = tempfile::tempdir().unwrap();
        let mut cs = vec![Component {
            name: "gone".into(),
            context: "gone".into(),
            ..Component::default()
        }];
        add_from_dockerfiles(&mut cs, dir.path(), None, "p", &[]);
        assert!(matches!(cs[0].notes[..], [Note::DockerfileUnread { .. }]));
    }
}
