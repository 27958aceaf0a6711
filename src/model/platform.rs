use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A build target in the `os/arch[/variant]` form that `docker buildx` takes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    /// Suffix for the per-platform image tag (`app:v1-arm64`).
    ///
    /// Computed from the normalised form so that spellings buildx treats as
    /// the same platform (`linux/arm64` and `linux/arm64/v8`) can never
    /// publish to two different tags.
    pub fn arch_tag(&self) -> String {
        let p = self.normalized();
        let arch = match &p.variant {
            Some(variant) => format!("{}{}", p.arch, variant),
            None => p.arch,
        };
        // Only the arch goes into Linux tags, which is what users expect to
        // see; other systems keep their os so that windows/amd64 and
        // linux/amd64 images do not overwrite each other.
        if p.os == "linux" {
            arch
        } else {
            format!("{}-{}", p.os, arch)
        }
    }

    /// Whether both name the same platform once buildx's defaults are applied.
    pub fn same_as(&self, other: &Platform) -> bool {
        self.normalized() == other.normalized()
    }

    /// The platform of a machine that `uname -m` calls `machine`, running `os`: the engine and
    /// the kernel name machines that way, buildx uses Go's names.
    pub fn of_machine(os: &str, machine: &str) -> Option<Platform> {
        let arch = match machine {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "armv7l" => "arm/v7",
            "armv6l" => "arm/v6",
            "i386" | "i686" => "386",
            other => other,
        };
        format!("{os}/{arch}").parse().ok()
    }

    /// The platform this process runs on.
    pub fn this_machine() -> Option<Platform> {
        Platform::of_machine("linux", std::env::consts::ARCH)
    }

    /// Whether a machine of platform `machine` runs `self` without emulation: its own
    /// architecture at any level, and 32-bit x86 on x86-64.
    pub fn runs_natively_on(&self, machine: &Platform) -> bool {
        if machine.os != self.os {
            return false;
        }
        let base = |p: &Platform| Platform {
            variant: None,
            ..p.clone()
        };
        // arm variants are different instruction sets; amd64 levels are one CPU family.
        if self.arch == "arm" {
            return machine.same_as(self);
        }
        if base(machine).same_as(&base(self)) {
            return true;
        }
        let amd64: Platform = "linux/amd64".parse().expect("literal platform");
        base(machine).same_as(&amd64) && ["386", "i386", "i686"].contains(&self.arch.as_str())
    }

    /// Mirrors containerd's platform normalisation, which is what buildx
    /// applies before comparing platforms, so aliases and default variants
    /// compare equal here as they do there.
    fn normalized(&self) -> Platform {
        let arch = match self.arch.as_str() {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "i386" | "i686" => "386",
            other => other,
        };
        let variant = match (arch, self.variant.as_deref()) {
            ("arm64", Some("v8")) | ("amd64", Some("v1")) => None,
            ("arm", None) => Some("v7"),
            (_, variant) => variant,
        };
        Platform {
            os: self.os.clone(),
            arch: arch.to_string(),
            variant: variant.map(str::to_string),
        }
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || {
            format!(
                "invalid platform {s:?}: expected os/arch[/variant] in lowercase, e.g. linux/arm64"
            )
        };
        let parts: Vec<&str> = s.split('/').collect();
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(|part| is_platform_part(part)) {
            return Err(invalid());
        }
        Ok(Platform {
            os: parts[0].to_string(),
            arch: parts[1].to_string(),
            variant: parts.get(2).map(|v| v.to_string()),
        })
    }
}

