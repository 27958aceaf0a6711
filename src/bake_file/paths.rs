//! Paths as the bake file spells them. buildx 0.13's bake resolves a target's context, its named
//! contexts and its secret and ssh files against the folder bake runs in, never against the
//! file's own folder, and a dockerfile against the context. The file is written for a bake run
//! in the matrix's folder: project paths are relative to it, so the project can move; a secret
//! or key file outside it (in the home folder, usually) stays absolute.

use std::path::Path;

use crate::import::paths::{from_matrix, relative, spelled};
use crate::model::text::{csv_field, csv_fields};

/// A folder or file of the project, relative to `root` (with `..` when outside it).
pub(super) fn project(root: &Path, path: &str) -> String {
    let path = Path::new(path);
    if path.is_absolute() {
        from_matrix(root, path)
    } else {
        path.display().to_string()
    }
}

/// The dockerfile, which bake reads relative to the context; `context` as archgrid passes it.
pub(super) fn dockerfile(context: &str, dockerfile: &str) -> String {
    let (context, file) = (Path::new(context), Path::new(dockerfile));
    if !(context.is_absolute() && file.is_absolute()) {
        return dockerfile.to_string();
    }
    spelled(&relative(context, file))
}

/// A secret or key file: relative when it is inside `root`, absolute otherwise.
pub(super) fn private(root: &Path, path: &str) -> String {
    match Path::new(path).strip_prefix(root) {
        Ok(inside) => spelled(inside),
        Err(_) => path.to_string(),
    }
}

/// A `--build-context` source: a folder or an OCI layout's folder is made relative; an image
/// or a URL is kept as written.
pub(super) fn context_source(root: &Path, value: &str) -> String {
    if let Some(layout) = value.strip_prefix("oci-layout://") {
        // The path part may carry a `:tag` or `@digest` after it.
        let dir = layout.split(['@', ':']).next().unwrap_or_default();
        return format!(
            "oci-layout://{}{}",
            project(root, dir),
            &layout[dir.len()..]
        );
    }
    if Path::new(value).is_absolute() {
        return project(root, value);
    }
    value.to_string()
}

/// A `--secret` spec with its `src` file, if any, made relative; the rest as archgrid passes it.
pub(super) fn secret_spec(root: &Path, spec: &str) -> String {
    let fields: Vec<String> = csv_fields(spec)
        .into_iter()
        .map(|field| match field.split_once('=') {
            Some((key @ ("src" | "source"), path)) => format!("{key}={}", private(root, path)),
            _ => field,
        })
        .collect();
    fields
        .iter()
        .map(|f| csv_field(f))
        .collect::<Vec<_>>()
        .join(",")
}

/// An `--ssh` spec, `default` or `id=KEY[,KEY]`, with its key files made relative.
pub(super) fn ssh_spec(root: &Path, spec: &str) -> String {
    match spec.split_once('=') {
        Some((id, keys)) => {
            let keys: Vec<String> = keys.split(',').map(|k| private(root, k)).collect();
            format!("{id}={}", keys.join(","))
        }
        None => spec.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/p/proj";

    #[test]
    fn project_paths_are_relative_to_the_matrix_folder() {
        let root = Path::new(ROOT);
        assert_eq!(project(root, "/p/proj/api"), "api");
        assert_eq!(project(root, "/p/proj"), ".");
        assert_eq!(project(root, "/p/lib"), "../lib");
        assert_eq!(
            dockerfile("/p/proj/api", "/p/proj/api/Dockerfile"),
            "Dockerfile"
        );
        assert_eq!(
            dockerfile("/p/proj/api", "/p/proj/docker/api.Dockerfile"),
            "../docker/api.Dockerfile"
        );
        // The matrix may climb out with `..`; both paths keep it the same way.
        assert_eq!(
            dockerfile(
                "/p/proj/../../lib/base",
                "/p/proj/../../lib/base/Dockerfile"
            ),
            "Dockerfile"
        );
        assert_eq!(project(root, "/p/proj/../../lib/base"), "../../lib/base");
        assert_eq!(
            context_source(root, "oci-layout:///p/proj/layout:v1"),
            "oci-layout://layout:v1"
        );
        assert_eq!(context_source(root, "/p/proj/docs"), "docs");
        assert_eq!(
            context_source(root, "docker-image://localhost:5000/tools:1"),
            "docker-image://localhost:5000/tools:1"
        );
    }

    #[test]
    fn secret_and_key_files_outside_the_project_stay_absolute() {
        let root = Path::new(ROOT);
        assert_eq!(secret_spec(root, "id=a,env=A"), "id=a,env=A");
        assert_eq!(
            secret_spec(root, "id=n,src=/p/proj/secrets/n"),
            "id=n,src=secrets/n"
        );
        assert_eq!(
            secret_spec(root, "id=n,src=/home/u/.netrc"),
            "id=n,src=/home/u/.netrc"
        );
        assert_eq!(
            secret_spec(root, r#"id=k,"src=/p/proj/a,b""#),
            r#"id=k,"src=a,b""#
        );
        assert_eq!(ssh_spec(root, "default"), "default");
        assert_eq!(
            ssh_spec(root, "gh=/p/proj/keys/k,/home/u/.ssh/id"),
            "gh=keys/k,/home/u/.ssh/id"
        );
    }
}
