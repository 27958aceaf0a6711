//! Reads back an exported image tarball: its sha256, and which manifest and tag it carries, so
//! a file that does not hold the cell's image is an error instead of a surprise offline.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};

const BLOCK: u64 = 512;

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
    let (sha256, size) = hash(path)?;
    let mut facts = TarFacts {
        sha256,
        size,
        ..TarFacts::default()
    };
    let mut file = BufReader::new(File::open(path)?);
    let mut header = [0u8; BLOCK as usize];
    let mut offset = 0u64;
    while offset + BLOCK <= size {
        file.seek(SeekFrom::Start(offset))?;
        file.read_exact(&mut header)?;
        if header.iter().all(|&b| b == 0) {
            break;
        }
        let name = entry_name(&header);
        let len = entry_size(&header)?;
        let data_at = offset + BLOCK;
        if matches!(name.as_str(), "index.json" | "manifest.json") && len < 16 << 20 {
            let mut data = vec![0u8; len as usize];
            file.seek(SeekFrom::Start(data_at))?;
            file.read_exact(&mut data)?;
            read_json(&name, &data, &mut facts);
        }
        offset = data_at + len.div_ceil(BLOCK) * BLOCK;
    }
    Ok(facts)
}

fn hash(path: &Path) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((hex, size))
}

/// ustar keeps long names in `prefix` + `name`; both are NUL-padded.
fn entry_name(header: &[u8]) -> String {
    let field = |range: std::ops::Range<usize>| {
        let bytes = &header[range];
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    };
    let name = field(0..100);
    let prefix = if &header[257..262] == b"ustar" {
        field(345..500)
    } else {
        String::new()
    };
    let full = if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    };
    full.trim_start_matches("./").to_string()
}

/// Octal text, or base-256 with the high bit set for sizes octal cannot hold.
fn entry_size(header: &[u8]) -> io::Result<u64> {
    let field = &header[124..136];
    if field[0] & 0x80 != 0 {
        return Ok(field[1..]
            .iter()
            .fold(u64::from(field[0] & 0x7f), |n, &b| (n << 8) | u64::from(b)));
    }
    let text: String = field
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as char)
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Ok(0);
    }
    u64::from_str_radix(text, 8)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not a tar file"))
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
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let size = format!("{len:011o}\0");
        h[124..136].copy_from_slice(size.as_bytes());
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h
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
