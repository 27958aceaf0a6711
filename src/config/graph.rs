//! Checks on `depends_on`: every edge must lead somewhere, the graph must be
//! acyclic so there is a build order, and a dependency must exist for every
//! platform its dependents are built for.

use std::collections::HashMap;
use std::ops::Range;

use super::error::Collector;
use super::raw::Text;
use super::suggest::closest;
use crate::model::Platform;

pub(super) struct Node {
    pub name: Text,
    pub platforms: Vec<Platform>,
    pub depends_on: Vec<Text>,
}

/// `broken` names components that exist but failed to parse; edges to them
/// are neither errors nor checked.
pub(super) fn check(nodes: &[Node], broken: &[String], errors: &mut Collector<'_>) {
    let mut index = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        // Later duplicates are already reported; edges go to the first one.
        index.entry(node.name.get_ref().as_str()).or_insert(i);
    }

    let mut edges: Vec<Vec<(usize, Range<usize>)>> = vec![Vec::new(); nodes.len()];
    for (i, node) in nodes.iter().enumerate() {
        for dep in &node.depends_on {
            match index.get(dep.get_ref().as_str()) {
                Some(&j) => edges[i].push((j, dep.span())),
                None if broken.contains(dep.get_ref()) => {}
                None => unknown_dependency(node, dep, nodes, errors),
            }
        }
    }

    report_cycles(nodes, &edges, errors);
    report_missing_platforms(nodes, &edges, errors);
}

fn unknown_dependency(node: &Node, dep: &Text, nodes: &[Node], errors: &mut Collector<'_>) {
    let names = || nodes.iter().map(|n| n.name.get_ref().as_str());
    let hint = match closest(dep.get_ref(), names()) {
        Some(guess) => format!("did you mean {guess:?}?"),
        None => format!(
            "depends_on takes names of other components: {}",
            names().collect::<Vec<_>>().join(", ")
        ),
    };
    errors.push(
        dep.span(),
        format!(
            "component {:?} depends on unknown component {:?}",
            node.name.get_ref(),
            dep.get_ref()
        ),
        hint,
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Visit {
    New,
    OnPath,
    Done,
}

/// Reports each edge that closes a cycle, at that edge, naming the whole
/// loop so it can be broken anywhere.
fn report_cycles(nodes: &[Node], edges: &[Vec<(usize, Range<usize>)>], errors: &mut Collector<'_>) {
    fn visit(
        i: usize,
        nodes: &[Node],
        edges: &[Vec<(usize, Range<usize>)>],
        state: &mut [Visit],
        path: &mut Vec<usize>,
        errors: &mut Collector<'_>,
    ) {
        state[i] = Visit::OnPath;
        path.push(i);
        for (j, span) in &edges[i] {
            match state[*j] {
                Visit::New => visit(*j, nodes, edges, state, path, errors),
                Visit::OnPath => {
                    let start = path.iter().position(|k| k == j).unwrap_or(0);
                    let names: Vec<&str> = path[start..]
                        .iter()
                        .chain(std::iter::once(j))
                        .map(|&k| nodes[k].name.get_ref().as_str())
                        .collect();
                    errors.push(
                        span.clone(),
                        format!("dependency cycle: {}", names.join(" -> ")),
                        "remove one of these depends_on entries so the components can be built in order",
                    );
                }
                Visit::Done => {}
            }
        }
        path.pop();
        state[i] = Visit::Done;
    }

    let mut state = vec![Visit::New; nodes.len()];
    let mut path = Vec::new();
    for i in 0..nodes.len() {
        if state[i] == Visit::New {
            visit(i, nodes, edges, &mut state, &mut path, errors);
        }
    }
}

fn report_missing_platforms(
    nodes: &[Node],
    edges: &[Vec<(usize, Range<usize>)>],
    errors: &mut Collector<'_>,
) {
    for (i, node) in nodes.iter().enumerate() {
        for (j, span) in &edges[i] {
            let dep = &nodes[*j];
            if *j == i {
                continue;
            }
            let missing: Vec<String> = node
                .platforms
                .iter()
                .filter(|p| !dep.platforms.iter().any(|q| q.same_as(p)))
                .map(Platform::to_string)
                .collect();
            if missing.is_empty() {
                continue;
            }
            let missing = missing.join(", ");
            let (name, dep_name) = (node.name.get_ref(), dep.name.get_ref());
            errors.push(
                span.clone(),
                format!("{name} builds {missing} but its dependency {dep_name} does not"),
                format!("add {missing} to {dep_name}'s platforms, or remove it from {name}'s"),
            );
        }
    }
}
