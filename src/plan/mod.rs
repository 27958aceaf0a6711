//! Matrix → cells (component × platform), each with the exact argv of its buildx child.

mod deps;
mod source;
mod warm;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::config::{Matrix, SecretSource};
use crate::model::text::docker_command_line;
use crate::model::Platform;

mod platform_choice;

pub use platform_choice::{choose_platforms, PlatformChoiceError};

/// Where archgrid keeps its state, logs and metadata files, beside the matrix file.
pub const STATE_DIR: &str = ".archgrid";

pub use deps::{read_dockerfiles, DepFinding, Edge, Found};
pub use source::{public_url, Source};
pub use warm::Warm;

#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    pub index: usize,
    pub component: String,
    pub platform: Platform,
    /// The per-arch image this cell produces: `{registry}/{component}:{tag}-{arch}`.
    pub image: String,
    /// Arguments after `docker`, never joined into one string.
    pub argv: Vec<String>,
    /// Cells of the same platform this one waits for.
    pub deps: Vec<usize>,
    /// The same cells as `deps`, each with where the dependency comes from.
    pub edges: Vec<Edge>,
    /// Images the Dockerfile reads that no component makes: a registry or the engine must
    /// have them.
    pub reads: Vec<Found>,
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub builder: Option<String>,
    /// Set when `builder` is a docker context: the cell runs as `docker --context NAME buildx`.
    pub docker_context: Option<String>,
    pub metadata_file: PathBuf,
    pub log_file: PathBuf,
    /// Length of the longest chain of dependents below this cell; longer chains start first.
    pub chain: usize,
    /// The instructions its Dockerfile runs for it (see [`crate::dockerfile::Dockerfile::steps`]);
    /// 1 when the file could not be read. What the scheduler weighs a cell by before any
    /// attempt of it was timed.
    #[serde(skip)]
    pub steps: usize,
    /// Built on this machine's engine for a platform it does not run natively, so under
    /// emulation. A column routed to a builder of its own is taken as native there.
    #[serde(skip)]
    pub emulated: bool,
    /// The cache-warming build it can run while a dependency it reads only late still builds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warm: Option<Warm>,
}

impl Cell {
    /// `app@linux/arm64`: how a user names a cell on the command line and in state.json.
    pub fn id(&self) -> String {
        format!("{}@{}", self.component, self.platform)
    }

    pub fn label(&self) -> CellLabel<'_> {
        CellLabel(self)
    }

    /// The full command line, for display only: every argument is quoted where a shell would
    /// need it, so what the user copies is what ran.
    pub fn display_command(&self) -> String {
        docker_command_line(&self.argv)
    }
}

/// `[app linux/arm64]`, the prefix of every headless line about a cell.
pub struct CellLabel<'a>(&'a Cell);

impl fmt::Display for CellLabel<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{} {}]", self.0.component, self.0.platform)
    }
}

/// What planning needs to know about the host, found out by the caller: planning itself runs
/// nothing.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Names of the docker contexts the CLI knows.
    pub docker_contexts: BTreeSet<String>,
    /// The repository and commit the matrix is in, for the OCI labels.
    pub source: Source,
    /// Each component's Dockerfile, read for the dependencies it names. A component missing
    /// here has only its `depends_on`.
    pub dockerfiles: BTreeMap<String, Result<crate::dockerfile::Dockerfile, String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub project: String,
    pub tag: String,
    pub registry: Option<String>,
    /// Components in dependency order (dependencies first, then file order).
    pub components: Vec<String>,
    pub platforms: Vec<Platform>,
    pub cells: Vec<Cell>,
    /// The order cells would start in with unlimited concurrency and no failures.
    pub order: Vec<usize>,
    /// Edges added from the Dockerfiles, and the ones that could not be.
    #[serde(skip)]
    pub dep_findings: Vec<DepFinding>,
    /// `[project] strict_deps`: an added edge is an error.
    pub strict_deps: bool,
    #[serde(skip)]
    pub state_dir: PathBuf,
}

