//! The matrix `import` and `init` propose, with why each inferred value is what it is, so the
//! written file and the summary can say so.

use std::collections::BTreeMap;
use std::fmt;

use super::left_out::LeftOut;
use crate::model::Platform;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub origin: Origin,
    pub project: Project,
    /// `[secrets]`, in the order components first use them.
    pub secrets: Vec<Secret>,
    /// Dependencies before their dependents, otherwise in the order found.
    pub components: Vec<Component>,
    /// What was found but is not a component.
    pub skipped: Vec<Skipped>,
    /// Options of targets that are not components (those of components are on the component).
    pub left_out: Vec<LeftOut>,
}

/// What the proposal was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compose or bake files as given on the command line; empty for bake's default lookup.
    Bake { files: Vec<String> },
    /// The Dockerfiles under a folder, as given.
    Dockerfiles { dir: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    /// Labels every component has with the same value.
    pub labels: BTreeMap<String, String>,
    pub registry: Registry,
    pub tag: Tag,
    pub platforms: Platforms,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registry {
    Flag(String),
    /// Every tagged target is tagged `{registry}/{name}:…`.
    Guessed(String),
    /// Images are loaded into the local engine.
    None,
}

impl Registry {
    pub fn value(&self) -> Option<&str> {
        match self {
            Registry::Flag(r) | Registry::Guessed(r) => Some(r),
            Registry::None => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tag {
    Flag(String),
    /// Every tagged target is tagged `…:{tag}`.
    Guessed(String),
    /// Nothing to go by.
    Default,
}

/// The tag written when none is given or found.
pub const DEFAULT_TAG: &str = "dev";

impl Tag {
    pub fn value(&self) -> &str {
        match self {
            Tag::Flag(t) | Tag::Guessed(t) => t,
            Tag::Default => DEFAULT_TAG,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Platforms {
    Flag(Vec<Platform>),
    /// The union of the targets' platforms, first seen first.
    Found(Vec<Platform>),
    /// None anywhere.
    Default,
}

impl Platforms {
    pub fn list(&self) -> Vec<Platform> {
        match self {
            Platforms::Flag(p) | Platforms::Found(p) => p.clone(),
            Platforms::Default => default_platforms(),
        }
    }
}

/// The platforms of a project that names none.
pub fn default_platforms() -> Vec<Platform> {
    ["linux/amd64", "linux/arm64"]
        .iter()
        .map(|p| p.parse().expect("a valid platform"))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub id: String,
    /// A file is relative to the matrix file's folder here.
    pub from: super::secrets::SecretFrom,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    pub name: String,
    /// The bake target, or the Dockerfile relative to the scanned folder.
    pub source: String,
    /// Relative to the matrix file's folder.
    pub context: String,
    /// Relative to the context; `None` for `Dockerfile`.
    pub dockerfile: Option<String>,
    /// Values exactly as the build must receive them.
    pub args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub target: Option<String>,
    /// `None`: every project platform.
    pub platforms: Option<Vec<Platform>>,
    pub depends_on: Vec<Dependency>,
    pub secrets: Vec<String>,
    pub ssh: Vec<String>,
    /// Values as the matrix spells them.
    pub contexts: BTreeMap<String, String>,
    pub aliases: Vec<String>,
    pub notes: Vec<Note>,
    pub left_out: Vec<LeftOut>,
}

impl Component {
    pub fn depends_on(&self, name: &str) -> bool {
        self.depends_on.iter().any(|d| d.name == name)
    }

    /// Adds the edge unless it is there already, keeping the first reason.
    pub fn add_dependency(&mut self, dependency: Dependency) {
        if !self.depends_on(&dependency.name) && dependency.name != self.name {
            self.depends_on.push(dependency);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    pub because: Because,
}

/// Where a dependency was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Because {
    /// `contexts = { NAME = "target:T" }`, or compose's `service:S`.
    BakeContext { name: String, value: String },
    /// A `FROM` or `COPY --from` naming the component.
    Dockerfile {
        file: String,
        line: usize,
        instruction: String,
    },
}

impl fmt::Display for Because {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Because::BakeContext { name, value } => write!(f, "context {name} = {value}"),
            Because::Dockerfile {
                file,
                line,
                instruction,
            } => write!(f, "{instruction} ({file}:{line})"),
        }
    }
}

/// Something inferred about a component that its comment says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The name had to change to be an image name, or to be unique.
    Renamed { from: String },
    /// bake builds it for the builder's own platform; the matrix builds every project platform.
    NoPlatforms,
    /// A dependent builds platforms the component's own list lacked.
    Widened {
        platforms: Vec<Platform>,
        for_dependent: String,
    },
    /// The context did not exist where bake would look, but beside the compose file.
    ContextFromComposeFolder { compose_dir: String },
    /// An alias taken from a tag or a context name.
    Alias { alias: String, from: AliasFrom },
    /// A name that would have been an alias, but already is another component's.
    AliasTaken { alias: String, owner: String },
    /// Its Dockerfile could not be read for dependencies.
    DockerfileUnread { message: String },
    /// Its Dockerfile reads a component that already depends on it.
    CycleLeftOut {
        dependency: String,
        because: String,
        dependent: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasFrom {
    Tag,
    ContextName { dependent: String },
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Renamed { from } => write!(
                f,
                "from {from:?}: component names are lowercase letters and digits joined by . _ __ or -"
            ),
            Note::NoPlatforms => write!(
                f,
                "bake names no platforms for it (it builds for the builder's own); here it builds every project platform"
            ),
            Note::Widened {
                platforms,
                for_dependent,
            } => write!(
                f,
                "also built for {} because {for_dependent} depends on it",
                join(platforms)
            ),
            Note::ContextFromComposeFolder { compose_dir } => write!(
                f,
                "its context is taken from beside the compose file in {compose_dir}: buildx 0.13.1 reads compose paths from the folder it runs in, where it does not exist"
            ),
            Note::Alias {
                alias,
                from: AliasFrom::Tag,
            } => write!(f, "alias {alias}: a name its image is tagged with"),
            Note::Alias {
                alias,
                from: AliasFrom::ContextName { dependent },
            } => write!(f, "alias {alias}: the context name {dependent} uses for it"),
            Note::DockerfileUnread { message } => write!(
                f,
                "dependencies not read from its Dockerfile ({message}); add depends_on by hand"
            ),
            Note::CycleLeftOut {
                dependency,
                because,
                dependent,
            } => write!(
                f,
                "{because} reads {dependency}, which already depends on {dependent}; that edge is left out, since neither could build first"
            ),
            Note::AliasTaken { alias, owner } => write!(
                f,
                "{alias} is not an alias here: it already names the image of {owner}"
            ),
        }
    }
}

fn join(platforms: &[Platform]) -> String {
    platforms
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Found, but not a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The compose service, bake target or Dockerfile.
    pub name: String,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// A compose service with `image:` and no `build:`.
    PullOnly {
        image: Option<String>,
    },
    /// A context archgrid cannot read files from.
    RemoteContext(String),
    /// The Dockerfile is inline in the bake file.
    InlineDockerfile,
    MissingContext(String),
    MissingDockerfile(String),
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::PullOnly { image: Some(image) } => {
                write!(f, "only pulls {image} (no build:)")
            }
            SkipReason::PullOnly { image: None } => write!(f, "has no build: section"),
            SkipReason::RemoteContext(url) => write!(
                f,
                "builds from {url}; archgrid builds from a local directory: clone it and add a component for it"
            ),
            SkipReason::InlineDockerfile => write!(
                f,
                "has an inline Dockerfile; write it to a file in its context and add a component with dockerfile = \"…\""
            ),
            SkipReason::MissingContext(dir) => write!(
                f,
                "its context {dir} does not exist; run import where bake finds it, or add the component by hand"
            ),
            SkipReason::MissingDockerfile(file) => write!(
                f,
                "its Dockerfile {file} does not exist; create it, or add the component by hand"
            ),
        }
    }
}
