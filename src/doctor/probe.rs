//! Probe builds: a tiny build on the builder a platform's cells use, so doctor proves what
//! inspection can only suggest. A RUN probe copies a generated `exit(0)` binary into a
//! `FROM scratch` image and runs it, which needs the platform's emulation and, unless builds
//! use the host network, a container on the bridge. A fetch probe `ADD`s the registry's `/v2/`,
//! which BuildKit downloads from the builder itself, so it proves name resolution and the route
//! from the builder's network. Nothing is pulled, pushed or kept (`type=cacheonly`).

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use super::elf;
use super::probe_output::{self, FetchResult, RunResult};
use crate::config::Matrix;
use crate::docker::builder_facts::{BuilderFacts, Found};
use crate::docker::buildx::NodeStatus;
use crate::model::Platform;
use crate::plan::{docker_options, Facts, Plan};

/// Long enough for a cold emulated RUN on a busy machine; short enough that a builder that
/// never answers, or a registry address that swallows packets, leaves doctor usable.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Where a platform's cells build: the builder, and the docker context it is reached through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub builder: Option<String>,
    pub docker_context: Option<String>,
}

impl Site {
    pub fn label(&self) -> String {
        super::findings::builder_label(&self.builder)
    }
}

/// Each project platform that some cell builds, with the site its first cell builds on.
pub fn sites(matrix: &Matrix, facts: &Facts) -> Vec<(Platform, Site)> {
    let plan = Plan::new(matrix, facts);
    matrix
        .project
        .platforms
        .iter()
        .filter_map(|p| {
            let cell = plan.cells.iter().find(|c| &c.platform == p)?;
            Some((
                p.clone(),
                Site {
                    builder: cell.builder.clone(),
                    docker_context: cell.docker_context.clone(),
                },
            ))
        })
        .collect()
}

/// Why a probe on this builder would prove nothing, or cannot start; `None` when it can run.
pub fn not_probeable(facts: Option<&BuilderFacts>) -> Option<String> {
    let Some(facts) = facts else {
        return Some("the builder was not inspected".into());
    };
    let label = facts.label();
    let b = match &facts.found {
        Found::Present(b) => b,
        Found::Missing => {
            return Some(format!(
                "builder {label} does not exist (see the builder check)"
            ))
        }
        Found::Unknown(_) => {
            return Some(format!(
                "builder {label} cannot be inspected (see the builder check)"
            ))
        }
    };
    if facts.refusal.is_some() {
        return Some(format!(
            "builder {label} would refuse builds (see the builder check)"
        ));
    }
    if let Some(e) = &b.error {
        return Some(format!("builder {label}: {e}"));
    }
    // A stopped docker-container builder would be started by the probe, which may mean pulling
    // BuildKit's image; doctor leaves that to a real build.
    let usable = b.nodes.iter().any(|n| {
        n.error.is_none() && matches!(n.status, NodeStatus::Running | NodeStatus::Unknown)
    });
    if !usable {
        let states: Vec<String> = b
            .nodes
            .iter()
            .map(|n| format!("node {} {}", n.name, n.status))
            .collect();
        return Some(format!(
            "builder {label} is not running ({}); `docker buildx inspect --bootstrap {}` starts it",
            if states.is_empty() {
                "no nodes".to_string()
            } else {
                states.join(", ")
            },
            b.name
        ));
    }
    None
}

/// `docker [--context C] buildx build …` for a probe: no cache, so the step really runs, plain
/// progress to classify, and nothing exported.
pub fn argv(
    site: &Site,
    platform: Option<&Platform>,
    host_network: bool,
    context: &Path,
) -> Vec<String> {
    let mut argv = docker_options(site.docker_context.as_deref());
    argv.extend(["buildx", "build"].map(String::from));
    if let Some(builder) = &site.builder {
        argv.extend(["--builder".to_string(), builder.clone()]);
    }
    if let Some(p) = platform {
        argv.extend(["--platform".to_string(), p.to_string()]);
    }
    argv.extend(
        [
            "--no-cache",
            "--progress",
            "plain",
            "--output",
            "type=cacheonly",
        ]
        .map(String::from),
    );
    if host_network {
        argv.extend(["--network", "host", "--allow", "network.host"].map(String::from));
    }
    argv.push(context.display().to_string());
    argv
}

/// Runs the RUN probe for `platform` on `site`.
pub async fn run(platform: &Platform, site: &Site, host_network: bool) -> RunResult {
    let Some(binary) = elf::probe(platform) else {
        return RunResult::NoProbe;
    };
    let dockerfile =
        "# archgrid doctor: can this platform run a binary, on the network builds use?\n\
                      FROM scratch\nCOPY probe /probe\nRUN [\"/probe\"]\n";
    let dir = match context(dockerfile, Some(&binary)) {
        Ok(d) => d,
        Err(e) => return RunResult::Failed { sentence: e },
    };
    let argv = argv(site, Some(platform), host_network, dir.path());
    let started = Instant::now();
    match build(&argv).await {
        Built::Done { success, stderr } => {
            probe_output::run_result(success, &stderr, started.elapsed())
        }
        Built::TimedOut => RunResult::TimedOut,
        Built::NotStarted(e) => RunResult::NotProbed { why: e },
    }
}

