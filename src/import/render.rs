//! The proposal as matrix.toml text: commented where something was inferred or left out, each
//! string written so the matrix reads back exactly the value bake printed.

use std::fmt::Write;

use super::proposal::{Component, Dependency, Origin, Platforms, Proposal, Registry, Secret, Tag};
use super::secrets::SecretFrom;
use crate::model::Platform;

/// Longer inline tables become their own `[component.NAME]` tables.
const LINE: usize = 100;

/// The TOML string that, after matrix.toml's `${VAR}` expansion, is `value` again: a run of
/// `$` that is longer than one, or that starts `${`, has each `$` doubled (`$$` → `$$$$`,
/// `${` → `$${`); a lone `$` as in `$HOME` stays as written, as the matrix reads it.
pub fn literal(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        escaped.push_str(&rest[..at]);
        let run = rest[at..].bytes().take_while(|&b| b == b'$').count();
        let after = &rest[at + run..];
        let doubled = if run > 1 || after.starts_with('{') {
            2
        } else {
            1
        };
        escaped.push_str(&"$".repeat(run * doubled));
        rest = after;
    }
    escaped.push_str(rest);
    toml::Value::String(escaped).to_string()
}

/// A key, bare when TOML allows it.
pub fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare {
        name.to_string()
    } else {
        toml::Value::String(name.to_string()).to_string()
    }
}

fn string_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = items.into_iter().map(literal).collect();
    format!("[{}]", items.join(", "))
}

fn platform_list(platforms: &[Platform]) -> String {
    let names: Vec<String> = platforms.iter().map(|p| p.to_string()).collect();
    string_list(names.iter().map(String::as_str))
}

fn inline_table<'a>(entries: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let items: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{} = {}", key(k), literal(v)))
        .collect();
    format!("{{ {} }}", items.join(", "))
}

/// `# text`, wrapped at [`LINE`]; continuation lines are indented two more than the first,
/// which keeps the indentation `text` starts with.
fn comment(out: &mut String, text: &str) {
    let text = one_line(text);
    let indent = text.len() - text.trim_start().len();
    let first = format!("#{}", " ".repeat(indent));
    let more = format!("#{}", " ".repeat(indent + 2));
    let mut line = first.clone();
    let mut empty = true;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !empty && line.len() + 1 + word.len() > LINE {
            let _ = writeln!(out, "{line}");
            line = more.clone();
        }
        line.push(' ');
        line.push_str(word);
        empty = false;
    }
    let _ = writeln!(out, "{line}");
}

pub fn render(proposal: &Proposal) -> String {
    let mut out = String::new();
    header(&mut out, proposal);
    project(&mut out, proposal);
    secrets(&mut out, &proposal.secrets);
    for component in &proposal.components {
        out.push('\n');
        self::component(&mut out, component);
    }
    out
}

fn header(out: &mut String, proposal: &Proposal) {
    match &proposal.origin {
        Origin::Bake { files } if files.is_empty() => comment(
            out,
            "Imported by `archgrid import` from the compose and bake files docker buildx bake finds in this folder, as `docker buildx bake --print` resolved them.",
        ),
        Origin::Bake { files } => comment(
            out,
            &format!(
                "Imported by `archgrid import` from {}, as `docker buildx bake --print` resolved it.",
                files.join(", ")
            ),
        ),
        Origin::Dockerfiles { dir } => comment(
            out,
            &format!("Written by `archgrid init` from the Dockerfiles under {dir}."),
        ),
    }
    comment(
        out,
        "Contexts are relative to this file, and each dockerfile to its context. Check it, then:",
    );
    out.push_str("#\n#   archgrid plan     # every cell's build command; runs nothing\n");
    out.push_str("#   archgrid build    # builds every component for every platform\n");
    if !proposal.skipped.is_empty() {
        out.push_str("#\n# Not imported:\n");
        for skipped in &proposal.skipped {
            comment(out, &format!("  {}: {}", skipped.name, skipped.reason));
        }
    }
    if !proposal.left_out.is_empty() {
        out.push_str("#\n# Left out of targets that are not components:\n");
        for left in &proposal.left_out {
            comment(out, &format!("  {}: {left}", left.target));
        }
    }
    out.push('\n');
}