fn is_platform_part(part: &str) -> bool {
    !part.is_empty()
        && part
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

impl Serialize for Platform {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Platform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_two_and_three_part_forms() {
        assert_eq!(
            p("linux/amd64"),
            Platform {
                os: "linux".into(),
                arch: "amd64".into(),
                variant: None
            }
        );
        assert_eq!(
            p("linux/arm/v7"),
            Platform {
                os: "linux".into(),
                arch: "arm".into(),
                variant: Some("v7".into())
            }
        );
        assert_eq!(p("linux/arm64/v8").variant.as_deref(), Some("v8"));
        assert_eq!(p("windows/x86_64").arch, "x86_64");
    }

    #[test]
    fn rejects_malformed_strings_with_the_expected_form() {
        for bad in [
            "",
            "amd64",
            "linux/",
            "/amd64",
            "linux//v7",
            "a/b/c/d",
            "Linux/AMD64",
            "linux/amd64 ",
            "linux/arm-64",
        ] {
            let err = bad.parse::<Platform>().unwrap_err();
            assert!(err.contains("os/arch[/variant]"), "{bad:?}: {err}");
            assert!(err.contains("linux/arm64"), "{bad:?}: {err}");
            assert!(err.contains(&format!("{bad:?}")), "{bad:?}: {err}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/386"] {
            assert_eq!(p(s).to_string(), s);
        }
    }

    #[test]
    fn arch_tags() {
        let cases = [
            ("linux/amd64", "amd64"),
            ("linux/arm64", "arm64"),
            ("linux/arm64/v8", "arm64"),
            ("linux/arm/v7", "armv7"),
            ("linux/arm/v6", "armv6"),
            ("linux/386", "386"),
            ("linux/ppc64le", "ppc64le"),
            ("linux/s390x", "s390x"),
            ("linux/riscv64", "riscv64"),
            ("linux/amd64/v2", "amd64v2"),
            ("linux/amd64/v3", "amd64v3"),
            ("linux/arm", "armv7"),
            ("windows/amd64", "windows-amd64"),
        ];
        for (platform, tag) in cases {
            assert_eq!(p(platform).arch_tag(), tag, "{platform}");
        }
    }

    #[test]
    fn same_as_applies_buildx_normalisation() {
        assert!(p("linux/arm64").same_as(&p("linux/arm64/v8")));
        assert!(p("linux/arm64/v8").same_as(&p("linux/arm64")));
        assert!(p("linux/arm").same_as(&p("linux/arm/v7")));
        assert!(p("linux/x86_64").same_as(&p("linux/amd64")));
        assert!(p("linux/amd64/v1").same_as(&p("linux/amd64")));
        assert!(!p("linux/arm/v6").same_as(&p("linux/arm/v7")));
        assert!(!p("linux/amd64/v2").same_as(&p("linux/amd64")));
        assert!(!p("linux/arm64").same_as(&p("linux/amd64")));
        assert!(!p("windows/amd64").same_as(&p("linux/amd64")));
    }

    #[test]
    fn same_platforms_share_a_tag() {
        let all = [
            "linux/arm64",
            "linux/arm64/v8",
            "linux/aarch64",
            "linux/arm",
            "linux/arm/v7",
            "linux/amd64",
            "linux/x86_64",
            "linux/amd64/v1",
        ];
        for a in all {
            for b in all {
                assert_eq!(
                    p(a).same_as(&p(b)),
                    p(a).arch_tag() == p(b).arch_tag(),
                    "{a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn serde_uses_the_string_form() {
        #[derive(Debug, Deserialize, Serialize)]
        struct Doc {
            platforms: Vec<Platform>,
        }
        let doc: Doc = toml::from_str(r#"platforms = ["linux/amd64", "linux/arm/v7"]"#).unwrap();
        assert_eq!(doc.platforms, vec![p("linux/amd64"), p("linux/arm/v7")]);
        let text = toml::to_string(&doc).unwrap();
        assert_eq!(
            text.trim(),
            r#"platforms = ["linux/amd64", "linux/arm/v7"]"#
        );

        let err = toml::from_str::<Doc>(r#"platforms = ["amd64"]"#).unwrap_err();
        assert!(err.message().contains("os/arch[/variant]"), "{err}");
    }

    #[test]
    fn orders_by_os_then_arch_then_variant() {
        let mut v = [
            p("linux/arm64"),
            p("linux/amd64"),
            p("linux/arm/v7"),
            p("linux/arm"),
        ];
        v.sort();
        let names: Vec<String> = v.iter().map(Platform::to_string).collect();
        assert_eq!(
            names,
            ["linux/amd64", "linux/arm", "linux/arm/v7", "linux/arm64"]
        );
    }
}