/// Fetches `url` (a registry's `/v2/`) from inside `site`'s builder.
pub async fn fetch(url: &str, site: &Site) -> FetchResult {
    let dockerfile = format!(
        "# archgrid doctor: does the registry answer the builder itself?\nFROM scratch\nADD {url} /v2\n"
    );
    let dir = match context(&dockerfile, None) {
        Ok(d) => d,
        Err(e) => return FetchResult::Failed { sentence: e },
    };
    match build(&argv(site, None, false, dir.path())).await {
        Built::Done { success, stderr } => probe_output::fetch_result(success, &stderr),
        Built::TimedOut => FetchResult::TimedOut { sentence: None },
        Built::NotStarted(e) => FetchResult::NotProbed { why: e },
    }
}

/// A build context of its own per probe, so probes run side by side; removed when dropped.
fn context(dockerfile: &str, probe: Option<&[u8]>) -> Result<tempfile::TempDir, String> {
    use std::os::unix::fs::PermissionsExt;
    let fail = |e: std::io::Error| format!("cannot write the probe's build context: {e}");
    let dir = tempfile::Builder::new()
        .prefix("archgrid-probe-")
        .tempdir()
        .map_err(fail)?;
    std::fs::write(dir.path().join("Dockerfile"), dockerfile).map_err(fail)?;
    if let Some(bytes) = probe {
        let path = dir.path().join("probe");
        std::fs::write(&path, bytes).map_err(fail)?;
        // COPY keeps the mode the file has in the context, and RUN needs it executable.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    }
    Ok(dir)
}

enum Built {
    Done { success: bool, stderr: String },
    TimedOut,
    NotStarted(String),
}

async fn build(argv: &[String]) -> Built {
    let mut cmd = tokio::process::Command::new("docker");
    cmd.args(argv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        // On a timeout the child is dropped; killing buildx closes its session, and BuildKit
        // cancels the build.
        .kill_on_drop(true);
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Built::NotStarted(format!("could not run docker: {e}")),
    };
    match tokio::time::timeout(TIMEOUT, child.wait_with_output()).await {
        Err(_) => Built::TimedOut,
        Ok(Err(e)) => Built::NotStarted(format!("could not wait for docker: {e}")),
        Ok(Ok(out)) => Built::Done {
            success: out.status.success(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::buildx::parse_inspect;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    #[test]
    fn the_argv_is_a_plain_cacheonly_build() {
        let site = Site {
            builder: None,
            docker_context: None,
        };
        assert_eq!(
            argv(&site, Some(&p("linux/arm64")), false, Path::new("/tmp/ctx")),
            [
                "buildx",
                "build",
                "--platform",
                "linux/arm64",
                "--no-cache",
                "--progress",
                "plain",
                "--output",
                "type=cacheonly",
                "/tmp/ctx"
            ]
        );
        let routed = Site {
            builder: Some("lab2".into()),
            docker_context: Some("lab2".into()),
        };
        let a = argv(&routed, None, true, Path::new("/c"));
        assert_eq!(
            a[..6],
            ["--context", "lab2", "buildx", "build", "--builder", "lab2"]
        );
        assert_eq!(
            a[a.len() - 5..],
            ["--network", "host", "--allow", "network.host", "/c"]
        );
    }

    #[test]
    fn sites_follow_the_plans_routes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Dockerfile"), "FROM scratch\n").unwrap();
        let text = "[project]\nname = \"p\"\ntag = \"t\"\nplatforms = [\"linux/amd64\", \
                    \"linux/arm64\", \"linux/riscv64\"]\n\n[platforms.\"linux/arm64\"]\n\
                    builder = \"lab2\"\n\n[[component]]\nname = \"a\"\ncontext = \".\"\n\
                    platforms = [\"linux/amd64\", \"linux/arm64\"]\n";
        let matrix = Matrix::from_str(text, &dir.path().join("matrix.toml")).unwrap();
        let facts = Facts {
            docker_contexts: ["lab2".to_string()].into(),
            ..Default::default()
        };
        let got = sites(&matrix, &facts);
        assert_eq!(
            got,
            [
                (
                    p("linux/amd64"),
                    Site {
                        builder: None,
                        docker_context: None
                    }
                ),
                (
                    p("linux/arm64"),
                    Site {
                        builder: Some("lab2".into()),
                        docker_context: Some("lab2".into())
                    }
                ),
            ],
            "riscv64 has no cell, so nothing is probed for it"
        );
    }

    fn facts(found: Found) -> BuilderFacts {
        BuilderFacts {
            name: Some("rbx".into()),
            declared: None,
            platforms: Vec::new(),
            found,
            containers: Vec::new(),
            unknowns: Vec::new(),
            differences: Vec::new(),
            refusal: None,
        }
    }

    #[test]
    fn only_a_running_builder_is_probed() {
        let running = parse_inspect(&crate::samples::text("inspect-default.txt")).unwrap();
        assert_eq!(not_probeable(Some(&facts(Found::Present(running)))), None);
        let inactive = parse_inspect(&crate::samples::text(
            "inspect-docker-container-inactive.txt",
        ))
        .unwrap();
        let why = not_probeable(Some(&facts(Found::Present(inactive)))).unwrap();
        assert_eq!(
            why,
            "builder rbx is not running (node rbx0 inactive); `docker buildx inspect \
             --bootstrap rbx` starts it"
        );
        let why = not_probeable(Some(&facts(Found::Missing))).unwrap();
        assert_eq!(why, "builder rbx does not exist (see the builder check)");
    }
}