fn project(out: &mut String, proposal: &Proposal) {
    let p = &proposal.project;
    out.push_str("[project]\n");
    let _ = writeln!(out, "name = {}", literal(&p.name));
    match &p.registry {
        Registry::Flag(r) => {
            let _ = writeln!(out, "registry = {}", literal(r));
        }
        Registry::Guessed(r) => {
            let _ = writeln!(out, "registry = {}   # from the targets' tags", literal(r));
        }
        Registry::None => {
            comment(
                out,
                "No registry: images are loaded into the local engine as localhost/{project}/{component}:{tag}-{arch}. Name one to push them and publish manifest lists:",
            );
            out.push_str("# registry = \"registry.example.com/acme\"\n");
        }
    }
    match &p.tag {
        Tag::Flag(t) => {
            let _ = writeln!(out, "tag = {}", literal(t));
        }
        Tag::Guessed(t) => {
            let _ = writeln!(out, "tag = {}   # from the targets' tags", literal(t));
        }
        Tag::Default => {
            comment(
                out,
                "No tag was found: set the one to publish; a variable works too, e.g. \"${TAG:-dev}\".",
            );
            let _ = writeln!(out, "tag = {}", literal(p.tag.value()));
        }
    }
    if p.platforms == Platforms::Default {
        comment(
            out,
            "No platforms were named anywhere: linux/amd64 and linux/arm64 are a start.",
        );
    }
    let _ = writeln!(out, "platforms = {}", platform_list(&p.platforms.list()));
    if !p.labels.is_empty() {
        let _ = writeln!(
            out,
            "labels = {}   # on every target",
            inline_table(&p.labels)
        );
    }
}

fn secrets(out: &mut String, secrets: &[Secret]) {
    if secrets.is_empty() {
        return;
    }
    out.push_str(
        "\n# Values reach builds only as secret mounts; set each before archgrid build.\n",
    );
    out.push_str("[secrets]\n");
    for secret in secrets {
        let source = match &secret.from {
            SecretFrom::Env(var) => format!("env = {}", literal(var)),
            SecretFrom::File(path) => format!("file = {}", literal(&super::paths::spelled(path))),
        };
        let _ = writeln!(out, "{} = {{ {source} }}", key(&secret.id));
    }
}

fn component(out: &mut String, c: &Component) {
    for note in &c.notes {
        comment(out, &format!("{}: {note}", c.name));
    }
    for left in &c.left_out {
        comment(out, &format!("Left out {left}"));
    }
    out.push_str("[[component]]\n");
    let _ = writeln!(out, "name = {}", literal(&c.name));
    let _ = writeln!(out, "context = {}", literal(&c.context));
    if let Some(dockerfile) = &c.dockerfile {
        let _ = writeln!(out, "dockerfile = {}", literal(dockerfile));
    }
    if let Some(target) = &c.target {
        let _ = writeln!(out, "target = {}", literal(target));
    }
    if let Some(platforms) = &c.platforms {
        let _ = writeln!(out, "platforms = {}", platform_list(platforms));
    }
    depends_on(out, &c.depends_on);
    for (name, list) in [
        ("secrets", &c.secrets),
        ("ssh", &c.ssh),
        ("aliases", &c.aliases),
    ] {
        if !list.is_empty() {
            let _ = writeln!(
                out,
                "{name} = {}",
                string_list(list.iter().map(String::as_str))
            );
        }
    }
    let mut tables = Vec::new();
    for (name, map) in [
        ("args", &c.args),
        ("labels", &c.labels),
        ("contexts", &c.contexts),
    ] {
        if map.is_empty() {
            continue;
        }
        let line = format!("{name} = {}", inline_table(map));
        if line.len() <= LINE && !line.contains('\n') {
            let _ = writeln!(out, "{line}");
        } else {
            tables.push((name, map));
        }
    }
    for (name, map) in tables {
        let _ = writeln!(out, "\n[component.{name}]");
        for (k, v) in map {
            let _ = writeln!(out, "{} = {}", key(k), literal(v));
        }
    }
}

