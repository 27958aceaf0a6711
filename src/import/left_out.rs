//! Target options matrix.toml has no place for, each with what to do instead.

use std::fmt;

/// A bake option archgrid does not carry over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BakeOption {
    Output,
    CacheTo,
    CacheFrom,
    Network,
    NoCache,
    NoCacheFilter,
    Pull,
    ShmSize,
    Ulimits,
    Entitlements,
    Attest,
    Annotations,
    /// A `secret` entry that is not `id=…,env=…` or `id=…,src=…`.
    Secret,
    /// An `ssh` entry without a usable id.
    Ssh,
    /// A platform that is not `os/arch[/variant]`, such as `local`.
    Platform,
    /// An arg bake printed as null.
    NullArg(String),
    /// A label bake printed as null.
    NullLabel(String),
    /// A named context archgrid passes itself, or that names nothing it can use.
    Context(String),
    /// Anything else bake printed.
    Other(String),
}

impl BakeOption {
    /// From a key of bake's JSON.
    pub fn from_key(key: &str) -> BakeOption {
        match key {
            "output" => BakeOption::Output,
            "cache-to" => BakeOption::CacheTo,
            "cache-from" => BakeOption::CacheFrom,
            "network" => BakeOption::Network,
            "no-cache" => BakeOption::NoCache,
            "no-cache-filter" => BakeOption::NoCacheFilter,
            "pull" => BakeOption::Pull,
            "shm-size" => BakeOption::ShmSize,
            "ulimits" => BakeOption::Ulimits,
            "entitlements" => BakeOption::Entitlements,
            "attest" => BakeOption::Attest,
            "annotations" => BakeOption::Annotations,
            other => BakeOption::Other(other.to_string()),
        }
    }

    /// The key as bake spells it, with the entry's name for maps.
    pub fn key(&self) -> String {
        let key = match self {
            BakeOption::Output => "output",
            BakeOption::CacheTo => "cache-to",
            BakeOption::CacheFrom => "cache-from",
            BakeOption::Network => "network",
            BakeOption::NoCache => "no-cache",
            BakeOption::NoCacheFilter => "no-cache-filter",
            BakeOption::Pull => "pull",
            BakeOption::ShmSize => "shm-size",
            BakeOption::Ulimits => "ulimits",
            BakeOption::Entitlements => "entitlements",
            BakeOption::Attest => "attest",
            BakeOption::Annotations => "annotations",
            BakeOption::Secret => "secret",
            BakeOption::Ssh => "ssh",
            BakeOption::Platform => "platforms",
            BakeOption::NullArg(name) => return format!("args.{name}"),
            BakeOption::NullLabel(name) => return format!("labels.{name}"),
            BakeOption::Context(name) => return format!("contexts.{name}"),
            BakeOption::Other(key) => key,
        };
        key.to_string()
    }
}

/// One option of one target that the written matrix does without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The bake target it belongs to.
    pub target: String,
    pub option: BakeOption,
    /// The value as bake printed it.
    pub value: String,
}

impl LeftOut {
    pub fn new(target: &str, option: BakeOption, value: impl Into<String>) -> LeftOut {
        LeftOut {
            target: target.to_string(),
            option,
            value: value.into(),
        }
    }

    /// What to do instead.
    pub fn advice(&self) -> String {
        match &self.option {
            BakeOption::Output => "archgrid pushes each cell to {registry}/{component}:{tag}-{arch} (or loads it into the local engine without a registry) and publishes manifest lists; outputs are not configurable".into(),
            BakeOption::CacheTo | BakeOption::CacheFrom => match cache_registry(&self.value) {
                Some(registry) => format!("use [cache] registry = \"{registry}\": each cell then reads and writes its own ref under it"),
                None => "use [cache] registry = \"HOST/PATH\": each cell then reads and writes its own registry cache ref under it".into(),
            },
            BakeOption::Network if self.value == "host" => "set [builder] network = \"host\"; it applies to every build".into(),
            BakeOption::Network => "only [builder] network = \"host\" is supported; builds use the builder's default network".into(),
            BakeOption::NoCache => "pass --no-cache to archgrid build when a build must not use the cache".into(),
            BakeOption::NoCacheFilter => "pass --no-cache to archgrid build to rebuild every stage".into(),
            BakeOption::Pull => "buildx pulls base images it does not have; to refresh them, pass --no-cache to archgrid build".into(),
            BakeOption::ShmSize | BakeOption::Ulimits => "not supported; RUN steps get the builder's defaults".into(),
            BakeOption::Entitlements => "[builder] network = \"host\" grants network.host; other entitlements are not supported".into(),
            BakeOption::Attest => "archgrid builds with --provenance=false so each manifest list holds exactly the project's platforms; attestations are not supported".into(),
            BakeOption::Annotations => "use labels = { … } on the component or the project".into(),
            BakeOption::Secret => "add it by hand: [secrets] ID = { env = \"VAR\" } or { file = \"path\" }, and secrets = [\"ID\"] on the component".into(),
            BakeOption::Ssh => "add it by hand: ssh = [\"default\"] forwards the agent, ssh = [\"ID=~/.ssh/key\"] a key".into(),
            BakeOption::Platform => "list platforms as os/arch[/variant] in [project] platforms, or pass --platforms".into(),
            BakeOption::NullArg(_) | BakeOption::NullLabel(_) => "bake leaves a null value unset; archgrid does the same by leaving it out".into(),
            BakeOption::Context(_) => "add it by hand under contexts = { … } with a directory relative to the matrix, docker-image://REF or a URL".into(),
            BakeOption::Other(_) => "archgrid has no setting for it; check whether the build still needs it".into(),
        }
    }
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {}: {}",
            self.option.key(),
            self.value,
            self.advice()
        )
    }
}

/// The `[cache] registry` that makes archgrid's per-cell ref land where `type=registry,ref=…`
/// points: the ref without its last path part and tag.
fn cache_registry(spec: &str) -> Option<String> {
    let reference = spec
        .split(',')
        .find_map(|field| field.strip_prefix("ref="))?;
    let name = match reference.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => reference,
    };
    let (registry, _) = name.rsplit_once('/')?;
    crate::config::reference::check_registry(registry)
        .ok()
        .map(|()| registry.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_cache_ref_suggests_the_cache_registry() {
        let cache = LeftOut::new(
            "cli",
            BakeOption::CacheTo,
            "type=registry,ref=localhost:5000/tools/cache/cli:buildcache,mode=max",
        );
        assert!(
            cache
                .advice()
                .contains("[cache] registry = \"localhost:5000/tools/cache\""),
            "{}",
            cache.advice()
        );
        let inline = LeftOut::new("cli", BakeOption::CacheTo, "type=inline");
        assert!(inline.advice().contains("[cache] registry = \"HOST/PATH\""));
    }

    #[test]
    fn keys_round_trip() {
        for key in ["output", "cache-to", "shm-size", "attest", "no-cache"] {
            assert_eq!(BakeOption::from_key(key).key(), key);
        }
        assert_eq!(
            BakeOption::from_key("call"),
            BakeOption::Other("call".into())
        );
    }
}
