//! The input key of each cell: what went into its image. A cell is skipped only when its key
//! matches the one recorded with its last green build.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::build::context::{ignore_file, Cancelled, ContextHasher, HashStats, IgnoreRules, Watch};
use crate::model::text::{hex, relative_to};
use crate::plan::Plan;

/// Each cell's key, and what hashing the contexts found on the way.
#[derive(Debug, Clone, Default)]
pub struct InputKeys {
    /// By cell index.
    pub keys: Vec<String>,
    /// Ignore files buildx will refuse, each once, with what is hashed instead.
    pub notes: Vec<String>,
    pub stats: HashStats,
}

/// One key per cell: what went into its image. A dependency's key is part of its dependents'
/// keys, so a changed base rebuilds everything built on it.
pub fn input_keys(plan: &Plan, watch: &Watch) -> Result<InputKeys, Cancelled> {
    let mut contexts = Contexts {
        hasher: ContextHasher::open(&plan.state_dir),
        hashes: BTreeMap::new(),
        notes: Vec::new(),
        root: plan.state_dir.parent().unwrap_or(Path::new("/")),
    };
    let mut keys: Vec<String> = Vec::with_capacity(plan.cells.len());
    for cell in &plan.cells {
        let ctx = contexts.hash(&cell.context, Some(&cell.dockerfile), watch)?;
        let mut h = Sha256::new();
        for arg in &cell.argv {
            h.update(arg.as_bytes());
            h.update([0]);
        }
        h.update(ctx.as_bytes());
        // Named contexts that are directories go into the image like the main context does.
        for dir in local_contexts(&cell.argv) {
            let hash = contexts.hash(&dir, None, watch)?;
            h.update(hash.as_bytes());
        }
        h.update(std::fs::read(&cell.dockerfile).unwrap_or_default());
        for &dep in &cell.deps {
            h.update(keys[dep].as_bytes());
        }
        keys.push(hex(&h.finalize()));
    }
    contexts.hasher.save();
    Ok(InputKeys {
        keys,
        notes: contexts.notes,
        stats: contexts.hasher.stats(),
    })
}

/// Each context is hashed once per ignore file that applies to it.
struct Contexts<'a> {
    hasher: ContextHasher,
    hashes: BTreeMap<(PathBuf, Option<PathBuf>), String>,
    notes: Vec<String>,
    /// The matrix folder, to name files in notes.
    root: &'a Path,
}

impl Contexts<'_> {
    fn hash(
        &mut self,
        context: &Path,
        dockerfile: Option<&Path>,
        watch: &Watch,
    ) -> Result<String, Cancelled> {
        let ignore = ignore_file(context, dockerfile);
        let memo = (context.to_path_buf(), ignore.clone());
        if let Some(hash) = self.hashes.get(&memo) {
            return Ok(hash.clone());
        }
        let rules = match &ignore {
            Some(file) => self.rules(file),
            None => IgnoreRules::default(),
        };
        let hash = self.hasher.hash(context, &rules, watch)?;
        self.hashes.insert(memo, hash.clone());
        Ok(hash)
    }

    /// An ignore file buildx will refuse fails the build anyway; until it is fixed the whole
    /// context counts, so no change can be missed.
    fn rules(&mut self, file: &Path) -> IgnoreRules {
        let bytes = std::fs::read(file).unwrap_or_default();
        IgnoreRules::parse(&bytes).unwrap_or_else(|e| {
            self.notes.push(format!(
                "{} {e}: buildx will refuse it; until it is fixed, skip-if-green counts every file of the context",
                relative_to(file, self.root).display()
            ));
            IgnoreRules::default()
        })
    }
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
