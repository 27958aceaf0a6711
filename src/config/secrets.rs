//! `[secrets]`, a component's `secrets` and `ssh`: where each value comes from, checked before
//! anything runs, so a build never starts without the credential it needs.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;

use super::error::Collector;
use super::raw::{RawSecret, Text};
use super::suggest::closest;
use super::vars::{expand_home, is_name, Vars};
use super::{clean, SecretSource};
use crate::model::redact::{too_short, MIN_MASKED};

/// The socket of the ssh agent that `--ssh default` forwards.
const SSH_AGENT: &str = "SSH_AUTH_SOCK";

pub(super) struct Defined {
    pub source: SecretSource,
    /// The id in `[secrets]`.
    pub span: Range<usize>,
}

/// The `[secrets]` table; values are not looked at until a component uses the secret.
pub(super) fn table(
    raw: Vec<(Text, RawSecret)>,
    root: &Path,
    vars: &Vars,
    errors: &mut Collector<'_>,
) -> BTreeMap<String, Defined> {
    let mut defined = BTreeMap::new();
    for (id, secret) in raw {
        if !is_id(id.get_ref()) {
            errors.push(
                id.span(),
                format!("secret id {:?} cannot be passed to buildx", id.get_ref()),
                "use letters, digits, '.', '_' and '-', e.g. npm_token",
            );
        }
        let example = format!(r#"{} = {{ env = "NPM_TOKEN" }}"#, id.get_ref());
        let source = match (secret.env, secret.file) {
            (Some(env), None) => {
                if !is_name(env.get_ref()) {
                    errors.push(
                        env.span(),
                        format!("{:?} is not an environment variable name", env.get_ref()),
                        format!("name the variable that holds the value: {example}"),
                    );
                }
                SecretSource::Env(env.into_inner())
            }
            (None, Some(file)) => {
                if file.get_ref().is_empty() {
                    errors.push(
                        file.span(),
                        "the secret's file is empty",
                        "name the file that holds the value, e.g. file = \"~/.netrc\"",
                    );
                }
                let path = root.join(expand_home(file.get_ref(), vars));
                SecretSource::File(clean(&path))
            }
            (Some(env), Some(_)) => {
                errors.push(
                    env.span(),
                    format!("secret {:?} has both env and file", id.get_ref()),
                    "a secret comes from one place: keep env or file",
                );
                continue;
            }
            (None, None) => {
                errors.push(
                    id.span(),
                    format!("secret {:?} says neither env nor file", id.get_ref()),
                    format!("say where its value comes from: {example}"),
                );
                continue;
            }
        };
        defined.insert(
            id.get_ref().clone(),
            Defined {
                source,
                span: id.span(),
            },
        );
    }
    defined
}

/// A component's `secrets`: each must be defined and its value present now.
pub(super) fn uses(
    refs: &[Text],
    component: &str,
    defined: &BTreeMap<String, Defined>,
    vars: &Vars,
    used: &mut BTreeSet<String>,
    errors: &mut Collector<'_>,
) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for r in refs {
        let id = r.get_ref();
        if ids.contains(id) {
            errors.push(
                r.span(),
                format!("component {component:?} lists secret {id:?} twice"),
                "remove one of the two entries",
            );
            continue;
        }
        let Some(def) = defined.get(id) else {
            let known: Vec<&str> = defined.keys().map(String::as_str).collect();
            let hint = match closest(id, known.iter().copied()) {
                Some(guess) => format!("did you mean {guess:?}?"),
                None if known.is_empty() => format!(
                    r#"define it in a [secrets] table: {id} = {{ env = "VARIABLE" }} or {id} = {{ file = "~/path" }}"#
                ),
                None => format!(
                    r#"secrets defined: {}; add {id} = {{ env = "VARIABLE" }} to [secrets]"#,
                    known.join(", ")
                ),
            };
            errors.push(
                r.span(),
                format!(
                    "component {component:?} uses secret {id:?}, which [secrets] does not define"
                ),
                hint,
            );
            continue;
        };
        used.insert(id.clone());
        ids.push(id.clone());
        match current_value(&def.source, vars) {
            Err(problem) => {
                let (line, _) = errors.position(def.span.start);
                errors.push(
                    r.span(),
                    format!("component {component:?} uses secret {id:?}, but {problem}"),
                    missing_hint(&def.source, line, vars),
                );
            }
            Ok(value) if too_short(value.trim()) => errors.warn(
                r.span(),
                format!("secret {id:?} is shorter than {MIN_MASKED} characters, so build output that prints it is not masked"),
                "a real credential is longer; masking very short values would hide ordinary output",
            ),
            Ok(_) => {}
        }
    }
    ids
}

