//! Rules on values that deserialized fine but cannot be built with, and the
//! conversion from the raw file to [`Matrix`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::duration::parse_duration;
use super::error::Collector;
use super::graph::{self, Node};
use super::raw::{RawBuilder, RawComponent, RawMatrix, RawProject, RawRetry, RawRoute, Text};
use super::secrets::{self, Defined};
use super::suggest::closest;
use super::vars::Vars;
use super::{
    aliases, cache, clean, contexts, credential_args, labels, network_host, platform_args,
    reference, BuilderConfig, Component, Matrix, PlatformRoute, Project, RetryPolicy,
};
use crate::model::Platform;

const PLATFORM_HINT: &str = r#"platforms look like "linux/arm64", "linux/amd64" or "linux/arm/v7""#;
const DRIVERS: [&str; 4] = ["docker-container", "docker", "remote", "kubernetes"];
const DEFAULT_ATTEMPTS: u32 = 3;
const DEFAULT_BACKOFF: Duration = Duration::from_secs(5);
/// Long enough for an engine restart or a registry redeploy; short enough that an overnight
/// run with a dead engine ends and says so.
pub const DEFAULT_ENGINE_WAIT: Duration = Duration::from_secs(15 * 60);

/// Returns `None` only when `[project]` is unusable, which has been reported.
pub(super) fn build(
    raw: RawMatrix,
    path: &Path,
    root: PathBuf,
    vars: &Vars,
    errors: &mut Collector<'_>,
) -> Option<Matrix> {
    let project = raw.project.map(|p| project(p, errors));
    let known = project.as_ref().map(|p| p.platforms.as_slice());
    let builder = raw.builder.map(|b| builder(b, errors));
    let retry = retry(raw.retry, errors);
    let platform_routes = routes(raw.routes, known, errors);
    let cache = raw.cache.map(|c| cache::build(c, errors));
    let console = super::console::build(raw.console, errors);
    let defined = secrets::table(raw.secrets, &root, vars, errors);
    let env = Env {
        root: &root,
        vars,
        secrets: &defined,
    };
    let (components, nodes) = components(raw.components, known, &env, errors);
    graph::check(&nodes, &raw.broken_components, errors);
    Some(Matrix {
        path: path.to_path_buf(),
        root: root.clone(),
        project: project?,
        builder,
        retry,
        secrets: defined.into_iter().map(|(id, d)| (id, d.source)).collect(),
        cache,
        console,
        platform_routes,
        keys: raw.keys,
        components,
        warnings: Vec::new(),
    })
}

/// What checking a component needs besides the component.
struct Env<'a> {
    root: &'a Path,
    vars: &'a Vars,
    secrets: &'a BTreeMap<String, Defined>,
}

fn project(raw: RawProject, errors: &mut Collector<'_>) -> Project {
    let name = raw.name.get_ref();
    if name.trim().is_empty() {
        errors.push(
            raw.name.span(),
            "project.name is empty",
            r#"give the project a name, e.g. name = "demo""#,
        );
    } else if !reference::is_path_component(name) {
        // Without a registry images are named `{project}/{component}`.
        errors.push(
            raw.name.span(),
            format!("invalid project name {name:?}"),
            r#"the name is part of local image names: use lowercase letters and digits joined by ".", "_", "__" or "-", e.g. "demo""#,
        );
    }
    if let Some(registry) = &raw.registry {
        check_registry(registry, errors);
    }
    check_tag(&raw.tag, "project.tag", errors);
    for tag in &raw.tags {
        check_tag(tag, "project.tags", errors);
    }

    let platforms = if raw.platforms.get_ref().is_empty() {
        errors.push(
            raw.platforms.span(),
            "project.platforms is empty",
            r#"list at least one platform to build, e.g. platforms = ["linux/amd64", "linux/arm64"]"#,
        );
        Vec::new()
    } else {
        platform_list(raw.platforms.get_ref(), errors)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    };

    let concurrency = super::concurrency::build(raw.concurrency, errors);

    Project {
        labels: labels::build(raw.labels, "[project]", errors),
        name: raw.name.into_inner(),
        registry: raw.registry.map(Text::into_inner),
        tag: raw.tag.into_inner(),
        tags: raw.tags.into_iter().map(Text::into_inner).collect(),
        platforms,
        concurrency,
        strict_deps: raw.strict_deps,
    }
}

