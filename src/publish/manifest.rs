//! What `docker buildx imagetools inspect --raw` prints: a manifest list (or OCI index) with one
//! entry per image, or a single image manifest when the tag is not a list.

use serde::Deserialize;

use crate::model::Platform;

/// The annotation BuildKit puts on the provenance/SBOM manifests it adds to an index.
const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
const ATTESTATION: &str = "attestation-manifest";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    List(Vec<Entry>),
    /// A single image's manifest: the tag is not a manifest list.
    Single {
        media_type: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub digest: String,
    /// `None` when the entry carries no platform at all.
    pub platform: Option<Platform>,
    /// Provenance or SBOM attached to an image, not an image anyone pulls.
    pub attestation: bool,
}

impl Raw {
    /// The entries a `docker pull` chooses from.
    pub fn images(&self) -> Vec<&Entry> {
        match self {
            Raw::List(entries) => entries.iter().filter(|e| !e.attestation).collect(),
            Raw::Single { .. } => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    #[serde(default)]
    media_type: String,
    manifests: Option<Vec<Descriptor>>,
}

#[derive(Deserialize)]
struct Descriptor {
    digest: String,
    platform: Option<DescriptorPlatform>,
    #[serde(default)]
    annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct DescriptorPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    variant: Option<String>,
}

pub fn parse(raw: &str) -> Result<Raw, String> {
    let doc: Doc = serde_json::from_str(raw)
        .map_err(|e| format!("the registry's manifest is not the JSON expected: {e}"))?;
    let Some(manifests) = doc.manifests else {
        return Ok(Raw::Single {
            media_type: doc.media_type,
        });
    };
    let entries = manifests
        .into_iter()
        .map(|d| {
            let platform = d.platform.map(|p| Platform {
                os: p.os,
                arch: p.architecture,
                variant: p.variant.filter(|v| !v.is_empty()),
            });
            let unknown = platform
                .as_ref()
                .is_some_and(|p| p.os == "unknown" && p.arch == "unknown");
            let attestation = unknown
                || d.annotations.get(REFERENCE_TYPE).map(String::as_str) == Some(ATTESTATION);
            Entry {
                digest: d.digest,
                platform,
                attestation,
            }
        })
        .collect();
    Ok(Raw::List(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn sample(name: &str) -> String {
        crate::samples::text(name)
    }

    #[test]
    fn attestations_are_marked_and_left_out_of_images() {
        let raw = parse(&sample("inspect-raw-cell-v1.json")).unwrap();
        let Raw::List(entries) = &raw else {
            panic!("a list")
        };
        assert_eq!(entries.len(), 4);
        assert_eq!(entries.iter().filter(|e| e.attestation).count(), 2);
        let images: Vec<String> = raw
            .images()
            .iter()
            .map(|e| e.platform.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(images, ["linux/amd64", "linux/arm64"]);
    }

    #[test]
    fn a_list_without_attestations() {
        let raw = parse(&sample("imagetools-create-dryrun-no-provenance.json")).unwrap();
        assert_eq!(raw.images().len(), 2);
    }

    #[test]
    fn a_single_manifest_is_not_a_list() {
        let single = r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{},"layers":[]}"#;
        assert_eq!(
            parse(single).unwrap(),
            Raw::Single {
                media_type: "application/vnd.docker.distribution.manifest.v2+json".into()
            }
        );
        assert!(parse("ERROR: not found").is_err());
    }
}
