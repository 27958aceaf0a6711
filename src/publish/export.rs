//! Per-arch image tarballs for sites without a registry: `DIR/{arch}/{component}_{tag}.tar`,
//! each one `docker load` takes and tags with the cell's per-arch tag, plus `DIR/index.json`.
//!
//! Each file is written by a build whose only instruction is `FROM` the cell's image pinned by
//! digest, with BuildKit's docker exporter writing the tarball. Nothing in the engine's image
//! store is pulled or retagged, any builder can do it, and the platform is chosen explicitly:
//! `docker save` on a client whose API is downgraded to the engine's 1.45 has no `--platform`,
//! and would save whatever the local tag points at. BuildKit passes the manifest through
//! unchanged, so the file holds the very digest the cell pushed; that is checked after writing.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{cell_images, tarball, CellImage, NotGreen};
use crate::docker::command::docker;
use crate::model::text::csv_field;
use crate::model::{CellStatus, Platform};
use crate::plan::{docker_options, Plan};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub dir: PathBuf,
    /// Only these platforms; empty means every platform of the matrix.
    pub platforms: Vec<Platform>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportItem {
    pub image: CellImage,
    /// Relative to the export directory: `{arch}/{component}_{tag}.tar`.
    pub file: PathBuf,
    /// The cell's builder: where a registry-less build's image lives.
    pub builder: Option<String>,
    /// Set when the builder is a docker context.
    #[serde(skip)]
    pub docker_context: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportPlan {
    pub dir: PathBuf,
    pub project: String,
    pub tag: String,
    pub platforms: Vec<Platform>,
    pub items: Vec<ExportItem>,
    /// Cells of the chosen platforms with no image to export.
    pub missing: Vec<NotGreen>,
}

/// One written file, as `index.json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexEntry {
    pub file: String,
    pub component: String,
    pub platform: String,
    /// The per-arch tag `docker load` gives the image.
    pub tag: String,
    /// The image's manifest digest, the one the cell pushed.
    pub digest: String,
    /// Of the tar file, hex.
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub cell: String,
    pub file: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    pub index: PathBuf,
    pub written: Vec<IndexEntry>,
    pub failed: Vec<Failure>,
    pub missing: Vec<NotGreen>,
    /// `index.json` could not be written.
    pub index_error: Option<String>,
}

impl ExportReport {
    /// Every cell of the chosen platforms is in the directory.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.missing.is_empty() && self.index_error.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportProgress {
    Started { cell: String, file: String },
    Written(IndexEntry),
    Failed(Failure),
}

/// Which files an export writes and which cells it cannot. Fails only for a platform the matrix
/// does not build.
pub fn plan_export(
    plan: &Plan,
    statuses: &[CellStatus],
    opts: &ExportOptions,
) -> Result<ExportPlan, String> {
    for wanted in &opts.platforms {
        if !plan.platforms.iter().any(|p| p.same_as(wanted)) {
            let known: Vec<String> = plan.platforms.iter().map(|p| p.to_string()).collect();
            return Err(format!(
                "--platform {wanted} is not a platform of this matrix (platforms: {})",
                known.join(", ")
            ));
        }
    }
    let chosen =
        |p: &Platform| opts.platforms.is_empty() || opts.platforms.iter().any(|w| w.same_as(p));
    let (green, missing) = cell_images(plan, statuses, |c| chosen(&c.platform));
    let items = green
        .into_iter()
        .map(|image| ExportItem {
            file: PathBuf::from(image.platform.arch_tag())
                .join(format!("{}_{}.tar", image.component, plan.tag)),
            builder: plan.cells[image.cell].builder.clone(),
            docker_context: plan.cells[image.cell].docker_context.clone(),
            image,
        })
        .collect();
    Ok(ExportPlan {
        dir: opts.dir.clone(),
        project: plan.project.clone(),
        tag: plan.tag.clone(),
        platforms: plan
            .platforms
            .iter()
            .filter(|p| chosen(p))
            .cloned()
            .collect(),
        items,
        missing,
    })
}

/// The arguments after `docker` that write `item`'s tarball to `dest`. The Dockerfile
/// (`FROM img`) comes on stdin, with no build context.
pub fn export_argv(item: &ExportItem, dest: &Path) -> Vec<String> {
    let mut argv = docker_options(item.docker_context.as_deref());
    argv.extend(["buildx".to_string(), "build".to_string()]);
    if let Some(builder) = &item.builder {
        argv.extend(["--builder".to_string(), builder.clone()]);
    }
    let output = [
        "type=docker".to_string(),
        csv_field(&format!("dest={}", dest.display())),
        csv_field(&format!("name={}", item.image.image)),
    ]
    .join(",");
    argv.extend([
        "--platform".to_string(),
        item.image.platform.to_string(),
        "--build-context".to_string(),
        format!("img=docker-image://{}", item.image.pinned()),
        "--output".to_string(),
        output,
        "--provenance=false".to_string(),
        "--progress=plain".to_string(),
        "-".to_string(),
    ]);
    argv
}