fn check_registry(registry: &Text, errors: &mut Collector<'_>) {
    let Err(message) = reference::check_registry(registry.get_ref()) else {
        return;
    };
    let hint = if registry.get_ref().contains("://") {
        format!(
            "drop the scheme: registry = {:?}",
            reference::strip_scheme(registry.get_ref())
        )
    } else {
        r#"use host[:port]/path, with path parts of lowercase letters and digits joined by ".", "_", "__" or "-", e.g. "ghcr.io/acme" or "localhost:5000/demo""#.to_string()
    };
    errors.push(registry.span(), message, hint);
}

fn check_tag(tag: &Text, place: &str, errors: &mut Collector<'_>) {
    if !reference::is_tag(tag.get_ref()) {
        errors.push(
            tag.span(),
            format!("invalid tag {:?} in {place}", tag.get_ref()),
            r#"tags are 1 to 128 letters, digits, "_", "." or "-" and cannot start with "." or "-", e.g. "v0.1.0""#,
        );
    }
}

/// Parses each entry, reporting bad and repeated ones and returning the rest
/// with their spans.
fn platform_list(list: &[Text], errors: &mut Collector<'_>) -> Vec<(Platform, Range<usize>)> {
    let mut platforms: Vec<(Platform, Range<usize>)> = Vec::new();
    for entry in list {
        let platform = match entry.get_ref().parse::<Platform>() {
            Ok(p) => p,
            Err(message) => {
                errors.push(entry.span(), message, PLATFORM_HINT);
                continue;
            }
        };
        // buildx treats these as one platform, so listing both would build
        // and push the same image twice.
        if let Some((earlier, _)) = platforms.iter().find(|(p, _)| p.same_as(&platform)) {
            errors.push(
                entry.span(),
                format!("platform {platform} is listed twice (it is the same as {earlier})"),
                "remove one of the two entries",
            );
            continue;
        }
        platforms.push((platform, entry.span()));
    }
    platforms
}

fn builder(raw: RawBuilder, errors: &mut Collector<'_>) -> BuilderConfig {
    if let Some(network) = &raw.network {
        if network.get_ref() != "host" {
            errors.push(
                network.span(),
                format!("builder.network {:?} is not supported", network.get_ref()),
                r#"only "host" is accepted for now: set network = "host" or remove the key"#,
            );
        }
    }
    if let Some(driver) = &raw.driver {
        if !DRIVERS.contains(&driver.get_ref().as_str()) {
            let drivers = DRIVERS.join(", ");
            let hint = match closest(driver.get_ref(), DRIVERS) {
                Some(guess) => format!("did you mean {guess:?}? drivers: {drivers}"),
                None => format!("use one of: {drivers}"),
            };
            errors.push(
                driver.span(),
                format!("unknown builder driver {:?}", driver.get_ref()),
                hint,
            );
        }
    }
    network_host::check(&raw, errors);
    BuilderConfig {
        name: raw.name,
        network: raw.network.map(Text::into_inner),
        create: raw.create,
        driver: raw.driver.map(Text::into_inner),
        driver_opts: raw.driver_opts.map(|o| o.into_inner()).unwrap_or_default(),
        buildkitd_flags: raw
            .buildkitd_flags
            .map(|f| f.into_inner())
            .unwrap_or_default(),
        platforms: platform_list(&raw.platforms, errors)
            .into_iter()
            .map(|(p, _)| p)
            .collect(),
        endpoint: raw.endpoint,
    }
}

