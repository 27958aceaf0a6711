//! The input key of each cell: what went into its image. A cell is skipped only when its key
//! matches the one recorded with its last green build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::text::hex;
use crate::plan::Plan;

/// One key per cell: what went into its image. A dependency's key is part of its dependents'
/// keys, so a changed base rebuilds everything built on it.
pub fn input_keys(plan: &Plan) -> Vec<String> {
    let mut context_hashes: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut keys: Vec<String> = Vec::with_capacity(plan.cells.len());
    for cell in &plan.cells {
        let ctx = context_hashes
            .entry(cell.context.clone())
            .or_insert_with(|| hash_tree(&cell.context))
            .clone();
        let mut h = Sha256::new();
        for arg in &cell.argv {
            h.update(arg.as_bytes());
            h.update([0]);
        }
        h.update(ctx.as_bytes());
        // Named contexts that are directories go into the image like the main context does.
        for dir in local_contexts(&cell.argv) {
            let hash = context_hashes
                .entry(dir.clone())
                .or_insert_with(|| hash_tree(&dir));
            h.update(hash.as_bytes());
        }
        h.update(std::fs::read(&cell.dockerfile).unwrap_or_default());
        for &dep in &cell.deps {
            h.update(keys[dep].as_bytes());
        }
        keys.push(hex(&h.finalize()));
    }
    keys
}

/// The directories passed as `--build-context NAME=/dir`; images and URLs are named by the
/// argv itself.
fn local_contexts(argv: &[String]) -> Vec<PathBuf> {
    argv.windows(2)
        .filter(|w| w[0] == "--build-context")
        .filter_map(|w| w[1].split_once('=').map(|(_, v)| v))
        .filter(|v| v.starts_with('/'))
        .map(PathBuf::from)
        .collect()
}

/// Content hash of a build context: relative paths, kinds, exec bits and bytes, in sorted order.
pub fn hash_tree(root: &Path) -> String {
    let mut files = Vec::new();
    collect(root, root, &mut files);
    files.sort();
    let mut h = Sha256::new();
    for rel in files {
        let path = root.join(&rel);
        h.update(rel.to_string_lossy().as_bytes());
        h.update([0]);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                h.update(b"l");
                h.update(
                    std::fs::read_link(&path)
                        .unwrap_or_default()
                        .to_string_lossy()
                        .as_bytes(),
                );
            }
            Ok(meta) => {
                use std::os::unix::fs::PermissionsExt;
                h.update(if meta.permissions().mode() & 0o111 != 0 {
                    b"x"
                } else {
                    b"f"
                });
                h.update(std::fs::read(&path).unwrap_or_default());
            }
            Err(_) => h.update(b"?"),
        }
        h.update([0]);
    }
    hex(&h.finalize())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == crate::plan::STATE_DIR || name == ".git" {
            continue;
        }
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push(rel.to_path_buf());
        }
    }
}