impl Plan {
    pub fn new(matrix: &Matrix, facts: &Facts) -> Plan {
        let state_dir = matrix.root.join(STATE_DIR);
        let inferred = deps::Inferred::new(matrix, &facts.dockerfiles);
        let mut dep_findings = inferred.findings.clone();
        let components = dependency_order(matrix, &inferred.graph);
        let platforms = matrix.project.platforms.clone();
        let this_machine = Platform::this_machine();
        let mut cells = Vec::new();
        let mut index_of: BTreeMap<(String, Platform), usize> = BTreeMap::new();
        for name in &components {
            let comp = matrix
                .component(name)
                .expect("ordered names come from the matrix");
            for platform in &platforms {
                if !comp.platforms.contains(platform) {
                    continue;
                }
                let index = cells.len();
                index_of.insert((name.clone(), platform.clone()), index);
                let mut edges: Vec<Edge> = comp
                    .depends_on
                    .iter()
                    .filter_map(|d| index_of.get(&(d.clone(), platform.clone())).copied())
                    .map(Edge::declared)
                    .collect();
                for (dep_name, found) in inferred.of(name, platform) {
                    let cell = format!("{name}@{platform}");
                    let Some(&dep) = index_of.get(&(dep_name.clone(), platform.clone())) else {
                        dep_findings.push(DepFinding::NotBuilt {
                            cell,
                            dep: dep_name.clone(),
                            platform: platform.clone(),
                            found: found.clone(),
                        });
                        continue;
                    };
                    match edges.iter_mut().find(|e| e.dep == dep) {
                        Some(edge) => edge.found.push(found.clone()),
                        None => {
                            dep_findings.push(DepFinding::Added {
                                cell,
                                dep: dep_name.clone(),
                                found: found.clone(),
                            });
                            edges.push(Edge {
                                dep,
                                declared: false,
                                found: vec![found.clone()],
                            });
                        }
                    }
                }
                let deps = edges.iter().map(|e| e.dep).collect();
                let arch = platform.arch_tag();
                let builder = matrix
                    .platform_routes
                    .get(platform)
                    .and_then(|r| r.builder.clone())
                    .or_else(|| matrix.builder.as_ref().and_then(|b| b.name.clone()));
                let docker_context = builder
                    .clone()
                    .filter(|b| facts.docker_contexts.contains(b));
                let steps = match facts.dockerfiles.get(name) {
                    Some(Ok(file)) => file
                        .steps(&comp.args_for(platform), platform, comp.target.as_deref())
                        .max(1),
                    _ => 1,
                };
                let routed = matrix
                    .platform_routes
                    .get(platform)
                    .is_some_and(|r| r.builder.is_some());
                let emulated = !routed
                    && this_machine
                        .as_ref()
                        .is_some_and(|m| !platform.runs_natively_on(m));
                cells.push(Cell {
                    index,
                    component: name.clone(),
                    platform: platform.clone(),
                    image: image_ref(matrix, name, &arch),
                    argv: Vec::new(),
                    deps,
                    edges,
                    reads: inferred.external(name, platform),
                    context: comp.context.clone(),
                    dockerfile: comp.dockerfile.clone(),
                    builder,
                    docker_context,
                    metadata_file: state_dir.join("meta").join(format!("{name}-{arch}.json")),
                    log_file: state_dir.join("logs").join(format!("{name}-{arch}.log")),
                    chain: 0,
                    steps,
                    emulated,
                    warm: None,
                });
            }
        }
        for i in 0..cells.len() {
            cells[i].argv = build_argv(matrix, facts, &cells, i);
        }
        for i in 0..cells.len() {
            if let Some(Ok(file)) = facts.dockerfiles.get(&cells[i].component) {
                cells[i].warm = warm::plan_warm(matrix, file, &cells, i, &state_dir);
            }
        }
        compute_chains(&mut cells);
        let order = start_order(&cells);
        Plan {
            project: matrix.project.name.clone(),
            tag: matrix.project.tag.clone(),
            registry: matrix.project.registry.clone(),
            components,
            platforms,
            cells,
            order,
            dep_findings,
            strict_deps: matrix.project.strict_deps,
            state_dir,
        }
    }

