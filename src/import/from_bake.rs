//! Bake's resolved targets → a proposed matrix: one component per target that builds from a
//! local directory, its dependencies from `target:` contexts, the project from what the
//! targets agree on.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::bake::{Print, Target};
use super::compose::{self, ComposeFile};
use super::guess::{self, Tagged};
use super::left_out::{BakeOption, LeftOut};
use super::names::{self, Namer};
use super::paths;
use super::proposal::{
    AliasFrom, Because, Component, Dependency, Note, Origin, Platforms, Project, Proposal,
    Registry, Secret, SkipReason, Skipped, Tag,
};
use super::secrets::{parse_secret, parse_ssh, SecretFrom};
use super::{platforms, Choices, Place};
use crate::model::Platform;

/// What is known of one target that became a component, beyond the component itself.
struct Built<'a> {
    target_name: String,
    target: &'a Target,
    /// As bake printed them; empty when it printed none.
    platforms: Vec<Platform>,
}

pub fn propose(
    print: &Print,
    compose_files: &[ComposeFile],
    files: &[PathBuf],
    choices: &Choices,
    place: &Place<'_>,
) -> Proposal {
    let mut skipped: Vec<Skipped> = compose::pull_only(compose_files)
        .into_iter()
        .map(|s| Skipped {
            name: s.name,
            reason: SkipReason::PullOnly { image: s.image },
        })
        .collect();
    let mut left_out = Vec::new();
    let mut namer = Namer::default();
    let mut secrets: Vec<Secret> = Vec::new();
    let mut built: Vec<Built<'_>> = Vec::new();
    let mut components: Vec<Component> = Vec::new();

    for name in order(print, compose_files) {
        let target = &print.target[&name];
        let (context, dockerfile, note) = match locate(&name, target, compose_files, place) {
            Ok(found) => found,
            Err(reason) => {
                left_out.extend(unexpressed(&name, target));
                skipped.push(Skipped { name, reason });
                continue;
            }
        };
        let component_name = namer.name([name.as_str()]);
        let mut c = Component {
            name: component_name.clone(),
            source: name.clone(),
            context,
            dockerfile,
            target: target.target.clone(),
            ..Component::default()
        };
        if component_name != name {
            c.notes.push(Note::Renamed { from: name.clone() });
        }
        c.notes.extend(note);
        c.left_out = unexpressed(&name, target);
        values(
            &name,
            &target.args,
            &mut c.args,
            &mut c.left_out,
            BakeOption::NullArg,
        );
        values(
            &name,
            &target.labels,
            &mut c.labels,
            &mut c.left_out,
            BakeOption::NullLabel,
        );
        for spec in &target.secret {
            secret(&name, spec, &mut c, &mut secrets, place);
        }
        for spec in &target.ssh {
            match parse_ssh(spec, place.cwd) {
                Ok(ssh) => c.ssh.push(ssh.spelled(place.matrix_dir)),
                Err(why) => c.left_out.push(LeftOut::new(
                    &name,
                    BakeOption::Ssh,
                    format!("{spec} ({why})"),
                )),
            }
        }
        let mut parsed = Vec::new();
        for spec in &target.platforms {
            match spec.parse::<Platform>() {
                Ok(p) => parsed.push(p),
                Err(_) => c
                    .left_out
                    .push(LeftOut::new(&name, BakeOption::Platform, spec.clone())),
            }
        }
        built.push(Built {
            target_name: name,
            target,
            platforms: parsed,
        });
        components.push(c);
    }

    let by_target: BTreeMap<&str, String> = built
        .iter()
        .zip(&components)
        .map(|(b, c)| (b.target_name.as_str(), c.name.clone()))
        .collect();
    let mut context_aliases = Vec::new();
    for (b, c) in built.iter().zip(components.iter_mut()) {
        contexts(b, c, &by_target, place, &mut context_aliases);
    }

    let mut project = project(&built, &components, choices, place);
    project.labels = shared_labels(&mut components);
    aliases(
        &built,
        &mut components,
        project.registry.value(),
        context_aliases,
    );
    super::deps::add_from_dockerfiles(
        &mut components,
        place.matrix_dir,
        project.registry.value(),
        &project.name,
        &project.platforms.list(),
    );
    platforms::assign(
        &mut components,
        &built_platforms(&built),
        &project.platforms,
    );
    let components = dependencies_first(components);

    Proposal {
        origin: Origin::Bake {
            files: files.iter().map(|f| f.display().to_string()).collect(),
        },
        project,
        secrets,
        components,
        skipped,
        left_out,
    }
}

