//! `archgrid builder create|inspect`: make the builder matrix.toml declares, and show what the
//! console's builder pane shows. Neither ever runs `docker buildx use`: the user's current
//! builder stays theirs.

use std::io::Write;
use std::process::Command;

use super::doctor::render_check;
use super::runtime;
use color_eyre::eyre::{eyre, WrapErr};

use super::hint;
use crate::config::Matrix;
use crate::docker::builder::{create_argv, rm_argv, wanted_node_network};
use crate::docker::builder_facts::{self, BuilderFacts, Found};
use crate::docker::buildx::{Node, NodeStatus};
use crate::doctor::{self, Level};
use crate::model::text::docker_command_line;

const EXIT_NOT_AS_DECLARED: i32 = 1;

pub fn create(matrix: &Matrix, recreate: bool, dry_run: bool) -> color_eyre::Result<i32> {
    let Some(cfg) = &matrix.builder else {
        return Err(hint(
            format!(
                "{} has no [builder] table, so there is no builder to create",
                matrix.path.display()
            ),
            "declare it, e.g. [builder] name = \"archgrid\", create = true, driver = \
             \"docker-container\", driver_opts = { network = \"host\" }, buildkitd_flags = \
             [\"--allow-insecure-entitlement\", \"network.host\"]",
        ));
    };
    let argv = create_argv(cfg).map_err(|e| eyre!(e))?;
    let name = cfg.name.clone().expect("create_argv checked the name");
    if dry_run {
        if recreate {
            println!("{}", docker_command_line(&rm_argv(&name)));
        }
        println!("{}", docker_command_line(&argv));
        return Ok(0);
    }

    let rt = runtime();
    let facts = rt.block_on(declared_facts(matrix));
    match facts.as_ref().map(|f| &f.found) {
        Some(Found::Present(_)) if !recreate => {
            let f = facts.as_ref().expect("matched");
            if f.differences.is_empty() && f.refusal.is_none() {
                println!("builder {name} already exists and matches matrix.toml; nothing to do");
                return Ok(0);
            }
            eprintln!("builder {name} already exists and is not what matrix.toml declares:");
            for line in problems(f) {
                eprintln!("  - {line}");
            }
            eprintln!("  hint: `archgrid builder create --recreate` replaces it");
            return Ok(EXIT_NOT_AS_DECLARED);
        }
        Some(Found::Present(_)) => {
            if let Some(code) = run_docker(&rm_argv(&name))? {
                return Ok(code);
            }
        }
        Some(Found::Unknown(e)) => {
            eprintln!("error: cannot tell whether builder {name} exists: {e}");
            return Ok(EXIT_NOT_AS_DECLARED);
        }
        Some(Found::Missing) | None => {}
    }
    if let Some(code) = run_docker(&argv)? {
        // buildx registers the builder before starting it, so a failed start leaves it behind.
        let after = rt.block_on(declared_facts(matrix));
        if matches!(after.map(|f| f.found), Some(Found::Present(_))) {
            eprintln!(
                "builder {name} is registered but did not start\n  hint: `docker buildx inspect \
                 --bootstrap {name}` retries starting it; `archgrid builder create --recreate` \
                 starts over"
            );
        }
        return Ok(code);
    }
    println!("builder {name} created; builds select it with --builder {name}");
    Ok(0)
}

pub fn inspect(matrix: &Matrix) -> i32 {
    let report = runtime().block_on(doctor::run(matrix));
    let mut out = std::io::stdout().lock();
    for check in &report.checks {
        let [head, why, fix] = render_check(check);
        let _ = writeln!(out, "{head}\n{why}");
        if check.level != Level::Ok {
            let _ = writeln!(out, "{fix}");
        }
    }
    for facts in &report.builders {
        let _ = writeln!(out);
        for line in describe(facts) {
            let _ = writeln!(out, "{line}");
        }
    }
    let builder_failed = report
        .checks
        .iter()
        .any(|c| c.name.starts_with("builder") && c.level == Level::Fail);
    if builder_failed {
        EXIT_NOT_AS_DECLARED
    } else {
        0
    }
}

