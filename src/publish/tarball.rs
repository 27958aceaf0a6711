//! Reads back an exported image tarball: its sha256, and which manifest and tag it carries, so
//! a file that does not hold the cell's image is an error instead of a surprise offline.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::model::text::hex;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TarFacts {
    pub sha256: String,
    pub size: u64,
    /// Manifest digests the OCI `index.json` names.
    pub manifests: Vec<String>,
    /// `RepoTags` of the docker `manifest.json`: what `docker load` tags.
    pub repo_tags: Vec<String>,
}

pub fn inspect(path: &Path) -> io::Result<TarFacts> {
    let mut file = Hashing::new(BufReader::with_capacity(1 << 16, File::open(path)?));
    let mut facts = TarFacts::default();
    read_entries(&mut file, &mut facts)?;
    // The sha256 covers the whole file, including what follows the end-of-archive block.
    io::copy(&mut file, &mut io::sink())?;
    (facts.sha256, facts.size) = file.finish();
    Ok(facts)
}

fn read_entries(reader: impl Read, facts: &mut TarFacts) -> io::Result<()> {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?;
        let name = path.to_string_lossy();
        let name = name.trim_start_matches("./").to_string();
        if matches!(name.as_str(), "index.json" | "manifest.json") && entry.size() < 16 << 20 {
            let mut data = Vec::new();
            entry.read_to_end(&mut data)?;
            read_json(&name, &data, facts);
        }
    }
    Ok(())
}

/// Hashes and counts what passes through, so the tar entries and the sha256 come from one read
/// of the file.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    size: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    fn finish(self) -> (String, u64) {
        (hex(&self.hasher.finalize()), self.size)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

fn read_json(name: &str, data: &[u8], facts: &mut TarFacts) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if name == "index.json" {
        facts.manifests = value["manifests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["digest"].as_str().map(str::to_string))
            .collect();
    } else {
        facts.repo_tags = value
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| m["RepoTags"].as_array().into_iter().flatten())
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-entry ustar header for `name` holding `len` bytes.
    fn header(name: &str, len: usize) -> Vec<u8> {
        let mut h = tar::Header::new_ustar();
        h.set_path(name).unwrap();
        h.set_size(len as u64);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut out = header(name, data.len());
        out.extend_from_slice(data);
        out.resize(out.len() + (512 - data.len() % 512) % 512, 0);
        out
    }

    #[test]
    fn reads_the_index_and_the_tags() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.tar");
        let mut tar = entry("blobs/sha256/abc", &[7u8; 700]);
        tar.extend(entry(
            "index.json",
            br#"{"manifests":[{"digest":"sha256:aaa"}]}"#,
        ));
        tar.extend(entry(
            "manifest.json",
            br#"[{"Config":"c","RepoTags":["r/app:v1-arm64"],"Layers":[]}]"#,
        ));
        tar.extend([0u8; 1024]);
        std::fs::write(&path, &tar).unwrap();
        let facts = inspect(&path).unwrap();
        assert_eq!(facts.manifests, ["sha256:aaa"]);
        assert_eq!(facts.repo_tags, ["r/app:v1-arm64"]);
        assert_eq!(facts.size, tar.len() as u64);
        assert_eq!(facts.sha256.len(), 64);
        let whole: String = Sha256::digest(&tar)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(facts.sha256, whole);
    }

    #[test]
    fn a_file_that_is_not_a_tar_is_an_error_or_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.tar");
        std::fs::write(&path, vec![b'z'; 2048]).unwrap();
        let facts = inspect(&path);
        assert!(facts.is_err() || facts.unwrap().manifests.is_empty());
    }
}