/// Writes every file, one after another, then `index.json`.
pub async fn export(
    plan: &ExportPlan,
    progress: &mut (dyn FnMut(ExportProgress) + Send),
) -> ExportReport {
    let mut report = ExportReport {
        index: plan.dir.join("index.json"),
        written: Vec::new(),
        failed: Vec::new(),
        missing: plan.missing.clone(),
        index_error: None,
    };
    for item in &plan.items {
        let file = slash_path(&item.file);
        progress(ExportProgress::Started {
            cell: item.image.id(),
            file: file.clone(),
        });
        match export_one(&plan.dir, item).await {
            Ok(entry) => {
                progress(ExportProgress::Written(entry.clone()));
                report.written.push(entry);
            }
            Err(error) => {
                let failure = Failure {
                    cell: item.image.id(),
                    file,
                    error,
                };
                progress(ExportProgress::Failed(failure.clone()));
                report.failed.push(failure);
            }
        }
    }
    if let Err(e) = write_index(plan, &report) {
        report.index_error = Some(format!("could not write {}: {e}", report.index.display()));
    }
    report
}

async fn export_one(dir: &Path, item: &ExportItem) -> Result<IndexEntry, String> {
    let dest = dir.join(&item.file);
    let parent = dest.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent)
        .map_err(|e| format!("could not create {}: {e}", parent.display()))?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Written beside the final name and renamed once checked, so a file under the final name
    // is always complete.
    let partial = parent.join(format!(".{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    let result = write_checked(item, &partial).await;
    let facts = match result {
        Ok(facts) => facts,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, &dest).map_err(|e| {
        format!(
            "could not rename {} to {}: {e}",
            partial.display(),
            dest.display()
        )
    })?;
    Ok(IndexEntry {
        file: slash_path(&item.file),
        component: item.image.component.clone(),
        platform: item.image.platform.to_string(),
        tag: item.image.image.clone(),
        digest: item.image.digest.clone(),
        sha256: facts.sha256,
        size: facts.size,
    })
}

async fn write_checked(item: &ExportItem, partial: &Path) -> Result<tarball::TarFacts, String> {
    let argv = export_argv(item, partial);
    let ran = docker(&argv, Some(b"FROM img\n"), None).await?;
    if !ran.success {
        return Err(ran.error_text());
    }
    let path = partial.to_path_buf();
    let facts = tokio::task::spawn_blocking(move || tarball::inspect(&path))
        .await
        .map_err(|e| format!("reading the tarball back failed: {e}"))?
        .map_err(|e| format!("could not read back {}: {e}", partial.display()))?;
    if !facts.manifests.contains(&item.image.digest) {
        return Err(format!(
            "the tarball holds {}, not the cell's {}",
            if facts.manifests.is_empty() {
                "no manifest".to_string()
            } else {
                facts.manifests.join(", ")
            },
            item.image.digest
        ));
    }
    if !facts.repo_tags.contains(&item.image.image) {
        return Err(format!(
            "the tarball would load as {}, not {}",
            if facts.repo_tags.is_empty() {
                "an untagged image".to_string()
            } else {
                facts.repo_tags.join(", ")
            },
            item.image.image
        ));
    }
    Ok(facts)
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn write_index(plan: &ExportPlan, report: &ExportReport) -> std::io::Result<()> {
    let missing: Vec<serde_json::Value> = report
        .missing
        .iter()
        .map(|m| serde_json::json!({ "cell": m.id, "why": m.why }))
        .chain(report.failed.iter().map(
            |f| serde_json::json!({ "cell": f.cell, "why": format!("export failed: {}", f.error) }),
        ))
        .collect();
    let doc = serde_json::json!({
        "project": plan.project,
        "tag": plan.tag,
        "platforms": plan.platforms.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "files": report.written,
        "missing": missing,
    });
    std::fs::create_dir_all(&plan.dir)?;
    let tmp = plan.dir.join(format!(".index.json.{}", std::process::id()));
    std::fs::write(&tmp, format!("{}\n", serde_json::to_string_pretty(&doc)?))?;
    std::fs::rename(&tmp, &report.index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(builder: Option<&str>) -> ExportItem {
        ExportItem {
            image: CellImage {
                cell: 0,
                component: "app".into(),
                platform: "linux/arm64".parse().unwrap(),
                digest: "sha256:abc".into(),
                image: "localhost:5000/demo/app:v1-arm64".into(),
            },
            file: PathBuf::from("arm64/app_v1.tar"),
            builder: builder.map(str::to_string),
            docker_context: None,
        }
    }

    #[test]
    fn argv_pins_the_digest_and_names_the_per_arch_tag() {
        let argv = export_argv(&item(None), Path::new("/out/arm64/.app_v1.tar.partial"));
        assert_eq!(
            argv,
            [
                "buildx",
                "build",
                "--platform",
                "linux/arm64",
                "--build-context",
                "img=docker-image://localhost:5000/demo/app@sha256:abc",
                "--output",
                "type=docker,dest=/out/arm64/.app_v1.tar.partial,name=localhost:5000/demo/app:v1-arm64",
                "--provenance=false",
                "--progress=plain",
                "-",
            ]
        );
    }

    #[test]
    fn a_comma_in_the_path_is_quoted_for_buildx() {
        let argv = export_argv(&item(Some("arm-native")), Path::new("/a,b/x.tar"));
        assert!(argv.contains(
            &"type=docker,\"dest=/a,b/x.tar\",name=localhost:5000/demo/app:v1-arm64".to_string()
        ));
        let at = argv.iter().position(|a| a == "--builder").unwrap();
        assert_eq!(argv[at + 1], "arm-native");
    }
}
