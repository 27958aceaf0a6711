//! Platforms routed to another builder (`[platforms."linux/arm64"] builder = "arm-native"`).
//! Before anything runs, a column whose builder does not exist, cannot be reached, or does not
//! list the platform is refused with that reason, instead of each of its cells failing in
//! buildx one by one.

use super::buildx::{self, Builder, Facts, InspectError};
use crate::config::Matrix;
use crate::model::{CellStatus, Platform};
use crate::plan::Plan;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteBlock {
    pub platform: Platform,
    pub builder: String,
    pub reason: String,
}

/// Each routed builder with the platforms sent to it, in matrix order.
pub fn routed(matrix: &Matrix) -> Vec<(String, Vec<Platform>)> {
    let mut out: Vec<(String, Vec<Platform>)> = Vec::new();
    for (platform, route) in &matrix.platform_routes {
        let Some(name) = &route.builder else { continue };
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, platforms)) => platforms.push(platform.clone()),
            None => out.push((name.clone(), vec![platform.clone()])),
        }
    }
    out
}

/// Asks buildx about every routed builder; no builder is started or created.
pub async fn check(matrix: &Matrix) -> Vec<RouteBlock> {
    let routes = routed(matrix);
    if routes.is_empty() {
        return Vec::new();
    }
    let names: Vec<Option<String>> = routes.iter().map(|(n, _)| Some(n.clone())).collect();
    blocks(&routes, &buildx::query(&names).await)
}

/// The blocked columns, from what buildx said about each routed builder.
pub fn blocks(routes: &[(String, Vec<Platform>)], facts: &Facts) -> Vec<RouteBlock> {
    let mut out = Vec::new();
    for (name, platforms) in routes {
        let inspected = facts
            .used
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name.as_str()))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| Err(InspectError::Failed("buildx was not asked".to_string())));
        let mut block = |platform: &Platform, reason: String| {
            out.push(RouteBlock {
                platform: platform.clone(),
                builder: name.clone(),
                reason,
            })
        };
        match inspected {
            Err(e) => {
                let reason = if is_missing(name, &e, facts) {
                    let known = match &facts.listed {
                        Ok(list) => list.iter().map(|b| b.name.clone()).collect::<Vec<_>>(),
                        Err(_) => Vec::new(),
                    };
                    format!(
                        "builder {name} does not exist{}",
                        if known.is_empty() {
                            String::new()
                        } else {
                            format!(" (buildx knows {})", known.join(", "))
                        }
                    )
                } else {
                    format!("cannot tell whether builder {name} can build it: {e}")
                };
                for p in platforms {
                    block(p, reason.clone());
                }
            }
            Ok(builder) => {
                if let Some(why) = unreachable(&builder) {
                    for p in platforms {
                        block(p, format!("builder {name} cannot be reached: {why}"));
                    }
                    continue;
                }
                let listed = listed_platforms(&builder);
                for p in builder.missing_platforms(platforms) {
                    block(
                        p,
                        format!("builder {name} does not list {p} (its nodes list {listed})"),
                    );
                }
            }
        }
    }
    out
}

/// Sets every queued cell of a blocked column to a refusal with the column's reason. Returns
/// how many cells it refused.
pub fn refuse(plan: &Plan, statuses: &mut [CellStatus], blocks: &[RouteBlock]) -> usize {
    let mut refused = 0;
    for cell in &plan.cells {
        let Some(block) = blocks.iter().find(|b| b.platform.same_as(&cell.platform)) else {
            continue;
        };
        if matches!(statuses.get(cell.index), Some(CellStatus::Queued)) {
            statuses[cell.index] = CellStatus::Refused {
                reason: block.reason.clone(),
            };
            refused += 1;
        }
    }
    refused
}

fn is_missing(name: &str, error: &InspectError, facts: &Facts) -> bool {
    let unlisted = match &facts.listed {
        Ok(list) => !list.iter().any(|b| b.name == name),
        Err(_) => false,
    };
    unlisted || matches!(error, InspectError::NoSuchBuilder(_))
}

/// buildx still answers `inspect` for a builder whose daemon is down, with an `Error:` line.
fn unreachable(builder: &Builder) -> Option<String> {
    if let Some(e) = &builder.error {
        return Some(e.clone());
    }
    let all_failed = !builder.nodes.is_empty()
        && builder
            .nodes
            .iter()
            .all(|n| n.error.is_some() && n.platforms.is_empty());
    all_failed.then(|| {
        builder
            .nodes
            .iter()
            .filter_map(|n| n.error.as_ref().map(|e| format!("node {}: {e}", n.name)))
            .collect::<Vec<_>>()
            .join("; ")
    })
}

fn listed_platforms(builder: &Builder) -> String {
    let all: Vec<&str> = builder
        .nodes
        .iter()
        .flat_map(|n| n.platforms.iter().map(String::as_str))
        .collect();
    if all.is_empty() {
        "no platform".to_string()
    } else {
        all.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::buildx::{parse_inspect, parse_ls_json};

    fn sample(name: &str) -> String {
        crate::samples::text(name)
    }

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn facts(name: &str, inspected: Result<Builder, InspectError>) -> Facts {
        Facts {
            listed: parse_ls_json(&sample("ls-format-json.txt")),
            used: vec![(Some(name.to_string()), inspected)],
        }
    }

    #[test]
    fn a_builder_that_lists_the_platform_blocks_nothing() {
        let b = parse_inspect(&sample("inspect-default.txt")).unwrap();
        let routes = vec![("default".to_string(), vec![p("linux/arm64")])];
        assert_eq!(blocks(&routes, &facts("default", Ok(b))), []);
    }

    #[test]
    fn a_builder_without_the_platform_blocks_that_column() {
        let b = parse_inspect(&sample("inspect-docker-container-inactive.txt")).unwrap();
        let routes = vec![("rbx".to_string(), vec![p("linux/arm64"), p("linux/amd64")])];
        let got = blocks(&routes, &facts("rbx", Ok(b)));
        assert_eq!(
            got,
            [RouteBlock {
                platform: p("linux/arm64"),
                builder: "rbx".into(),
                reason: "builder rbx does not list linux/arm64 (its nodes list linux/amd64*)"
                    .into(),
            }]
        );
    }

    #[test]
    fn a_missing_builder_blocks_all_its_columns() {
        let err = Err(InspectError::from_buildx(
            "docker buildx inspect arm-native failed: ERROR: no builder \"arm-native\" found"
                .to_string(),
        ));
        let routes = vec![("arm-native".to_string(), vec![p("linux/arm64")])];
        let got = blocks(&routes, &facts("arm-native", err));
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].reason,
            "builder arm-native does not exist (buildx knows default)"
        );
    }

    #[test]
    fn an_unreachable_builder_says_why() {
        let text = "Name:          lab2\nDriver:        docker\nError:         Cannot connect to the Docker daemon at unix:///nope.sock. Is the docker daemon running?\n";
        let b = parse_inspect(text).unwrap();
        let routes = vec![("lab2".to_string(), vec![p("linux/arm64")])];
        let got = blocks(&routes, &facts("lab2", Ok(b)));
        assert_eq!(got.len(), 1);
        assert!(
            got[0]
                .reason
                .starts_with("builder lab2 cannot be reached: Cannot connect"),
            "{}",
            got[0].reason
        );
    }
}
