//! The builder check before any cell starts: a builder that would refuse every build, or does
//! not exist, is one clear error instead of a grid of identical failures.

use std::process::Stdio;

use super::builder::{create_argv, is_declared};
use super::builder_facts::{self, BuilderFacts, Found};
use crate::config::Matrix;
use crate::model::text::docker_command_line;

/// What the check said, for the front end to show.
#[derive(Debug, Default)]
pub struct Preflight {
    /// Things done or noticed that do not stop the build (a builder created, drift).
    pub notes: Vec<String>,
}

/// Creates the declared builder when it is missing and `create = true`; refuses builders that
/// are missing or would refuse `--allow network.host`. Never changes the current builder.
pub async fn check(matrix: &Matrix) -> Result<Preflight, String> {
    let mut pre = Preflight::default();
    // Without a [builder] or routes, cells use the current builder as buildx would.
    if matrix.builder.is_none() && matrix.platform_routes.values().all(|r| r.builder.is_none()) {
        return Ok(pre);
    }
    let mut facts = builder_facts::gather(matrix).await;
    if let Some(creatable) = facts.iter().find(|f| {
        f.found == Found::Missing
            && f.declared
                .as_ref()
                .is_some_and(|d| d.create && is_declared(d))
    }) {
        let cfg = creatable.declared.as_ref().expect("checked above");
        let argv = create_argv(cfg)?;
        pre.notes.push(format!(
            "builder {} does not exist and [builder] create = true: {}",
            creatable.label(),
            docker_command_line(&argv)
        ));
        create(&argv, &creatable.label()).await?;
        facts = builder_facts::gather(matrix).await;
    }
    let routed: Vec<String> = super::routes::routed(matrix)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for f in &facts {
        // A routed builder that is missing or unreachable blocks only its own columns; the
        // route check does that.
        let only_routed =
            f.declared.is_none() && f.name.as_ref().is_some_and(|n| routed.contains(n));
        if only_routed && !matches!(f.found, Found::Present(_)) {
            continue;
        }
        refuse(f)?;
        if !f.differences.is_empty() {
            let list: Vec<String> = f.differences.iter().map(|d| d.to_string()).collect();
            pre.notes.push(format!(
                "builder {} differs from matrix.toml ({}); `archgrid builder create --recreate` \
                 replaces it",
                f.label(),
                list.join("; ")
            ));
        }
    }
    Ok(pre)
}

fn refuse(f: &BuilderFacts) -> Result<(), String> {
    match &f.found {
        Found::Missing => {
            let fix = match &f.declared {
                Some(d) if is_declared(d) => {
                    "run `archgrid builder create` (or set create = true under [builder])"
                        .to_string()
                }
                _ => format!(
                    "create it with docker buildx create --name {0} …, or declare it under \
                     [builder] in matrix.toml and run `archgrid builder create`",
                    f.label()
                ),
            };
            Err(format!(
                "builder {} does not exist\n  hint: {fix}",
                f.label()
            ))
        }
        Found::Unknown(e) => Err(format!(
            "cannot tell what builder {} is: {e}\n  hint: `docker buildx ls` lists the builders",
            f.label()
        )),
        Found::Present(_) => match &f.refusal {
            Some(r) => Err(format!("{}\n  hint: {}", r.why, r.fix)),
            None => Ok(()),
        },
    }
}

async fn create(argv: &[String], name: &str) -> Result<(), String> {
    let out = tokio::process::Command::new("docker")
        .args(argv)
        .stdin(Stdio::null())
        .output()
        .await
        .map_err(|e| format!("could not run docker: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{} failed ({}): {}\n  hint: `docker buildx inspect --bootstrap {name}` retries starting \
         it; `archgrid builder create --recreate` starts over",
        docker_command_line(argv),
        out.status,
        last_error(&String::from_utf8_lossy(&out.stderr))
    ))
}

/// buildx prints its bootstrap progress before the error; the last `ERROR:` line is the reason.
fn last_error(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("ERROR:"))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("no error output")
        .trim()
}

#[cfg(test)]
mod tests {
    use super::last_error;

    #[test]
    fn the_reason_is_the_last_error_line() {
        let stderr =
            "#1 [internal] booting buildkit\n#1 ERROR: pull failed\n------\n > [internal] \
                      booting buildkit:\n------\nERROR: pull failed\n";
        assert_eq!(last_error(stderr), "ERROR: pull failed");
        assert_eq!(last_error("boom\n\n"), "boom");
        assert_eq!(last_error(""), "no error output");
    }
}