fn retry(raw: Option<RawRetry>, errors: &mut Collector<'_>) -> RetryPolicy {
    let mut policy = RetryPolicy {
        attempts: DEFAULT_ATTEMPTS,
        backoff: DEFAULT_BACKOFF,
        engine_wait: DEFAULT_ENGINE_WAIT,
    };
    let Some(raw) = raw else {
        return policy;
    };
    if let Some(attempts) = raw.attempts {
        if *attempts.get_ref() == 0 {
            errors.push(
                attempts.span(),
                "retry.attempts must be at least 1",
                "attempts counts the first try too: use 1 for no retries",
            );
        } else {
            policy.attempts = attempts.into_inner();
        }
    }
    if let Some(backoff) = raw.backoff {
        match parse_duration(backoff.get_ref()) {
            Ok(d) => policy.backoff = d,
            Err(message) => errors.push(
                backoff.span(),
                format!("retry.backoff: {message}"),
                r#"write it like backoff = "5s"; units are ms, s, m and h"#,
            ),
        }
    }
    if let Some(wait) = raw.engine_wait {
        match parse_duration(wait.get_ref()) {
            Ok(d) => policy.engine_wait = d,
            Err(message) => errors.push(
                wait.span(),
                format!("retry.engine_wait: {message}"),
                r#"write it like engine_wait = "15m"; units are ms, s, m and h"#,
            ),
        }
    }
    policy
}

fn routes(
    raw: Vec<(Text, RawRoute)>,
    known: Option<&[Platform]>,
    errors: &mut Collector<'_>,
) -> BTreeMap<Platform, PlatformRoute> {
    let mut routes: BTreeMap<Platform, PlatformRoute> = BTreeMap::new();
    for (key, route) in raw {
        let place = format!("[platforms.{:?}]", key.get_ref());
        if let Some(c) = &route.concurrency {
            if *c.get_ref() == 0 {
                errors.push(
                    c.span(),
                    format!("concurrency in {place} must be at least 1"),
                    "set how many builds for this platform may run at once, or remove it",
                );
            }
        }
        let platform = match key.get_ref().parse::<Platform>() {
            Ok(p) => p,
            Err(message) => {
                errors.push(key.span(), message, PLATFORM_HINT);
                continue;
            }
        };
        // Routes are looked up by the project's spelling of a platform.
        let platform = match known {
            Some(known) => match known.iter().find(|p| p.same_as(&platform)) {
                Some(p) => p.clone(),
                None => {
                    errors.push(
                        key.span(),
                        format!("{place} configures {platform}, which is not in project.platforms"),
                        format!("add \"{platform}\" to project.platforms, or remove this table"),
                    );
                    continue;
                }
            },
            None => platform,
        };
        if routes.contains_key(&platform) {
            errors.push(
                key.span(),
                format!("{place} configures {platform} a second time"),
                "merge the two tables into one",
            );
            continue;
        }
        routes.insert(
            platform,
            PlatformRoute {
                builder: route.builder,
                concurrency: route.concurrency.map(|c| c.into_inner()),
            },
        );
    }
    routes
}