fn depends_on(out: &mut String, deps: &[Dependency]) {
    match deps {
        [] => {}
        [one] => {
            let _ = writeln!(
                out,
                "depends_on = [{}]   # {}",
                literal(&one.name),
                one_line(&one.because.to_string())
            );
        }
        many => {
            out.push_str("depends_on = [\n");
            let width = many
                .iter()
                .map(|d| literal(&d.name).len())
                .max()
                .unwrap_or(0);
            for d in many {
                let name = format!("{},", literal(&d.name));
                let _ = writeln!(
                    out,
                    "    {name:<w$} # {}",
                    one_line(&d.because.to_string()),
                    w = width + 1
                );
            }
            out.push_str("]\n");
        }
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::vars::{expand, Vars};
    use crate::import::proposal::Because;

    /// What matrix.toml reads back from `literal(value)`.
    fn read_back(value: &str) -> String {
        let doc: toml::Table = format!("v = {}", literal(value)).parse().unwrap();
        let written = doc["v"].as_str().unwrap().to_string();
        expand(&written, &Vars::new([], [])).unwrap()
    }

    #[test]
    fn values_read_back_exactly() {
        for value in [
            "plain",
            "costs $5",
            "$$",
            "$${PATH}",
            "${PATH}",
            "${PATH:-x}",
            "$HOME and ${HOME}",
            "trailing $",
            "quote \" and back\\slash and 'single'",
            "tab\tnewline\nend",
            "$",
            "$$$",
            "{}",
            "$ {x}",
        ] {
            assert_eq!(read_back(value), value, "{value:?} → {}", literal(value));
        }
    }

    #[test]
    fn dollars_are_doubled_only_where_the_matrix_would_read_them() {
        assert_eq!(literal("$HOME"), "\"$HOME\"");
        assert_eq!(literal("$$"), "\"$$$$\"");
        assert_eq!(literal("${X}"), "\"$${X}\"");
        assert_eq!(literal("$$HOME"), "\"$$$$HOME\"");
    }

    #[test]
    fn keys_are_quoted_only_when_needed() {
        assert_eq!(key("GREETING"), "GREETING");
        assert_eq!(
            key("org.opencontainers.image.title"),
            "\"org.opencontainers.image.title\""
        );
        assert_eq!(key("a b"), "\"a b\"");
    }

    #[test]
    fn dependencies_carry_their_reason() {
        let dep = |name: &str, line| Dependency {
            name: name.into(),
            because: Because::Dockerfile {
                file: format!("{name}/Dockerfile"),
                line,
                instruction: format!("FROM {name}"),
            },
        };
        let mut out = String::new();
        depends_on(&mut out, &[dep("os-base", 3)]);
        assert_eq!(
            out,
            "depends_on = [\"os-base\"]   # FROM os-base (os-base/Dockerfile:3)\n"
        );
        let mut out = String::new();
        depends_on(&mut out, &[dep("toolchain", 2), dep("os", 9)]);
        assert_eq!(
            out,
            "depends_on = [\n    \"toolchain\", # FROM toolchain (toolchain/Dockerfile:2)\n    \"os\",        # FROM os (os/Dockerfile:9)\n]\n"
        );
    }

    #[test]
    fn long_comments_wrap() {
        let mut out = String::new();
        comment(&mut out, &"word ".repeat(40));
        assert!(out.lines().count() > 1, "{out}");
        assert!(
            out.lines().all(|l| l.len() <= LINE && l.starts_with('#')),
            "{out}"
        );
    }
}

#[cfg(test)]
mod whole_file {
    use std::collections::BTreeMap;

    use super::*;
    use crate::config::{Matrix, SecretSource, Vars};
    use crate::import::left_out::{BakeOption, LeftOut};
    use crate::import::proposal::{AliasFrom, Because, Note, Project, SkipReason, Skipped};

    fn proposal() -> Proposal {
        let p = |s: &str| s.parse::<Platform>().unwrap();
        let map = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Proposal {
            origin: Origin::Bake {
                files: vec!["docker-compose.yml".into()],
            },
            project: Project {
                name: "shop".into(),
                labels: map(&[("org.opencontainers.image.vendor", "Acme")]),
                registry: Registry::Guessed("localhost:5000/shop".into()),
                tag: Tag::Guessed("1.4.2".into()),
                platforms: Platforms::Found(vec![p("linux/amd64"), p("linux/arm64")]),
            },
            secrets: vec![Secret {
                id: "npm_token".into(),
                from: SecretFrom::Env("NPM_TOKEN".into()),
            }],
            components: vec![
                Component {
                    name: "base".into(),
                    source: "base".into(),
                    context: "src/base".into(),
                    args: map(&[("GREETING", "costs $5, ${NOT_A_VAR} and $$ \"quoted\"")]),
                    aliases: vec!["shop-base".into()],
                    notes: vec![Note::Alias {
                        alias: "shop-base".into(),
                        from: AliasFrom::ContextName {
                            dependent: "api".into(),
                        },
                    }],
                    ..Component::default()
                },
                Component {
                    name: "api".into(),
                    source: "Api.Server".into(),
                    context: "src/api".into(),
                    dockerfile: Some("docker/api.Dockerfile".into()),
                    target: Some("runtime".into()),
                    platforms: Some(vec![p("linux/amd64")]),
                    depends_on: vec![Dependency {
                        name: "base".into(),
                        because: Because::BakeContext {
                            name: "shop-base".into(),
                            value: "service:base".into(),
                        },
                    }],
                    secrets: vec!["npm_token".into()],
                    labels: map(&[(
                        "org.opencontainers.image.description",
                        "the API server, with a description long enough to need a table of its own",
                    )]),
                    contexts: map(&[
                        ("docs", "docs"),
                        ("tools", "docker-image://localhost:5000/tools:1"),
                    ]),
                    notes: vec![Note::Renamed {
                        from: "Api.Server".into(),
                    }],
                    left_out: vec![LeftOut::new(
                        "Api.Server",
                        BakeOption::CacheTo,
                        "type=inline",
                    )],
                    ..Component::default()
                },
            ],
            skipped: vec![Skipped {
                name: "db".into(),
                reason: SkipReason::PullOnly {
                    image: Some("localhost:5000/library/debian:bookworm".into()),
                },
            }],
            left_out: Vec::new(),
        }
    }

    #[test]
    fn the_written_file_reads_back_as_proposed() {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["src/base", "src/api/docker", "docs"] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        }
        std::fs::write(dir.path().join("src/base/Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(
            dir.path().join("src/api/docker/api.Dockerfile"),
            "FROM shop-base AS runtime\n",
        )
        .unwrap();
        let text = render(&proposal());
        let path = dir.path().join("matrix.toml");
        let vars = Vars::new([("NPM_TOKEN".into(), "a-token-value".into())], []);
        let matrix =
            Matrix::from_str_with(&text, &path, &vars).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(
            matrix.project.registry.as_deref(),
            Some("localhost:5000/shop")
        );
        assert_eq!(matrix.project.tag, "1.4.2");
        assert_eq!(
            matrix.project.labels["org.opencontainers.image.vendor"],
            "Acme"
        );
        let base = matrix.component("base").unwrap();
        assert_eq!(
            base.args["GREETING"],
            "costs $5, ${NOT_A_VAR} and $$ \"quoted\""
        );
        assert_eq!(base.aliases, ["shop-base"]);
        let api = matrix.component("api").unwrap();
        assert_eq!(api.depends_on, ["base"]);
        assert_eq!(api.target.as_deref(), Some("runtime"));
        assert_eq!(api.platforms.len(), 1);
        assert!(api.dockerfile.ends_with("src/api/docker/api.Dockerfile"));
        assert_eq!(
            api.contexts["tools"],
            "docker-image://localhost:5000/tools:1"
        );
        assert!(api.contexts["docs"].ends_with("/docs"));
        assert_eq!(
            matrix.secrets["npm_token"],
            SecretSource::Env("NPM_TOKEN".into())
        );
        assert!(api.labels["org.opencontainers.image.description"].starts_with("the API"));
    }

    #[test]
    fn the_written_file() {
        insta::assert_snapshot!(render(&proposal()));
    }
}
