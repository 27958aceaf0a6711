//! Compose files read directly, for what bake's output cannot say: the services that only pull
//! an image (bake drops them) and the order services are written in (bake prints a map).

use std::path::{Path, PathBuf};

use serde_norway::Value;

/// The compose files bake 0.13.1 reads when given none, in its order; it reads every one that
/// exists. Its bake files (`docker-bake.*`) are not compose.
pub const DEFAULT_FILES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// One service as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    /// It has a `build:` section, so bake makes a target of it.
    pub builds: bool,
    /// `image:` as written, interpolation and all.
    pub image: Option<String>,
}

/// A compose file's services, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeFile {
    pub path: PathBuf,
    pub services: Vec<Service>,
}

/// Reads `path` if it is a compose file: YAML whose top level has `services`. A bake file in
/// HCL or JSON is not, and gives `None`.
pub fn read(path: &Path) -> Result<Option<ComposeFile>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(parse(&text).map(|services| ComposeFile {
        path: path.to_path_buf(),
        services,
    }))
}

fn parse(text: &str) -> Option<Vec<Service>> {
    // Anything that is not YAML is a bake file, which bake itself has already read.
    let mut doc: Value = serde_norway::from_str(text).ok()?;
    // Services often share settings through `<<: *anchor`.
    doc.apply_merge().ok()?;
    let services = doc.get("services")?.as_mapping()?;
    Some(
        services
            .iter()
            .filter_map(|(name, body)| {
                let name = name.as_str()?.to_string();
                let mut body = body.clone();
                body.apply_merge().ok()?;
                Some(Service {
                    name,
                    builds: body.get("build").is_some_and(|b| !b.is_null()),
                    image: body
                        .get("image")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                })
            })
            .collect(),
    )
}

/// The compose files among `files`, or among bake's default names in `dir` when `files` is
/// empty.
pub fn read_all(files: &[PathBuf], dir: &Path) -> Result<Vec<ComposeFile>, String> {
    let paths: Vec<PathBuf> = if files.is_empty() {
        DEFAULT_FILES
            .iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .collect()
    } else {
        files.iter().map(|f| dir.join(f)).collect()
    };
    let mut out = Vec::new();
    for path in paths {
        if let Some(file) = read(&path)? {
            out.push(file);
        }
    }
    Ok(out)
}

/// Services with no `build:` in any of the files (an override file may add one), in order,
/// each with its image.
pub fn pull_only(files: &[ComposeFile]) -> Vec<Service> {
    let mut out: Vec<Service> = Vec::new();
    for service in files.iter().flat_map(|f| &f.services) {
        let builds = files
            .iter()
            .flat_map(|f| &f.services)
            .any(|s| s.name == service.name && s.builds);
        if builds || out.iter().any(|s| s.name == service.name) {
            continue;
        }
        let image = files
            .iter()
            .flat_map(|f| &f.services)
            .filter(|s| s.name == service.name)
            .filter_map(|s| s.image.clone())
            .next_back();
        out.push(Service {
            image,
            ..service.clone()
        });
    }
    out
}

/// The bake target a compose service becomes: bake turns dots into underscores.
pub fn target_name(service: &str) -> String {
    service.replace('.', "_")
}

/// Bake target names of the built services, in the order the files write them.
pub fn target_order(files: &[ComposeFile]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for service in files.iter().flat_map(|f| &f.services) {
        let name = target_name(&service.name);
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = r#"
x-build: &build
  build:
    context: shared
services:
  web.app:
    build: ./web
    image: localhost:5000/shop/web:1
  db:
    image: localhost:5000/library/debian:bookworm
  worker:
    <<: *build
  cache:
    image: ${CACHE_IMAGE:-localhost:5000/cache:7}
  sidecar: {}
"#;

    fn file(text: &str) -> ComposeFile {
        ComposeFile {
            path: "compose.yaml".into(),
            services: parse(text).expect("compose"),
        }
    }

    #[test]
    fn services_that_only_pull_are_found_with_their_image_as_written() {
        let skipped = pull_only(&[file(COMPOSE)]);
        let names: Vec<(&str, Option<&str>)> = skipped
            .iter()
            .map(|s| (s.name.as_str(), s.image.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("db", Some("localhost:5000/library/debian:bookworm")),
                ("cache", Some("${CACHE_IMAGE:-localhost:5000/cache:7}")),
                ("sidecar", None),
            ]
        );
    }

    #[test]
    fn an_override_file_that_adds_build_makes_a_service_built() {
        let over = file("services:\n  db:\n    build: ./db\n");
        let skipped = pull_only(&[file(COMPOSE), over]);
        assert!(skipped.iter().all(|s| s.name != "db"), "{skipped:?}");
    }

    #[test]
    fn order_follows_the_file_with_bake_target_names() {
        assert_eq!(
            target_order(&[file(COMPOSE)]),
            ["web_app", "db", "worker", "cache", "sidecar"]
        );
    }

    #[test]
    fn bake_files_are_not_compose() {
        assert_eq!(parse("target \"a\" {\n  context = \".\"\n}\n"), None);
        assert_eq!(parse(r#"{"target": {"a": {}}}"#), None);
    }
}
