//! The matrix file as written, with the source span of every value that a
//! later check may need to point at.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

pub(super) type Text = Spanned<String>;
pub(super) type TextList = Spanned<Vec<Text>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProject {
    pub name: Text,
    pub registry: Option<Text>,
    pub tag: Text,
    #[serde(default)]
    pub tags: Vec<Text>,
    pub platforms: TextList,
    pub concurrency: Option<Spanned<super::concurrency::RawConcurrency>>,
    #[serde(default)]
    pub labels: BTreeMap<Text, String>,
    #[serde(default)]
    pub strict_deps: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBuilder {
    pub name: Option<String>,
    pub network: Option<Text>,
    #[serde(default)]
    pub create: bool,
    pub driver: Option<Text>,
    /// Spanned so rules about host networking can point at the value.
    pub driver_opts: Option<Spanned<BTreeMap<String, String>>>,
    pub buildkitd_flags: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub platforms: Vec<Text>,
    pub endpoint: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRetry {
    pub attempts: Option<Spanned<u32>>,
    pub backoff: Option<Text>,
    pub engine_wait: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoute {
    pub builder: Option<String>,
    pub concurrency: Option<Spanned<usize>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawComponent {
    pub name: Text,
    pub context: Text,
    pub dockerfile: Option<Text>,
    #[serde(default)]
    pub args: BTreeMap<Text, String>,
    pub platforms: Option<TextList>,
    pub target: Option<String>,
    #[serde(default)]
    pub depends_on: Vec<Text>,
    #[serde(default)]
    pub secrets: Vec<Text>,
    #[serde(default)]
    pub ssh: Vec<Text>,
    #[serde(default)]
    pub labels: BTreeMap<Text, String>,
    #[serde(default)]
    pub platform_args: BTreeMap<Text, BTreeMap<Text, String>>,
    #[serde(default)]
    pub contexts: BTreeMap<Text, Text>,
    #[serde(default)]
    pub aliases: Vec<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecret {
    pub env: Option<Text>,
    pub file: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConsole {
    pub notify: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCache {
    pub registry: Text,
    pub mode: Option<Text>,
}

/// Everything that deserialized; sections that failed have already been
/// reported and are simply absent.
#[derive(Debug, Default)]
pub(super) struct RawMatrix {
    pub project: Option<RawProject>,
    pub builder: Option<RawBuilder>,
    pub retry: Option<RawRetry>,
    /// Keys are still unparsed so a bad platform can be reported where it is.
    pub routes: Vec<(Text, RawRoute)>,
    /// Secret ids with their spans, in file order.
    pub secrets: Vec<(Text, RawSecret)>,
    pub cache: Option<RawCache>,
    pub console: Option<RawConsole>,
    pub keys: BTreeMap<String, Vec<String>>,
    pub components: Vec<RawComponent>,
    /// Names of components that failed to deserialize, so that depending on
    /// them is not reported a second time as an unknown component.
    pub broken_components: Vec<String>,
}

/// The keys a table accepts, each with an example line that doubles as the
/// hint when the key is misspelt, mistyped or missing.
pub(super) struct Schema {
    pub title: &'static str,
    pub keys: &'static [(&'static str, &'static str)],
}

impl Schema {
    pub(super) fn example(&self, key: &str) -> Option<&'static str> {
        self.keys.iter().find(|(k, _)| *k == key).map(|(_, ex)| *ex)
    }

    pub(super) fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.keys.iter().map(|(k, _)| *k)
    }
}

pub(super) const TOP: Schema = Schema {
    title: "the top level",
    keys: &[
        ("project", "[project]"),
        ("builder", "[builder]"),
        ("retry", "[retry]"),
        ("secrets", "[secrets]"),
        ("cache", "[cache]"),
        ("platforms", "[platforms.\"linux/arm64\"]"),
        ("console", "[console]"),
        ("keys", "[keys]"),
        ("component", "[[component]]"),
    ],
};

pub(super) const PROJECT: Schema = Schema {
    title: "[project]",
    keys: &[
        ("name", r#"name = "demo""#),
        ("registry", r#"registry = "ghcr.io/acme""#),
        ("tag", r#"tag = "v0.1.0""#),
        ("tags", r#"tags = ["latest"]"#),
        ("platforms", r#"platforms = ["linux/amd64", "linux/arm64"]"#),
        ("concurrency", r#"concurrency = "auto""#),
        (
            "labels",
            r#"labels = { "org.opencontainers.image.vendor" = "Acme" }"#,
        ),
        ("strict_deps", "strict_deps = true"),
    ],
};

pub(super) const BUILDER: Schema = Schema {
    title: "[builder]",
    keys: &[
        ("name", r#"name = "archgrid""#),
        ("network", r#"network = "host""#),
        ("create", "create = true"),
        ("driver", r#"driver = "docker-container""#),
        ("driver_opts", r#"driver_opts = { network = "host" }"#),
        (
            "buildkitd_flags",
            r#"buildkitd_flags = ["--allow-insecure-entitlement", "network.host"]"#,
        ),
        ("platforms", r#"platforms = ["linux/arm64"]"#),
        ("endpoint", r#"endpoint = "tcp://buildkitd:1234""#),
    ],
};

pub(super) const RETRY: Schema = Schema {
    title: "[retry]",
    keys: &[
        ("attempts", "attempts = 3"),
        ("backoff", r#"backoff = "5s""#),
        ("engine_wait", r#"engine_wait = "15m""#),
    ],
};

pub(super) const ROUTE: Schema = Schema {
    title: "[platforms.\"...\"]",
    keys: &[
        ("builder", r#"builder = "arm-native""#),
        ("concurrency", "concurrency = 2"),
    ],
};

pub(super) const COMPONENT: Schema = Schema {
    title: "[[component]]",
    keys: &[
        ("name", r#"name = "base""#),
        ("context", r#"context = "images/base""#),
        ("dockerfile", r#"dockerfile = "Dockerfile""#),
        ("args", r#"args = { GREETING = "hello" }"#),
        ("platforms", r#"platforms = ["linux/amd64"]"#),
        ("target", r#"target = "runtime""#),
        ("depends_on", r#"depends_on = ["base"]"#),
        ("secrets", r#"secrets = ["npm_token"]"#),
        ("ssh", r#"ssh = ["default"]"#),
        (
            "labels",
            r#"labels = { "org.opencontainers.image.description" = "API server" }"#,
        ),
        (
            "platform_args",
            r#"platform_args = { "linux/arm64" = { JOBS = "1" } }"#,
        ),
        (
            "contexts",
            r#"contexts = { docs = "../docs", tools = "docker-image://localhost:5000/tools:1" }"#,
        ),
        ("aliases", r#"aliases = ["acme/base"]"#),
    ],
};

pub(super) const SECRET: Schema = Schema {
    title: "[secrets]",
    keys: &[
        ("env", r#"npm_token = { env = "NPM_TOKEN" }"#),
        ("file", r#"netrc = { file = "~/.netrc" }"#),
    ],
};

pub(super) const CONSOLE: Schema = Schema {
    title: "[console]",
    keys: &[("notify", r#"notify = "failures""#)],
};

pub(super) const CACHE: Schema = Schema {
    title: "[cache]",
    keys: &[
        ("registry", r#"registry = "localhost:5000/demo/cache""#),
        ("mode", r#"mode = "max""#),
    ],
};
