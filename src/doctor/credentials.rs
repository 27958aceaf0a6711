//! The docker CLI's config file: whether it holds credentials for a registry, and where they
//! are kept. The credentials themselves are never read into a message.

use std::path::PathBuf;

use serde_json::Value;

#[derive(Debug, Clone)]
pub struct DockerConfig {
    pub path: PathBuf,
    /// `Ok(None)`: there is no config file.
    json: Result<Option<Value>, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// An `auths` entry with a secret in the file.
    Inline,
    /// `credHelpers` names a helper for this registry.
    Helper(String),
    /// `credsStore` keeps every registry's credentials; whether it has these is not asked.
    Store(String),
    None,
    NoFile,
    Unreadable(String),
}

impl Credentials {
    pub fn present(&self) -> bool {
        matches!(
            self,
            Credentials::Inline | Credentials::Helper(_) | Credentials::Store(_)
        )
    }
}

impl DockerConfig {
    /// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`, as the docker CLI reads it.
    pub fn load() -> DockerConfig {
        let dir = std::env::var_os("DOCKER_CONFIG")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker")))
            .unwrap_or_else(|| PathBuf::from(".docker"));
        let path = dir.join("config.json");
        let json = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| format!("{} is not valid JSON: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        };
        DockerConfig { path, json }
    }

    #[cfg(test)]
    fn from_text(text: &str) -> DockerConfig {
        DockerConfig {
            path: "/home/u/.docker/config.json".into(),
            json: Ok(Some(serde_json::from_str(text).unwrap())),
        }
    }

    pub fn current_context(&self) -> Option<String> {
        let json = self.json.as_ref().ok()?.as_ref()?;
        json.get("currentContext")?
            .as_str()
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    }

    /// `hosts` are the spellings the registry may be stored under, as `host[:port]`.
    pub fn credentials(&self, hosts: &[String]) -> Credentials {
        let json = match &self.json {
            Err(e) => return Credentials::Unreadable(e.clone()),
            Ok(None) => return Credentials::NoFile,
            Ok(Some(json)) => json,
        };
        let matches = |key: &str| hosts.iter().any(|h| h.eq_ignore_ascii_case(&server(key)));
        if let Some(helper) = json
            .get("credHelpers")
            .and_then(Value::as_object)
            .and_then(|m| m.iter().find(|(k, _)| matches(k)))
            .and_then(|(_, v)| v.as_str())
        {
            return Credentials::Helper(helper.to_string());
        }
        let entry = json
            .get("auths")
            .and_then(Value::as_object)
            .and_then(|m| m.iter().find(|(k, _)| matches(k)))
            .map(|(_, v)| v);
        let has_secret = entry.is_some_and(|e| {
            ["auth", "identitytoken", "password"].iter().any(|k| {
                e.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            })
        });
        if has_secret {
            return Credentials::Inline;
        }
        if let Some(store) = json.get("credsStore").and_then(Value::as_str) {
            if !store.is_empty() {
                return Credentials::Store(store.to_string());
            }
        }
        Credentials::None
    }

    /// Where a registry's credentials are, in words.
    pub fn describe(&self, credentials: &Credentials, registry: &str) -> String {
        let path = self.path.display();
        match credentials {
            Credentials::Inline => format!("credentials for {registry} are in {path} (auths)"),
            Credentials::Helper(h) => format!(
                "credentials for {registry} are kept by docker-credential-{h} (credHelpers in {path})"
            ),
            Credentials::Store(s) => format!(
                "credentials for {registry}, if any, are kept by docker-credential-{s} (credsStore \
                 in {path}; not asked)"
            ),
            Credentials::None => format!("{path} holds no credentials for {registry}"),
            Credentials::NoFile => format!("there is no {path}, so no credentials for {registry}"),
            Credentials::Unreadable(e) => e.clone(),
        }
    }
}

/// `https://index.docker.io/v1/` → `index.docker.io`: config keys may carry a scheme and path.
fn server(key: &str) -> String {
    let rest = key.split_once("://").map_or(key, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "dXNlcjpodW50ZXIy";

    fn hosts(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn inline_credentials_are_found_but_never_shown() {
        let config = DockerConfig::from_text(&format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{SECRET}"}},"localhost:5000":{{}}}}}}"#
        ));
        let hub = config.credentials(&hosts(&["index.docker.io", "docker.io"]));
        assert_eq!(hub, Credentials::Inline);
        let text = config.describe(&hub, "docker.io");
        assert!(!text.contains(SECRET), "{text}");
        assert_eq!(
            config.credentials(&hosts(&["localhost:5000"])),
            Credentials::None,
            "an empty entry holds nothing"
        );
    }

    #[test]
    fn helpers_and_stores_are_named() {
        let config = DockerConfig::from_text(
            r#"{"auths":{"ghcr.io":{}},"credsStore":"desktop","credHelpers":{"123.dkr.ecr.us-east-1.amazonaws.com":"ecr-login"},"currentContext":"arm"}"#,
        );
        assert_eq!(
            config.credentials(&hosts(&["123.dkr.ecr.us-east-1.amazonaws.com"])),
            Credentials::Helper("ecr-login".into())
        );
        assert_eq!(
            config.credentials(&hosts(&["ghcr.io"])),
            Credentials::Store("desktop".into())
        );
        assert_eq!(config.current_context().as_deref(), Some("arm"));
    }

    #[test]
    fn no_file_and_bad_json_are_told_apart() {
        let missing = DockerConfig {
            path: "/nope/config.json".into(),
            json: Ok(None),
        };
        assert_eq!(missing.credentials(&hosts(&["x"])), Credentials::NoFile);
        let broken = DockerConfig {
            path: "/x/config.json".into(),
            json: Err("/x/config.json is not valid JSON".into()),
        };
        assert!(matches!(
            broken.credentials(&hosts(&["x"])),
            Credentials::Unreadable(_)
        ));
    }
}