/// The value a build would get now, or what stands in its way.
fn current_value(source: &SecretSource, vars: &Vars) -> Result<String, String> {
    match source {
        SecretSource::Env(name) => vars
            .env(name)
            .map(str::to_string)
            .ok_or_else(|| format!("the environment variable {name} is not set")),
        SecretSource::File(path) => read_file(path),
    }
}

/// A secret file's value; anything but a regular file is refused before it is opened, since
/// opening a pipe would wait for a writer.
pub(super) fn read_file(path: &Path) -> Result<String, String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => std::fs::read(path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| format!("its file {} cannot be read: {e}", path.display())),
        Ok(_) => Err(format!("its file {} is not a file", path.display())),
        Err(_) => Err(format!("its file {} does not exist", path.display())),
    }
}

/// What to do about a secret whose value is missing, defined on `line` of the matrix.
fn missing_hint(source: &SecretSource, line: usize, vars: &Vars) -> String {
    match source {
        SecretSource::Env(name) if vars.in_dotenv(name) => format!("{name} is in .env, but a secret is read only from the environment, which buildx inherits: export {name} before running archgrid"),
        SecretSource::Env(name) => format!("export {name} before running archgrid, or read the secret from a file (line {line} of the matrix)"),
        SecretSource::File(_) => format!("create the file, or change `file` for this secret on line {line}"),
    }
}

/// Every secret no component uses: a leftover, or a forgotten `secrets = [...]`.
pub(super) fn warn_unused(
    defined: &BTreeMap<String, Defined>,
    used: &BTreeSet<String>,
    errors: &mut Collector<'_>,
) {
    for (id, def) in defined {
        if !used.contains(id) {
            errors.warn(
                def.span.clone(),
                format!("secret {id:?} is defined but no component uses it"),
                format!(r#"add secrets = ["{id}"] to the components that need it, or remove it"#),
            );
        }
    }
}

/// A component's `ssh`: `default` or an id forwards the agent; `id=path[,path]` forwards keys.
/// Returned as buildx takes them, with paths made absolute.
pub(super) fn ssh(
    entries: &[Text],
    component: &str,
    root: &Path,
    vars: &Vars,
    errors: &mut Collector<'_>,
) -> Vec<String> {
    let mut out = Vec::new();
    for entry in entries {
        let (id, paths) = match entry.get_ref().split_once('=') {
            Some((id, paths)) => (id, Some(paths)),
            None => (entry.get_ref().as_str(), None),
        };
        if !is_id(id) {
            errors.push(
                entry.span(),
                format!("ssh entry {:?} in component {component:?} has no usable id", entry.get_ref()),
                r#"write ssh = ["default"] to forward the agent, or ssh = ["github=~/.ssh/id_ed25519"] for a key"#,
            );
            continue;
        }
        let Some(paths) = paths else {
            match vars.env(SSH_AGENT) {
                Some(sock) if Path::new(sock).exists() => {}
                Some(sock) => errors.push(
                    entry.span(),
                    format!("component {component:?} forwards the ssh agent, but {SSH_AGENT} names {sock}, which does not exist"),
                    "start the agent (eval $(ssh-agent); ssh-add) in the shell that runs archgrid",
                ),
                None => errors.push(
                    entry.span(),
                    format!("component {component:?} forwards the ssh agent, but {SSH_AGENT} is not set"),
                    "start the agent (eval $(ssh-agent); ssh-add) in the shell that runs archgrid, or name a key: ssh = [\"default=~/.ssh/id_ed25519\"]",
                ),
            }
            out.push(id.to_string());
            continue;
        };
        let mut resolved = Vec::new();
        for path in paths.split(',') {
            let abs = clean(&root.join(expand_home(path, vars)));
            if !abs.exists() {
                errors.push(
                    entry.span(),
                    format!(
                        "ssh key {} for component {component:?} does not exist",
                        abs.display()
                    ),
                    "fix the path; it is relative to the matrix file, and ~ is your home",
                );
            }
            resolved.push(abs.display().to_string());
        }
        out.push(format!("{id}={}", resolved.join(",")));
    }
    out
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}
