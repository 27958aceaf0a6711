//! `docker buildx bake --print`: buildx evaluates compose and bake files (interpolation, HCL
//! functions, `matrix`, `inherits`, variables) and prints the resolved targets as JSON. Only
//! that JSON is read; its progress goes to stderr and is kept for a failure's message.
//!
//! As buildx 0.13.1 prints them, `context` is the path as written in the file with `./` and
//! the like cleaned away, which bake resolves against the directory it runs in (absolute paths
//! stay absolute; compose paths are not made relative to the compose file); `dockerfile` is
//! relative to the context unless absolute or `cwd://`; named `contexts` and secret `src`
//! paths are relative to the directory bake runs in.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

/// Long enough for a remote bake definition; bake --print builds nothing.
const LIMIT: Duration = Duration::from_secs(120);

/// What `bake --print` prints.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct Print {
    #[serde(default)]
    pub group: BTreeMap<String, Group>,
    #[serde(default)]
    pub target: BTreeMap<String, Target>,
}

#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct Group {
    #[serde(default)]
    pub targets: Vec<String>,
}

/// One resolved target. Keys archgrid has no place for are kept in `other`, to be named.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case")]
pub struct Target {
    pub context: Option<String>,
    #[serde(default)]
    pub contexts: BTreeMap<String, String>,
    pub dockerfile: Option<String>,
    pub dockerfile_inline: Option<String>,
    /// HCL can set an arg to null, which bake leaves unset.
    #[serde(default)]
    pub args: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub labels: BTreeMap<String, Option<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub platforms: Vec<String>,
    pub target: Option<String>,
    #[serde(default)]
    pub secret: Vec<String>,
    #[serde(default)]
    pub ssh: Vec<String>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

impl Print {
    pub fn parse(json: &str) -> Result<Print, String> {
        serde_json::from_str(json).map_err(|e| {
            format!("docker buildx bake --print printed JSON archgrid cannot read: {e}")
        })
    }

    /// Target names in the order the default group lists them (groups expanded in place),
    /// then any other target (one linked through `target:`) by name.
    pub fn ordered_targets(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.expand("default", &mut out, &mut Vec::new());
        for name in self.target.keys() {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }

    fn expand(&self, name: &str, out: &mut Vec<String>, seen: &mut Vec<String>) {
        if seen.iter().any(|s| s == name) {
            return;
        }
        seen.push(name.to_string());
        if let Some(group) = self.group.get(name) {
            for member in &group.targets {
                self.expand(member, out, seen);
            }
        } else if self.target.contains_key(name) && !out.iter().any(|o| o == name) {
            out.push(name.to_string());
        }
    }
}

/// Why bake could not print the targets.
#[derive(Debug)]
pub struct BakeError {
    /// The command as a person would type it.
    pub command: String,
    /// buildx's own words.
    pub message: String,
    pub hint: String,
}

impl std::fmt::Display for BakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} failed: {}", self.command, self.message)
    }
}

/// The argument vector after `docker`: `-f` for each file, none for bake's default lookup.
pub fn argv(files: &[PathBuf]) -> Vec<String> {
    let mut argv: Vec<String> = ["buildx", "bake", "--print"].map(String::from).to_vec();
    for file in files {
        argv.push("-f".into());
        argv.push(file.display().to_string());
    }
    argv
}

/// Runs bake in this process's working directory, so paths come out as bake resolves them.
pub async fn print(files: &[PathBuf]) -> Result<Print, BakeError> {
    let argv = argv(files);
    let command = crate::model::text::docker_command_line(&argv);
    let fail = |message: String| BakeError {
        hint: hint_for(&message),
        command: command.clone(),
        message,
    };
    let ran = crate::docker::command::docker(&argv, None, Some(LIMIT))
        .await
        .map_err(|e| BakeError {
            command: command.clone(),
            message: e,
            hint: "install docker and docker-buildx (scripts/lab up does), or check PATH".into(),
        })?;
    if !ran.success {
        return Err(fail(ran.error_text()));
    }
    Print::parse(&ran.stdout).map_err(fail)
}