    /// Dependency problems that stop a build, each with what to do.
    pub fn dependency_errors(&self) -> Vec<String> {
        self.dep_findings
            .iter()
            .filter(|f| f.is_error(self.strict_deps))
            .map(|f| f.message(self.strict_deps))
            .collect()
    }

    /// Dependencies added from the Dockerfiles, and Dockerfiles that could not be read.
    pub fn dependency_notes(&self) -> Vec<String> {
        self.dep_findings
            .iter()
            .filter(|f| !f.is_error(self.strict_deps))
            .map(|f| f.message(self.strict_deps))
            .collect()
    }

    pub fn find(&self, component: &str, platform: &Platform) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.component == component && c.platform.same_as(platform))
    }

    /// Cells of the platforms `--platform` entries name (every platform without any) that
    /// `--only COMPONENT[@PLATFORM]` filters name (every cell without any), plus everything
    /// they depend on. Dependencies share their dependent's platform, so they are chosen too.
    pub fn select(
        &self,
        filters: &[String],
        platforms: &[String],
    ) -> Result<BTreeSet<usize>, String> {
        let chosen = self
            .choose_platforms(platforms)
            .map_err(|e| e.to_string())?;
        let in_chosen =
            |c: &Cell| chosen.is_empty() || chosen.iter().any(|p| p.same_as(&c.platform));
        let chosen_words = || {
            let names: Vec<String> = chosen.iter().map(Platform::to_string).collect();
            names.join(", ")
        };
        if filters.is_empty() {
            let selected: BTreeSet<usize> = self
                .cells
                .iter()
                .filter(|c| in_chosen(c))
                .map(|c| c.index)
                .collect();
            if selected.is_empty() && !chosen.is_empty() {
                let those = if chosen.len() == 1 {
                    "that platform"
                } else {
                    "those platforms"
                };
                return Err(format!(
                    "--platform {}: no component is built for {those}",
                    chosen_words()
                ));
            }
            return Ok(selected);
        }
        let mut wanted = Vec::new();
        for filter in filters {
            let (component, platform) = match filter.split_once('@') {
                Some((c, p)) => {
                    let p: Platform = p.parse().map_err(|e| format!("--only {filter}: {e}"))?;
                    (c, Some(p))
                }
                None => (filter.as_str(), None),
            };
            if !self.components.iter().any(|c| c == component) {
                return Err(format!(
                    "--only {filter}: no component named {component:?} (components: {})",
                    self.components.join(", ")
                ));
            }
            let named: Vec<&Cell> = self
                .cells
                .iter()
                .filter(|c| c.component == component)
                .filter(|c| platform.as_ref().is_none_or(|p| c.platform.same_as(p)))
                .collect();
            if named.is_empty() {
                return Err(format!(
                    "--only {filter}: {component} is not built for that platform"
                ));
            }
            let before = wanted.len();
            wanted.extend(named.iter().filter(|c| in_chosen(c)).map(|c| c.index));
            if wanted.len() == before {
                return Err(format!(
                    "--only {filter}: none of its cells is on a platform --platform chose ({})",
                    chosen_words()
                ));
            }
        }
        let mut selected = BTreeSet::new();
        while let Some(i) = wanted.pop() {
            if selected.insert(i) {
                wanted.extend(self.cells[i].deps.iter().copied());
            }
        }
        Ok(selected)
    }

    /// Every cell that transitively depends on `cell`.
    pub fn dependents(&self, cell: usize) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        let mut stack = vec![cell];
        while let Some(i) = stack.pop() {
            for c in &self.cells {
                if c.deps.contains(&i) && out.insert(c.index) {
                    stack.push(c.index);
                }
            }
        }
        out
    }
}

