//! What doctor checks this machine for: a project's matrix, or, before there is one, the
//! platforms most projects build for, on the builder buildx uses when none is named.

use super::bridge;
use super::probe::{self, Site};
use crate::config::Matrix;
use crate::docker::builder_facts::{self, BuilderFacts};
use crate::model::Platform;
use crate::plan::Facts;

/// The platforms checked when there is no matrix.
pub const MACHINE_PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];

#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Matrix(&'a Matrix),
    /// No matrix: these platforms on buildx's current builder, with no registry to reach and no
    /// declared builder to compare.
    Machine(&'a [Platform]),
}

/// `MACHINE_PLATFORMS`, parsed.
pub fn machine_platforms() -> Vec<Platform> {
    MACHINE_PLATFORMS
        .iter()
        .map(|p| p.parse().expect("a valid platform"))
        .collect()
}

impl Subject<'_> {
    pub fn platforms(&self) -> &[Platform] {
        match self {
            Subject::Matrix(m) => &m.project.platforms,
            Subject::Machine(platforms) => platforms,
        }
    }

    pub fn registry(&self) -> Option<&str> {
        match self {
            Subject::Matrix(m) => m.project.registry.as_deref(),
            Subject::Machine(_) => None,
        }
    }

    /// Whether every build runs on the host network, so no RUN needs the bridge.
    pub fn host_network(&self) -> bool {
        match self {
            Subject::Matrix(m) => bridge::unused(m),
            Subject::Machine(_) => false,
        }
    }

    /// Where each platform's builds run, to probe there.
    pub fn sites(&self, facts: &Facts) -> Vec<(Platform, Site)> {
        match self {
            Subject::Matrix(m) => probe::sites(m, facts),
            Subject::Machine(platforms) => platforms
                .iter()
                .map(|p| {
                    let current = Site {
                        builder: None,
                        docker_context: None,
                    };
                    (p.clone(), current)
                })
                .collect(),
        }
    }

    /// Facts of every builder the builds use.
    pub async fn builders(&self) -> Vec<BuilderFacts> {
        match self {
            Subject::Matrix(m) => builder_facts::gather(m).await,
            Subject::Machine(platforms) => {
                builder_facts::gather_used(vec![(None, platforms.to_vec())], None).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_matrix_each_platform_is_probed_on_the_current_builder() {
        let platforms = machine_platforms();
        let machine = Subject::Machine(&platforms);
        assert_eq!(machine.platforms(), platforms);
        assert_eq!(machine.registry(), None);
        assert!(!machine.host_network(), "builds use the bridge by default");
        let sites = machine.sites(&Facts::default());
        let names: Vec<String> = sites.iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(names, MACHINE_PLATFORMS);
        assert!(sites
            .iter()
            .all(|(_, s)| s.builder.is_none() && s.docker_context.is_none()));
    }
}