/// The builder as the pane shows it: its nodes, options, flags, platforms, containers, and
/// how it differs from the matrix.
pub fn describe(facts: &BuilderFacts) -> Vec<String> {
    let mut lines = Vec::new();
    let declared = match &facts.declared {
        Some(_) => ", declared by [builder] in matrix.toml",
        None => "",
    };
    let builder = match &facts.found {
        Found::Missing => {
            lines.push(format!(
                "builder {}{declared}: does not exist",
                facts.label()
            ));
            return lines;
        }
        Found::Unknown(e) => {
            lines.push(format!("builder {}{declared}: {e}", facts.label()));
            return lines;
        }
        Found::Present(b) => b,
    };
    lines.push(format!(
        "builder {} ({} driver){declared}",
        facts.label(),
        builder.driver
    ));
    let built: Vec<String> = facts.platforms.iter().map(|p| p.to_string()).collect();
    lines.push(format!("  builds:           {}", built.join(", ")));
    if let Some(activity) = &builder.last_activity {
        lines.push(format!("  last activity:    {activity}"));
    }
    if let Some(e) = &builder.error {
        lines.push(format!("  error:            {e}"));
    }
    for node in &builder.nodes {
        lines.extend(describe_node(facts, node));
    }
    for unknown in &facts.unknowns {
        lines.push(format!("  note: {unknown}"));
    }
    if let Some(r) = &facts.refusal {
        lines.push(format!("builds would be refused: {}", r.why));
        lines.push(format!("  fix: {}", r.fix));
    }
    if facts.differences.is_empty() {
        if facts.declared.is_some() {
            lines.push("matches matrix.toml".into());
        }
    } else {
        lines.push(format!(
            "differs from matrix.toml ({}):",
            facts.differences.len()
        ));
        for d in &facts.differences {
            lines.push(format!("  - {d}"));
        }
        lines.push("  fix: archgrid builder create --recreate".into());
    }
    lines
}

fn describe_node(facts: &BuilderFacts, node: &Node) -> Vec<String> {
    let mut lines = vec![format!("  node {} at {}", node.name, node.endpoint)];
    let status = match &node.status {
        NodeStatus::Unknown => "unknown".to_string(),
        known => known.to_string(),
    };
    lines.push(format!("    status:         {status}"));
    lines.push(format!(
        "    BuildKit:       {}",
        node.buildkit.as_deref().unwrap_or("unknown until it runs")
    ));
    // The host network is what the seed's arm64 builds needed; it leads the line.
    let mut opts: Vec<&(String, String)> = node.driver_opts.iter().collect();
    opts.sort_by_key(|(k, _)| k != "network");
    let opts: Vec<String> = opts
        .iter()
        .map(|(k, v)| {
            if k == "network" && v == "host" {
                "network=host [HOST NETWORK]".to_string()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    lines.push(format!(
        "    driver options: {}",
        if opts.is_empty() {
            "none".to_string()
        } else {
            opts.join(" ")
        }
    ));
    lines.push(format!(
        "    daemon flags:   {}{}",
        if node.flags.is_empty() {
            "none".to_string()
        } else {
            node.flags.join(" ")
        },
        if node.allows_network_host() {
            "  (allows network.host)"
        } else {
            ""
        }
    ));
    lines.push(format!(
        "    platforms:      {}",
        if node.platforms.is_empty() {
            "unknown until it runs".to_string()
        } else {
            node.platforms.join(", ")
        }
    ));
    match facts.containers.iter().find(|c| c.node == node.name) {
        Some(c) => lines.push(format!(
            "    container:      {} {}, network {}, image {}",
            c.name,
            c.status_word(),
            c.network_mode.as_deref().unwrap_or("?"),
            c.image.as_deref().unwrap_or("?")
        )),
        None if facts
            .builder()
            .is_some_and(|b| b.driver == "docker-container") =>
        {
            let wanted = facts
                .declared
                .as_ref()
                .and_then(wanted_node_network)
                .map(|w| format!("; matrix.toml wants network {w}"))
                .unwrap_or_default();
            lines.push(format!(
                "    container:      none yet (buildx starts it on first use){wanted}"
            ));
        }
        None => {}
    }
    if let Some(e) = &node.error {
        lines.push(format!("    error:          {e}"));
    }
    lines
}

fn problems(facts: &BuilderFacts) -> Vec<String> {
    let mut out: Vec<String> = facts.differences.iter().map(|d| d.to_string()).collect();
    if let Some(r) = &facts.refusal {
        out.push(r.why.clone());
    }
    out
}

async fn declared_facts(matrix: &Matrix) -> Option<BuilderFacts> {
    let name = matrix.builder.as_ref()?.name.clone()?;
    builder_facts::gather(matrix)
        .await
        .into_iter()
        .find(|f| f.name.as_deref() == Some(name.as_str()))
}

/// Runs `docker ARGV` where the user sees its output, after showing the command. `Some(code)`
/// when docker ran and failed: its output already said why.
fn run_docker(argv: &[String]) -> color_eyre::Result<Option<i32>> {
    println!("$ {}", docker_command_line(argv));
    let _ = std::io::stdout().flush();
    let status = Command::new("docker")
        .args(argv)
        .status()
        .wrap_err("could not run docker")?;
    if status.success() {
        return Ok(None);
    }
    eprintln!("error: {} failed ({status})", docker_command_line(argv));
    Ok(Some(status.code().unwrap_or(EXIT_NOT_AS_DECLARED).max(1)))
}