fn image_ref(matrix: &Matrix, component: &str, arch: &str) -> String {
    let tag = &matrix.project.tag;
    match &matrix.project.registry {
        Some(registry) => format!("{registry}/{component}:{tag}-{arch}"),
        // A bare name would make dependents' `docker-image://` contexts ask Docker Hub first;
        // `localhost/` keeps every lookup on this machine before the local store answers.
        None => format!("localhost/{}/{component}:{tag}-{arch}", matrix.project.name),
    }
}

fn build_argv(matrix: &Matrix, facts: &Facts, cells: &[Cell], i: usize) -> Vec<String> {
    let cell = &cells[i];
    let comp = matrix
        .component(&cell.component)
        .expect("cell of a known component");
    let mut argv = docker_options(cell.docker_context.as_deref());
    argv.extend(["buildx".to_string(), "build".to_string()]);
    let mut flag = |name: &str, value: String| {
        argv.push(name.to_string());
        argv.push(value);
    };
    flag("--platform", cell.platform.to_string());
    flag("--file", cell.dockerfile.display().to_string());
    flag("--tag", cell.image.clone());
    for (key, value) in &comp.args_for(&cell.platform) {
        flag("--build-arg", format!("{key}={value}"));
    }
    if let Some(target) = &comp.target {
        flag("--target", target.clone());
    }
    let mut named = BTreeSet::new();
    for &dep in &cell.deps {
        let dep = &cells[dep];
        named.insert(dep.component.clone());
        flag(
            "--build-context",
            format!("{}=docker-image://{}", dep.component, dep.image),
        );
    }
    // A Dockerfile that names the dependency otherwise (`FROM acme/base:${TAG}`) gets that
    // name too, keyed the way buildx and BuildKit look named contexts up.
    for edge in &cell.edges {
        for name in edge.context_names() {
            if named.insert(name.clone()) {
                flag(
                    "--build-context",
                    format!("{name}=docker-image://{}", cells[edge.dep].image),
                );
            }
        }
    }
    for (name, source) in &comp.contexts {
        flag("--build-context", format!("{name}={source}"));
    }
    for id in &comp.secrets {
        if let Some(source) = matrix.secrets.get(id) {
            flag("--secret", secret_spec(id, source));
        }
    }
    for ssh in &comp.ssh {
        flag("--ssh", ssh.clone());
    }
    for (key, value) in labels(matrix, facts, &cell.component) {
        flag("--label", format!("{key}={value}"));
    }
    if let Some(cache) = &matrix.cache {
        let reference = cache_ref(&cache.registry, &cell.component, &cell.platform);
        flag(CACHE_FROM, format!("type=registry,ref={reference}"));
        flag(
            "--cache-to",
            format!("type=registry,ref={reference},mode={}", cache.mode.as_str()),
        );
    }
    flag("--metadata-file", cell.metadata_file.display().to_string());
    if let Some(builder) = &cell.builder {
        flag("--builder", builder.clone());
    }
    if matrix.builder.as_ref().and_then(|b| b.network.as_deref()) == Some("host") {
        flag("--network", "host".into());
        flag("--allow", "network.host".into());
    }
    argv.push("--progress=rawjson".into());
    // Without attestations a pushed per-arch image is a single manifest, so a manifest list
    // built from the cells holds exactly the project's platforms.
    argv.push("--provenance=false".into());
    argv.push(
        if matrix.project.registry.is_some() {
            "--push"
        } else {
            "--load"
        }
        .into(),
    );
    argv.push(cell.context.display().to_string());
    argv
}

/// The flag that imports a registry cache; `--no-cache` drops it too, so nothing is reused.
pub const CACHE_FROM: &str = "--cache-from";

/// The argv for a build that must not reuse anything: `--no-cache`, and no cache import.
pub fn without_cache(argv: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len() + 1);
    let mut args = argv.iter();
    while let Some(arg) = args.next() {
        if arg == CACHE_FROM {
            args.next();
            continue;
        }
        out.push(arg.clone());
    }
    // Before the context, which is always last.
    let at = out.len().saturating_sub(1);
    out.insert(at, "--no-cache".into());
    out
}