fn built_platforms(built: &[Built<'_>]) -> Vec<Vec<Platform>> {
    built.iter().map(|b| b.platforms.clone()).collect()
}

/// Compose services in file order, then the rest as bake groups them.
fn order(print: &Print, compose_files: &[ComposeFile]) -> Vec<String> {
    let mut out: Vec<String> = compose::target_order(compose_files)
        .into_iter()
        .filter(|t| print.target.contains_key(t))
        .collect();
    for name in print.ordered_targets() {
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// Bake's own rule for a context it cannot read files from locally.
fn is_remote(context: &str) -> bool {
    ["https://", "http://", "git://", "git@", "ssh://"]
        .iter()
        .any(|p| context.starts_with(p))
        || context.contains("://")
}

/// The context (relative to the matrix) and dockerfile (relative to the context, `None` for
/// the default) of a target, with a note when the compose file's folder had to be used.
fn locate(
    name: &str,
    target: &Target,
    compose_files: &[ComposeFile],
    place: &Place<'_>,
) -> Result<(String, Option<String>, Option<Note>), SkipReason> {
    if target.dockerfile_inline.is_some() {
        return Err(SkipReason::InlineDockerfile);
    }
    let printed = target.context.as_deref().unwrap_or(".");
    let written = printed.strip_prefix("cwd://").unwrap_or(printed);
    if is_remote(written) {
        return Err(SkipReason::RemoteContext(written.to_string()));
    }
    let mut note = None;
    let mut context = paths::absolute(place.cwd, Path::new(written));
    if !context.is_dir() {
        // buildx 0.13.1 leaves a compose file's relative paths as written and resolves them
        // from where it runs; `docker compose` resolves them from the file's folder.
        let beside = compose_files
            .iter()
            .filter(|f| {
                f.services
                    .iter()
                    .any(|s| compose::target_name(&s.name) == name)
            })
            .filter_map(|f| f.path.parent())
            .map(|dir| (dir, paths::absolute(dir, Path::new(written))))
            .find(|(_, p)| p.is_dir());
        match beside {
            Some((dir, found)) => {
                note = Some(Note::ContextFromComposeFolder {
                    compose_dir: paths::from_matrix(place.matrix_dir, dir),
                });
                context = found;
            }
            None => return Err(SkipReason::MissingContext(written.to_string())),
        }
    }
    let printed = target.dockerfile.as_deref().unwrap_or("Dockerfile");
    let dockerfile = match printed.strip_prefix("cwd://") {
        Some(from_cwd) => paths::absolute(place.cwd, Path::new(from_cwd)),
        None => paths::absolute(&context, Path::new(printed)),
    };
    if !dockerfile.is_file() {
        return Err(SkipReason::MissingDockerfile(printed.to_string()));
    }
    let relative = paths::spelled(&paths::relative(&context, &dockerfile));
    Ok((
        paths::from_matrix(place.matrix_dir, &context),
        (relative != "Dockerfile").then_some(relative),
        note,
    ))
}

/// The keys of a target that archgrid has no place for. `false` and empty values are bake's
/// defaults and say nothing.
fn unexpressed(name: &str, target: &Target) -> Vec<LeftOut> {
    let mut out = Vec::new();
    for (key, value) in &target.other {
        let text = match value {
            serde_json::Value::Null | serde_json::Value::Bool(false) => continue,
            serde_json::Value::Array(items) if items.is_empty() => continue,
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        };
        out.push(LeftOut::new(name, BakeOption::from_key(key), text));
    }
    out
}

/// Args or labels; a null value is left out, as bake leaves it unset.
fn values(
    name: &str,
    from: &BTreeMap<String, Option<String>>,
    to: &mut BTreeMap<String, String>,
    left_out: &mut Vec<LeftOut>,
    option: fn(String) -> BakeOption,
) {
    for (key, value) in from {
        match value {
            Some(v) => {
                to.insert(key.clone(), v.clone());
            }
            None => left_out.push(LeftOut::new(name, option(key.clone()), "null")),
        }
    }
}

fn secret(name: &str, spec: &str, c: &mut Component, secrets: &mut Vec<Secret>, place: &Place<'_>) {
    let parsed = match parse_secret(spec, place.cwd, &|var| std::env::var_os(var).is_some()) {
        Ok(mut parsed) => {
            if let SecretFrom::File(path) = &parsed.from {
                parsed.from = SecretFrom::File(paths::relative(place.matrix_dir, path));
            }
            parsed
        }
        Err(why) => {
            c.left_out.push(LeftOut::new(
                name,
                BakeOption::Secret,
                format!("{spec} ({why})"),
            ));
            return;
        }
    };
    match secrets.iter().find(|s| s.id == parsed.id) {
        Some(known) if known.from != parsed.from => {
            c.left_out.push(LeftOut::new(
                name,
                BakeOption::Secret,
                format!(
                    "{spec} (the id {} comes from elsewhere for another target)",
                    parsed.id
                ),
            ));
            return;
        }
        Some(_) => {}
        None => secrets.push(Secret {
            id: parsed.id.clone(),
            from: parsed.from,
        }),
    }
    if !c.secrets.contains(&parsed.id) {
        c.secrets.push(parsed.id);
    }
}

/// A context name that is also a dependency's image name, to become that dependency's alias.
struct ContextAlias {
    name: String,
    component: String,
    dependent: String,
}

fn contexts(
    b: &Built<'_>,
    c: &mut Component,
    by_target: &BTreeMap<&str, String>,
    place: &Place<'_>,
    aliases: &mut Vec<ContextAlias>,
) {
    let mut named = BTreeMap::new();
    for (name, value) in &b.target.contexts {
        let leave = |c: &mut Component, why: &str| {
            c.left_out.push(LeftOut::new(
                &b.target_name,
                BakeOption::Context(name.clone()),
                format!("{value} ({why})"),
            ));
        };
        if name.is_empty() || name.contains(['=', ' ', ',']) {
            leave(c, "not a name buildx takes");
            continue;
        }
        let linked = value
            .strip_prefix("target:")
            .map(str::to_string)
            .or_else(|| value.strip_prefix("service:").map(compose::target_name));
        if let Some(target) = linked {
            let Some(dependency) = by_target.get(target.as_str()) else {
                leave(c, "that target is not imported");
                continue;
            };
            c.add_dependency(Dependency {
                name: dependency.clone(),
                because: Because::BakeContext {
                    name: name.clone(),
                    value: value.clone(),
                },
            });
            if name != dependency {
                aliases.push(ContextAlias {
                    name: name.clone(),
                    component: dependency.clone(),
                    dependent: c.name.clone(),
                });
            }
            continue;
        }
        match source(value, place) {
            Ok(spelled) => {
                named.insert(name.clone(), spelled);
            }
            Err(why) => leave(c, &why),
        }
    }
    for (name, value) in named {
        // archgrid passes each dependency as a context of its name itself.
        if c.depends_on(&name) {
            c.left_out.push(LeftOut::new(
                &b.target_name,
                BakeOption::Context(name.clone()),
                format!("{value} (archgrid passes the dependency {name} under that name)"),
            ));
        } else {
            c.contexts.insert(name, value);
        }
    }
}

/// A named context's value as the matrix spells it.
fn source(value: &str, place: &Place<'_>) -> Result<String, String> {
    if let Some(image) = value.strip_prefix("docker-image://") {
        return crate::config::reference::check_image(image).map(|()| value.to_string());
    }
    if let Some(layout) = value.strip_prefix("oci-layout://") {
        let dir = layout.split(['@', ':']).next().unwrap_or_default();
        let abs = paths::absolute(place.cwd, Path::new(dir));
        if !abs.is_dir() {
            return Err(format!("OCI layout {} does not exist", abs.display()));
        }
        let rest = &layout[dir.len()..];
        return Ok(format!(
            "oci-layout://{}{rest}",
            paths::from_matrix(place.matrix_dir, &abs)
        ));
    }
    if is_remote(value) {
        return Ok(value.to_string());
    }
    let dir = value.strip_prefix("cwd://").unwrap_or(value);
    let abs = paths::absolute(place.cwd, Path::new(dir));
    if abs.is_dir() {
        Ok(paths::from_matrix(place.matrix_dir, &abs))
    } else {
        Err(format!("directory {} does not exist", abs.display()))
    }
}

fn project(
    built: &[Built<'_>],
    components: &[Component],
    choices: &Choices,
    place: &Place<'_>,
) -> Project {
    let tagged: Vec<Tagged<'_>> = built
        .iter()
        .zip(components)
        .map(|(b, c)| Tagged {
            names: vec![c.name.as_str(), b.target_name.as_str()],
            tags: &b.target.tags,
        })
        .collect();
    let guess = guess::registry_and_tag(&tagged);
    let registry = match (&choices.registry, guess.registry) {
        (Some(r), _) => Registry::Flag(r.clone()),
        (None, Some(r)) => Registry::Guessed(r),
        (None, None) => Registry::None,
    };
    let tag = match (&choices.tag, guess.tag) {
        (Some(t), _) => Tag::Flag(t.clone()),
        (None, Some(t)) => Tag::Guessed(t),
        (None, None) => Tag::Default,
    };
    let found = guess::union(built.iter().map(|b| b.platforms.as_slice()));
    let platforms = match (&choices.platforms, found.is_empty()) {
        (Some(p), _) => Platforms::Flag(p.clone()),
        (None, false) => Platforms::Found(found),
        (None, true) => Platforms::Default,
    };
    Project {
        name: names::project_name(place.matrix_dir),
        labels: BTreeMap::new(),
        registry,
        tag,
        platforms,
    }
}

/// The labels every component has with the same value, taken off them: `[project] labels`
/// gives them to every image once.
fn shared_labels(components: &mut [Component]) -> BTreeMap<String, String> {
    let Some((first, rest)) = components.split_first() else {
        return BTreeMap::new();
    };
    if rest.is_empty() {
        return BTreeMap::new();
    }
    let shared: BTreeMap<String, String> = first
        .labels
        .iter()
        .filter(|(k, v)| rest.iter().all(|c| c.labels.get(*k) == Some(*v)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for c in components.iter_mut() {
        c.labels.retain(|k, _| !shared.contains_key(k));
    }
    shared
}

/// Tag repositories and context names, each given to one component only; a component's own
/// name never needs one.
fn aliases(
    built: &[Built<'_>],
    components: &mut [Component],
    registry: Option<&str>,
    from_contexts: Vec<ContextAlias>,
) {
    let names: Vec<String> = components.iter().map(|c| c.name.clone()).collect();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut wanted: Vec<(usize, String, AliasFrom)> = Vec::new();
    for (i, (b, c)) in built.iter().zip(components.iter()).enumerate() {
        for alias in guess::tag_aliases(&c.name, registry, &b.target.tags) {
            wanted.push((i, alias, AliasFrom::Tag));
        }
    }
    for a in from_contexts {
        let (repository, _) = guess::split_reference(&a.name);
        if crate::config::reference::check_image(repository).is_err() {
            continue;
        }
        if let Some(i) = names.iter().position(|n| *n == a.component) {
            wanted.push((
                i,
                repository.to_string(),
                AliasFrom::ContextName {
                    dependent: a.dependent,
                },
            ));
        }
    }
    for (i, alias, from) in wanted {
        let component = &mut components[i];
        if names.contains(&alias) {
            continue;
        }
        match owner.get(&alias) {
            Some(o) if *o == component.name => continue,
            Some(o) => {
                component.notes.push(Note::AliasTaken {
                    alias,
                    owner: o.clone(),
                });
                continue;
            }
            None => {}
        }
        owner.insert(alias.clone(), component.name.clone());
        component.aliases.push(alias.clone());
        component.notes.push(Note::Alias { alias, from });
    }
}

/// Components whose dependencies come first, in the order given otherwise.
pub fn dependencies_first(components: Vec<Component>) -> Vec<Component> {
    fn visit(
        i: usize,
        all: &[Component],
        placed: &mut Vec<bool>,
        order: &mut Vec<usize>,
        path: &mut Vec<usize>,
    ) {
        if placed[i] || path.contains(&i) {
            return;
        }
        path.push(i);
        for dep in &all[i].depends_on {
            if let Some(j) = all.iter().position(|c| c.name == dep.name) {
                visit(j, all, placed, order, path);
            }
        }
        path.pop();
        placed[i] = true;
        order.push(i);
    }
    let mut placed = vec![false; components.len()];
    let mut order = Vec::new();
    for i in 0..components.len() {
        visit(i, &components, &mut placed, &mut order, &mut Vec::new());
    }
    let mut slots: Vec<Option<Component>> = components.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