/// What to do about the failures bake's print step is known for.
fn hint_for(message: &str) -> String {
    if message.contains("ssh agent socket") || message.contains("SSH_AUTH_SOCK") {
        "a target forwards the ssh agent and bake checks it even to print: start one (eval $(ssh-agent)) in this shell".into()
    } else if message.contains("failed to find target default") {
        r#"the file has no "default" group: add group "default" { targets = [...] } naming the targets to import"#.into()
    } else if message.contains("couldn't find a bake definition")
        || message.contains("no such file")
    {
        "name the compose or bake files: archgrid import docker-compose.yml, or run it in the folder that has them".into()
    } else if message.contains("failed to stat") {
        "a secret's file is missing: bake checks it even to print; create it or fix its path".into()
    } else {
        "fix what buildx names, then run archgrid import again; `docker buildx bake --print` shows the same".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Printed by buildx 0.13.1 for a compose file (shortened).
    const COMPOSE: &str = r#"{
  "group": { "default": { "targets": ["web", "api"] } },
  "target": {
    "api": {
      "context": "api",
      "dockerfile": "Dockerfile",
      "args": { "PRICE": "costs $5 and dflt" },
      "tags": ["localhost:5000/demo/api:1.2"],
      "cache-to": ["type=inline"],
      "target": "runtime",
      "platforms": ["linux/amd64", "linux/arm64"]
    },
    "web": {
      "context": "web",
      "contexts": { "base": "service:api" },
      "dockerfile": "docker/web.Dockerfile",
      "labels": { "a.b": "c" },
      "secret": ["id=tok,env=TOKEN"],
      "shm-size": "1GiB",
      "no-cache": true
    }
  }
}"#;

    #[test]
    fn targets_parse_with_what_archgrid_cannot_express_kept_apart() {
        let print = Print::parse(COMPOSE).unwrap();
        let api = &print.target["api"];
        assert_eq!(api.context.as_deref(), Some("api"));
        assert_eq!(api.args["PRICE"].as_deref(), Some("costs $5 and dflt"));
        assert_eq!(api.platforms, ["linux/amd64", "linux/arm64"]);
        assert_eq!(api.other.keys().collect::<Vec<_>>(), ["cache-to"]);
        let web = &print.target["web"];
        assert_eq!(web.contexts["base"], "service:api");
        assert_eq!(web.secret, ["id=tok,env=TOKEN"]);
        assert_eq!(
            web.other.keys().collect::<Vec<_>>(),
            ["no-cache", "shm-size"]
        );
    }

    #[test]
    fn the_default_group_orders_targets_and_linked_ones_follow() {
        let json = r#"{
          "group": {
            "default": { "targets": ["base", "tools"] },
            "tools": { "targets": ["tool-b", "tool-a"] }
          },
          "target": {
            "base": {}, "tool-a": {}, "tool-b": {}, "linked": {}
          }
        }"#;
        let print = Print::parse(json).unwrap();
        assert_eq!(
            print.ordered_targets(),
            ["base", "tool-b", "tool-a", "linked"]
        );
        // A lone "default" target is printed without a group.
        let lone = Print::parse(r#"{"target": {"default": {"context": "."}}}"#).unwrap();
        assert_eq!(lone.ordered_targets(), ["default"]);
    }

    #[test]
    fn files_become_dash_f_and_none_means_the_default_lookup() {
        assert_eq!(argv(&[]), ["buildx", "bake", "--print"]);
        assert_eq!(
            argv(&["a.yml".into(), "b c.hcl".into()]),
            ["buildx", "bake", "--print", "-f", "a.yml", "-f", "b c.hcl"]
        );
    }

    #[test]
    fn known_failures_get_a_hint() {
        assert!(
            hint_for("ERROR: invalid empty ssh agent socket: make sure SSH_AUTH_SOCK is set")
                .contains("ssh-agent")
        );
        assert!(hint_for("ERROR: failed to find target default").contains("group \"default\""));
    }
}