/// One ref per cell: cells that shared a ref would overwrite each other's cache, and the last
/// platform to finish would win.
pub fn cache_ref(registry: &str, component: &str, platform: &Platform) -> String {
    format!("{registry}/{component}:cache-{}", platform.arch_tag())
}

/// How buildx reads the value: from its own environment, which it inherits, or from a file.
/// The value itself is never in the argv.
fn secret_spec(id: &str, source: &SecretSource) -> String {
    match source {
        SecretSource::Env(name) => format!("id={id},env={name}"),
        SecretSource::File(path) => {
            let src = format!("src={}", path.display());
            // buildx reads the spec as CSV: a path with a comma or quote must be one field.
            if src.contains([',', '"']) {
                format!("id={id},\"{}\"", src.replace('"', "\"\""))
            } else {
                format!("id={id},{src}")
            }
        }
    }
}

/// The standard OCI labels, then the project's, then the component's: later ones win. Nothing
/// here changes from one build to the next, so an unchanged cell stays green.
pub fn labels(matrix: &Matrix, facts: &Facts, component: &str) -> BTreeMap<String, String> {
    const OCI: &str = "org.opencontainers.image";
    let mut labels = BTreeMap::new();
    labels.insert(format!("{OCI}.title"), component.to_string());
    labels.insert(format!("{OCI}.version"), matrix.project.tag.clone());
    if let Some(url) = &facts.source.url {
        labels.insert(format!("{OCI}.source"), url.clone());
    }
    if let Some(revision) = &facts.source.revision {
        labels.insert(format!("{OCI}.revision"), revision.clone());
    }
    labels.extend(matrix.project.labels.clone());
    if let Some(comp) = matrix.component(component) {
        labels.extend(comp.labels.clone());
    }
    labels
}

/// Options before `buildx` for a child on a docker context. A context is chosen with
/// `--context`: buildx 0.13 takes a context as `--builder` only when it is the current one.
pub fn docker_options(docker_context: Option<&str>) -> Vec<String> {
    match docker_context {
        Some(name) => vec!["--context".to_string(), name.to_string()],
        None => Vec::new(),
    }
}

/// `graph` holds each component's declared and found dependencies.
fn dependency_order(matrix: &Matrix, graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut done: Vec<String> = Vec::new();
    let mut visiting = BTreeSet::new();
    fn visit(
        graph: &BTreeMap<String, BTreeSet<String>>,
        name: &str,
        done: &mut Vec<String>,
        visiting: &mut BTreeSet<String>,
    ) {
        if done.iter().any(|d| d == name) || !visiting.insert(name.to_string()) {
            return;
        }
        for dep in graph.get(name).into_iter().flatten() {
            visit(graph, dep, done, visiting);
        }
        done.push(name.to_string());
    }
    for comp in &matrix.components {
        visit(graph, &comp.name, &mut done, &mut visiting);
    }
    done
}

fn compute_chains(cells: &mut [Cell]) {
    // Cells are in dependency order, so walking backwards sees every dependent first.
    for i in (0..cells.len()).rev() {
        let chain = cells[i].chain;
        for dep in cells[i].deps.clone() {
            cells[dep].chain = cells[dep].chain.max(chain + 1);
        }
    }
}

fn start_order(cells: &[Cell]) -> Vec<usize> {
    let mut order = Vec::with_capacity(cells.len());
    let mut placed = vec![false; cells.len()];
    while order.len() < cells.len() {
        let mut ready: Vec<usize> = (0..cells.len())
            .filter(|&i| !placed[i] && cells[i].deps.iter().all(|&d| placed[d]))
            .collect();
        ready.sort_by_key(|&i| (std::cmp::Reverse(cells[i].chain), i));
        for i in ready {
            placed[i] = true;
            order.push(i);
        }
    }
    order
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod deps_tests;
#[cfg(test)]
pub(crate) mod sample;