fn components(
    raw: Vec<RawComponent>,
    known: Option<&[Platform]>,
    env: &Env<'_>,
    errors: &mut Collector<'_>,
) -> (Vec<Component>, Vec<Node>) {
    let root = env.root;
    let mut used_secrets = BTreeSet::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let mut components = Vec::new();
    let mut nodes = Vec::new();
    // A component's own name means it in every Dockerfile, so no alias may take it.
    let mut taken: BTreeMap<String, String> = raw
        .iter()
        .map(|c| (c.name.get_ref().clone(), c.name.get_ref().clone()))
        .collect();
    for raw in raw {
        let name = raw.name.get_ref();
        if !reference::is_path_component(name) {
            errors.push(
                raw.name.span(),
                format!("invalid component name {name:?}"),
                r#"component names become image names: use lowercase letters and digits joined by ".", "_", "__" or "-", e.g. "base-image""#,
            );
        }
        match first_line.get(name) {
            Some(line) => errors.push(
                raw.name.span(),
                format!("duplicate component name {name:?}"),
                format!(
                    "rename or remove this component; {name:?} is already defined on line {line}"
                ),
            ),
            None => {
                let (line, _) = errors.position(raw.name.span().start);
                first_line.insert(name.clone(), line);
            }
        }

        let (context, dockerfile) = paths(&raw, root, errors);

        for arg in raw.args.keys() {
            let problem = if arg.get_ref().is_empty() {
                "is empty"
            } else if arg.get_ref().contains('=') {
                "contains '='"
            } else {
                credential_args::warn(arg, name, errors);
                continue;
            };
            errors.push(
                arg.span(),
                format!(
                    "build arg name {:?} in component {name:?} {problem}",
                    arg.get_ref()
                ),
                r#"args maps a NAME to its value, e.g. args = { GREETING = "hello" }"#,
            );
        }

        let platforms = component_platforms(&raw, known, errors);
        let secrets = secrets::uses(
            &raw.secrets,
            name,
            env.secrets,
            env.vars,
            &mut used_secrets,
            errors,
        );
        let ssh = secrets::ssh(&raw.ssh, name, root, env.vars, errors);
        let place = format!("component {name:?}");
        let labels = labels::build(raw.labels, &place, errors);
        let platform_args = platform_args::build(raw.platform_args, name, &platforms, errors);
        let contexts = contexts::build(&raw.contexts, name, &raw.depends_on, root, errors);
        let aliases = aliases::build(&raw.aliases, name, &mut taken, errors);
        nodes.push(Node {
            name: raw.name.clone(),
            platforms: platforms.clone(),
            depends_on: raw.depends_on.clone(),
        });
        components.push(Component {
            secrets,
            ssh,
            labels,
            platform_args,
            contexts,
            aliases,
            name: raw.name.into_inner(),
            context,
            dockerfile,
            args: raw
                .args
                .into_iter()
                .map(|(k, v)| (k.into_inner(), v))
                .collect(),
            platforms,
            target: raw.target,
            depends_on: raw.depends_on.into_iter().map(Text::into_inner).collect(),
        });
    }
    secrets::warn_unused(env.secrets, &used_secrets, errors);
    (components, nodes)
}

fn paths(raw: &RawComponent, root: &Path, errors: &mut Collector<'_>) -> (PathBuf, PathBuf) {
    let context = clean(&root.join(raw.context.get_ref()));
    let dockerfile = clean(
        &context.join(
            raw.dockerfile
                .as_ref()
                .map_or("Dockerfile", |d| d.get_ref().as_str()),
        ),
    );
    if !context.is_dir() {
        let message = if context.exists() {
            format!("context {} is not a directory", context.display())
        } else {
            format!("context directory {} does not exist", context.display())
        };
        errors.push(
            raw.context.span(),
            message,
            format!(
                "create it or fix `context`; it is relative to {}",
                root.display()
            ),
        );
    } else if !dockerfile.is_file() {
        let message = if dockerfile.exists() {
            format!("Dockerfile {} is not a file", dockerfile.display())
        } else {
            format!("Dockerfile not found: {}", dockerfile.display())
        };
        // Without an explicit `dockerfile` the default comes from `context`.
        let (span, hint) = match &raw.dockerfile {
            Some(d) => (
                d.span(),
                "create it or fix `dockerfile`; it is relative to the context directory",
            ),
            None => (
                raw.context.span(),
                r#"create it, or point to it with dockerfile = "..." relative to the context directory"#,
            ),
        };
        errors.push(span, message, hint);
    }
    (context, dockerfile)
}

fn component_platforms(
    raw: &RawComponent,
    known: Option<&[Platform]>,
    errors: &mut Collector<'_>,
) -> Vec<Platform> {
    let name = raw.name.get_ref();
    let Some(list) = &raw.platforms else {
        return known.unwrap_or_default().to_vec();
    };
    if list.get_ref().is_empty() {
        errors.push(
            list.span(),
            format!("component {name:?} has an empty platforms list"),
            "list at least one platform, or remove `platforms` to build every project platform",
        );
        return Vec::new();
    }
    let parsed = platform_list(list.get_ref(), errors);
    let Some(known) = known else {
        return parsed.into_iter().map(|(p, _)| p).collect();
    };
    let mut platforms = Vec::new();
    for (platform, span) in parsed {
        // Keep the project's spelling so platforms compare equal downstream.
        match known.iter().find(|p| p.same_as(&platform)) {
            Some(p) => platforms.push(p.clone()),
            None => errors.push(
                span,
                format!("component {name:?} builds {platform}, which is not in project.platforms"),
                format!(
                    "add \"{platform}\" to project.platforms, or remove it from this component"
                ),
            ),
        }
    }
    platforms
}
