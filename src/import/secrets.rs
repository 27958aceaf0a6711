//! A target's `secret` and `ssh` entries, as buildx reads them, turned into where archgrid
//! reads the same values.

use std::path::{Path, PathBuf};

use super::paths;

/// Where a secret's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretFrom {
    Env(String),
    /// Absolute.
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    pub id: String,
    pub from: SecretFrom,
}

/// `id=ID[,type=env|file][,env=VAR][,src=PATH]` as buildx takes it; a relative `src` is
/// relative to `cwd`, where bake ran. With neither `env` nor `src`, BuildKit reads the variable
/// named ID when it is set (`env_is_set`), else the file named ID.
pub fn parse_secret(
    spec: &str,
    cwd: &Path,
    env_is_set: &dyn Fn(&str) -> bool,
) -> Result<Secret, String> {
    let (mut id, mut kind, mut env, mut src) = (None, None, None, None);
    for field in spec.split(',') {
        let (key, value) = field
            .split_once('=')
            .ok_or_else(|| format!("{field:?} is not key=value"))?;
        match key.to_ascii_lowercase().as_str() {
            "id" => id = Some(value),
            "type" => kind = Some(value),
            "env" => env = Some(value),
            "src" | "source" => src = Some(value),
            other => return Err(format!("unknown key {other:?}")),
        }
    }
    let id = id.filter(|i| is_id(i)).ok_or("no usable id")?.to_string();
    if let Some(other) = kind.filter(|k| *k != "env" && *k != "file") {
        return Err(format!("unknown type {other:?}"));
    }
    let from = match (kind, env, src) {
        (_, Some(_), Some(_)) => return Err("both env and src".into()),
        (_, Some(var), None) | (Some("env"), None, Some(var)) => SecretFrom::Env(var.to_string()),
        (Some("env"), None, None) => SecretFrom::Env(id.clone()),
        (_, None, Some(path)) => SecretFrom::File(paths::absolute(cwd, Path::new(path))),
        (None, None, None) if env_is_set(&id) => SecretFrom::Env(id.clone()),
        (_, None, None) => SecretFrom::File(paths::absolute(cwd, Path::new(&id))),
    };
    if let SecretFrom::Env(var) = &from {
        if !crate::config::vars::is_name(var) {
            return Err(format!("{var:?} is not an environment variable name"));
        }
    }
    Ok(Secret { id, from })
}

/// An `ssh` entry: `default` or an id forward the agent; `id=path[,path]` forwards keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssh {
    pub id: String,
    /// Absolute; empty for the agent.
    pub keys: Vec<PathBuf>,
}

pub fn parse_ssh(spec: &str, cwd: &Path) -> Result<Ssh, String> {
    let (id, keys) = match spec.split_once('=') {
        Some((id, keys)) => (id, Some(keys)),
        None => (spec, None),
    };
    if !is_id(id) {
        return Err("no usable id".into());
    }
    let keys = keys
        .map(|k| {
            k.split(',')
                .map(|p| paths::absolute(cwd, Path::new(p)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Ssh {
        id: id.to_string(),
        keys,
    })
}

impl Ssh {
    /// As a component's `ssh` entry in a matrix in `matrix_dir`.
    pub fn spelled(&self, matrix_dir: &Path) -> String {
        if self.keys.is_empty() {
            return self.id.clone();
        }
        let keys: Vec<String> = self
            .keys
            .iter()
            .map(|k| paths::from_matrix(matrix_dir, k))
            .collect();
        format!("{}={}", self.id, keys.join(","))
    }
}

/// The ids buildx and the matrix both accept.
fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(spec: &str) -> Result<Secret, String> {
        parse_secret(spec, Path::new("/p"), &|name| name == "SET")
    }

    #[test]
    fn secrets_read_like_buildx() {
        let env = |id: &str, var: &str| Secret {
            id: id.into(),
            from: SecretFrom::Env(var.into()),
        };
        let file = |id: &str, path: &str| Secret {
            id: id.into(),
            from: SecretFrom::File(path.into()),
        };
        assert_eq!(secret("id=tok,env=TOKEN"), Ok(env("tok", "TOKEN")));
        assert_eq!(secret("type=env,id=tok,src=TOKEN"), Ok(env("tok", "TOKEN")));
        assert_eq!(secret("type=env,id=TOK"), Ok(env("TOK", "TOK")));
        assert_eq!(
            secret("id=netrc,src=/etc/netrc"),
            Ok(file("netrc", "/etc/netrc"))
        );
        assert_eq!(
            secret("type=file,id=f,source=./sub/f"),
            Ok(file("f", "/p/sub/f"))
        );
        assert_eq!(secret("id=SET"), Ok(env("SET", "SET")));
        assert_eq!(secret("id=unset"), Ok(file("unset", "/p/unset")));
        for bad in [
            "env=X",
            "id=a,bogus=1",
            "id=a,type=s3",
            "id=a b,env=X",
            "novalue",
            "id=a,env=X,src=y",
            "id=a,env=1X",
        ] {
            assert!(secret(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ssh_keys_are_spelled_from_the_matrix() {
        let agent = parse_ssh("default", Path::new("/p")).unwrap();
        assert_eq!(agent.spelled(Path::new("/p/out")), "default");
        let keys = parse_ssh("git=keys/a,/p/b", Path::new("/p")).unwrap();
        assert_eq!(keys.spelled(Path::new("/p/out")), "git=../keys/a,../b");
        assert!(parse_ssh("=x", Path::new("/p")).is_err());
    }
}
