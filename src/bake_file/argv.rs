//! One cell's `docker buildx build` argv read back into a bake target. Reading the argv rather
//! than the matrix keeps the two in step: whatever archgrid passes is either carried over or
//! named as left out.

use std::collections::BTreeMap;
use std::path::Path;

use super::paths;
use super::{Gap, Target};

/// What one cell's argv becomes.
pub(super) struct Read {
    pub target: Target,
    pub docker_context: Option<String>,
    pub builder: Option<String>,
    /// Options with no place in the file, as they appear in the argv.
    pub gaps: Vec<(Vec<String>, Gap)>,
}

/// Options whose value is the next argument.
const VALUED: &[&str] = &[
    "--platform",
    "--file",
    "--tag",
    "--build-arg",
    "--target",
    "--build-context",
    "--secret",
    "--ssh",
    "--label",
    "--cache-from",
    "--cache-to",
    "--metadata-file",
    "--builder",
    "--network",
    "--allow",
    "--progress",
    "--provenance",
];

/// `deps` maps each dependency's per-arch image to its target's name: a context that reads
/// that image becomes `target:NAME`, so bake builds the dependency in the same run.
pub(super) fn read(argv: &[String], deps: &BTreeMap<&str, &str>, root: &Path) -> Read {
    let mut read = Read {
        target: Target::default(),
        docker_context: None,
        builder: None,
        gaps: Vec::new(),
    };
    let mut tokens = argv.iter().map(String::as_str);
    // Options of docker itself come before `buildx build`.
    while let Some(token) = tokens.next() {
        match token {
            "--context" => read.docker_context = tokens.next().map(str::to_string),
            "buildx" => {
                tokens.next();
                break;
            }
            other => read.gaps.push((vec![other.to_string()], Gap::Unknown)),
        }
    }
    let rest: Vec<&str> = tokens.collect();
    // The build context is always last.
    let Some((context, options)) = rest.split_last() else {
        return read;
    };
    let target = &mut read.target;
    target.context = paths::context_source(root, context);
    let mut dockerfile = None;
    let mut network = None;
    let mut allow = Vec::new();
    let mut i = 0;
    while i < options.len() {
        let token = options[i];
        let (flag, value) = match token.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
            _ if VALUED.contains(&token) => {
                i += 1;
                (token, options.get(i).copied())
            }
            _ => (token, None),
        };
        i += 1;
        let v = value.unwrap_or_default().to_string();
        match flag {
            "--platform" => target.platforms.push(v),
            "--file" => dockerfile = Some(v),
            "--tag" => target.tags.push(v),
            "--build-arg" => {
                let (key, value) = v.split_once('=').unwrap_or((&v, ""));
                target.args.insert(key.to_string(), value.to_string());
            }
            "--label" => {
                let (key, value) = v.split_once('=').unwrap_or((&v, ""));
                target.labels.insert(key.to_string(), value.to_string());
            }
            "--target" => target.target = Some(v),
            "--build-context" => {
                let (name, source) = v.split_once('=').unwrap_or((&v, ""));
                let source = match source
                    .strip_prefix("docker-image://")
                    .and_then(|i| deps.get(i))
                {
                    Some(dep) => format!("target:{dep}"),
                    None => paths::context_source(root, source),
                };
                target.contexts.insert(name.to_string(), source);
            }
            "--secret" => target.secret.push(paths::secret_spec(root, &v)),
            "--ssh" => target.ssh.push(paths::ssh_spec(root, &v)),
            "--cache-from" => target.cache_from.push(v),
            "--cache-to" => target.cache_to.push(v),
            "--provenance" => target.attest.push(provenance(&v)),
            "--push" => target.output.push("type=registry".into()),
            "--load" => target.output.push("type=docker".into()),
            "--no-cache" => target.no_cache = Some(true),
            "--builder" => read.builder = Some(v),
            "--network" => network = Some(v),
            "--allow" => allow.push(v),
            // How archgrid follows and records its own run; a bake run has its own flags for
            // both (`--progress`, `--metadata-file`), and neither changes what is built.
            "--progress" | "--metadata-file" => {}
            _ => {
                let mut flags = vec![token.to_string()];
                // An unknown option's value, if it has one, goes with it.
                if value.is_none() && i < options.len() && !options[i].starts_with("--") {
                    flags.push(options[i].to_string());
                    i += 1;
                }
                read.gaps.push((flags, Gap::Unknown));
            }
        }
    }
    target.dockerfile = match dockerfile {
        Some(file) => paths::dockerfile(context, &file),
        None => "Dockerfile".into(),
    };
    read.gaps.extend(network_gaps(network, allow));
    read
}

/// `--network host --allow network.host`, archgrid's `[builder] network = "host"`, as one gap.
fn network_gaps(network: Option<String>, mut allow: Vec<String>) -> Vec<(Vec<String>, Gap)> {
    let mut gaps = Vec::new();
    if let Some(mode) = network {
        let mut flags = vec!["--network".to_string(), mode.clone()];
        if mode == "host" {
            if let Some(at) = allow.iter().position(|a| a == "network.host") {
                flags.extend(["--allow".to_string(), allow.remove(at)]);
            }
        }
        gaps.push((flags, Gap::Network(mode)));
    }
    for entitlement in allow {
        gaps.push((
            vec!["--allow".to_string(), entitlement.clone()],
            Gap::Entitlement(entitlement),
        ));
    }
    gaps
}

/// `--provenance VALUE` as bake's `attest` entry, the way buildx's own shorthand spells it.
fn provenance(value: &str) -> String {
    match value {
        "true" | "1" => "type=provenance".into(),
        "false" | "0" => "type=provenance,disabled=true".into(),
        other => format!("type=provenance,{other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn options_archgrid_does_not_know_are_named_with_their_values() {
        let read = read(
            &argv(&[
                "--debug",
                "buildx",
                "build",
                "--shm-size",
                "1g",
                "--pull",
                "--allow",
                "security.insecure",
                "/p/app",
            ]),
            &BTreeMap::new(),
            Path::new("/p"),
        );
        assert_eq!(read.target.context, "app");
        assert_eq!(read.target.dockerfile, "Dockerfile");
        let gaps: Vec<Vec<String>> = read.gaps.iter().map(|(f, _)| f.clone()).collect();
        assert_eq!(
            gaps,
            [
                argv(&["--debug"]),
                argv(&["--shm-size", "1g"]),
                argv(&["--pull"]),
                argv(&["--allow", "security.insecure"]),
            ]
        );
        assert_eq!(read.gaps[3].1, Gap::Entitlement("security.insecure".into()));
    }

    #[test]
    fn provenance_is_spelled_as_buildx_spells_its_shorthand() {
        assert_eq!(provenance("false"), "type=provenance,disabled=true");
        assert_eq!(provenance("true"), "type=provenance");
        assert_eq!(provenance("mode=max"), "type=provenance,mode=max");
    }
}
