//! Where the matrix's sources come from, for the standard OCI labels: the repository's URL and
//! the commit, read from git when the matrix is in a work tree.

use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    /// The `origin` remote as a browsable URL, without credentials.
    pub url: Option<String>,
    /// The full commit id of HEAD.
    pub revision: Option<String>,
}

impl Source {
    /// Nothing is known outside a git work tree or without git; the labels are then left out.
    pub fn discover(dir: &Path) -> Source {
        let revision = git(dir, &["rev-parse", "--verify", "--quiet", "HEAD"])
            .filter(|r| r.len() >= 40 && r.bytes().all(|b| b.is_ascii_hexdigit()));
        let url = git(dir, &["config", "--get", "remote.origin.url"]).and_then(|u| public_url(&u));
        Source { url, revision }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

/// A remote as people open it: `git@host:org/repo.git` becomes `https://host/org/repo`, and a
/// token or password in the URL never reaches an image.
pub fn public_url(remote: &str) -> Option<String> {
    let remote = remote.trim();
    let url = if let Some((scheme, rest)) = remote.split_once("://") {
        let rest = match rest.split_once('/') {
            Some((authority, path)) => {
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                format!("{host}/{path}")
            }
            None => rest.rsplit_once('@').map_or(rest, |(_, h)| h).to_string(),
        };
        match scheme {
            "ssh" | "git" | "git+ssh" => format!("https://{}", strip_port_for_ssh(&rest)),
            "file" => return None,
            _ => format!("{scheme}://{rest}"),
        }
    } else if let Some((user_host, path)) = remote.split_once(':') {
        // scp-like syntax; a local path has no host part to open.
        if user_host.contains('/') || path.starts_with('/') && !user_host.contains('@') {
            return None;
        }
        let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
        format!("https://{host}/{}", path.trim_start_matches('/'))
    } else {
        return None;
    };
    Some(
        url.trim_end_matches('/')
            .trim_end_matches(".git")
            .to_string(),
    )
}

/// `host:22/org/repo` over ssh is served at `host/org/repo` over https.
fn strip_port_for_ssh(rest: &str) -> String {
    match rest.split_once('/') {
        Some((authority, path)) => {
            let host = authority.split_once(':').map_or(authority, |(h, _)| h);
            format!("{host}/{path}")
        }
        None => rest.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_become_public_urls_without_credentials() {
        let cases = [
            (
                "https://github.com/acme/grid.git",
                Some("https://github.com/acme/grid"),
            ),
            (
                "https://x-access-token:ghp_SECRET@github.com/acme/grid.git",
                Some("https://github.com/acme/grid"),
            ),
            (
                "git@github.com:acme/grid.git",
                Some("https://github.com/acme/grid"),
            ),
            (
                "ssh://git@gitlab.example:2222/acme/grid.git",
                Some("https://gitlab.example/acme/grid"),
            ),
            (
                "http://user:pw@localhost:3000/acme/grid",
                Some("http://localhost:3000/acme/grid"),
            ),
            ("/srv/git/grid.git", None),
            ("file:///srv/git/grid.git", None),
            ("../grid", None),
        ];
        for (remote, want) in cases {
            assert_eq!(public_url(remote).as_deref(), want, "{remote}");
        }
    }

    #[test]
    fn a_work_tree_gives_its_commit_and_origin() {
        let dir = tempfile::tempdir().unwrap();
        let run = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(dir.path())
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok, "git {args:?}");
        };
        assert_eq!(Source::discover(dir.path()), Source::default());
        run(&["init", "-q"]);
        run(&[
            "remote",
            "add",
            "origin",
            "https://token@example.org/acme/grid.git",
        ]);
        run(&[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.org",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "first",
        ]);
        let source = Source::discover(dir.path());
        assert_eq!(source.url.as_deref(), Some("https://example.org/acme/grid"));
        assert_eq!(source.revision.as_ref().map(String::len), Some(40));
    }
}
