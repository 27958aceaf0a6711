//! `--platform LIST`: which of the project's platforms (the grid's columns) a build, a plan, a
//! publish or an export covers, named the way users write them.

use std::fmt;

use super::Plan;
use crate::model::Platform;

/// Why a `--platform` entry names no single platform of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlatformChoiceError {
    /// `--platform ""` or `--platform amd64,`: a script whose variable was empty would otherwise
    /// build every column instead of the one it meant.
    Empty {
        known: Vec<Platform>,
    },
    Unknown {
        entry: String,
        known: Vec<Platform>,
    },
    /// `amd64` when the project builds both `linux/amd64` and `windows/amd64`.
    Ambiguous {
        entry: String,
        matches: Vec<Platform>,
        known: Vec<Platform>,
    },
}

impl fmt::Display for PlatformChoiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |list: &[Platform]| {
            list.iter()
                .map(Platform::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            PlatformChoiceError::Empty { known } => write!(
                f,
                "--platform: an empty entry names no platform (platforms: {})",
                names(known)
            ),
            PlatformChoiceError::Unknown { entry, known } => write!(
                f,
                "--platform {entry}: not a platform of this project (platforms: {})",
                names(known)
            ),
            PlatformChoiceError::Ambiguous {
                entry,
                matches,
                known,
            } => write!(
                f,
                "--platform {entry}: names more than one platform ({}); write it in full \
                 (platforms: {})",
                names(matches),
                names(known)
            ),
        }
    }
}

impl std::error::Error for PlatformChoiceError {}

/// The platforms of `known` that `entries` name, in the project's order, each once. Every
/// entry may hold several names separated by commas; empty `entries` choose nothing, which
/// callers read as every platform.
pub fn choose_platforms(
    known: &[Platform],
    entries: &[String],
) -> Result<Vec<Platform>, PlatformChoiceError> {
    let mut chosen = vec![false; known.len()];
    for entry in entries.iter().flat_map(|e| e.split(',')) {
        // containerd lowercases a platform before parsing it, so buildx takes `Linux/ARM64`.
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            return Err(PlatformChoiceError::Empty {
                known: known.to_vec(),
            });
        }
        let matches: Vec<usize> = (0..known.len())
            .filter(|&i| names(&entry, &known[i]))
            .collect();
        match matches.as_slice() {
            [i] => chosen[*i] = true,
            [] => {
                return Err(PlatformChoiceError::Unknown {
                    entry,
                    known: known.to_vec(),
                })
            }
            many => {
                return Err(PlatformChoiceError::Ambiguous {
                    entry,
                    matches: many.iter().map(|&i| known[i].clone()).collect(),
                    known: known.to_vec(),
                })
            }
        }
    }
    Ok(known
        .iter()
        .zip(chosen)
        .filter(|(_, chosen)| *chosen)
        .map(|(p, _)| p.clone())
        .collect())
}

/// Whether `entry` names `platform`: in full (`linux/arm64`), without its os (`arm64`,
/// `arm/v7`), or as the per-arch tag its images carry (`armv7`). The first two compare as buildx
/// does, so `aarch64` and `linux/arm64/v8` name `linux/arm64` too.
fn names(entry: &str, platform: &Platform) -> bool {
    let same = |text: &str| text.parse::<Platform>().is_ok_and(|p| p.same_as(platform));
    same(entry) || same(&format!("{}/{entry}", platform.os)) || platform.arch_tag() == entry
}

impl Plan {
    /// The platforms of this plan's project that `--platform` entries name.
    pub fn choose_platforms(
        &self,
        entries: &[String],
    ) -> Result<Vec<Platform>, PlatformChoiceError> {
        choose_platforms(&self.platforms, entries)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn list(names: &[&str]) -> Vec<Platform> {
        names.iter().map(|s| p(s)).collect()
    }

    fn entries(values: &[&str]) -> Vec<String> {
        values.iter().map(|s| s.to_string()).collect()
    }

    fn choose(known: &[&str], values: &[&str]) -> Result<Vec<String>, PlatformChoiceError> {
        choose_platforms(&list(known), &entries(values))
            .map(|chosen| chosen.iter().map(Platform::to_string).collect())
    }

    const GRID: [&str; 3] = ["linux/amd64", "linux/arm64", "linux/arm/v7"];

    #[test]
    fn nothing_given_chooses_nothing() {
        assert_eq!(choose(&GRID, &[]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn full_names_compare_as_buildx_does() {
        assert_eq!(choose(&GRID, &["linux/arm64"]).unwrap(), ["linux/arm64"]);
        assert_eq!(choose(&GRID, &["linux/arm64/v8"]).unwrap(), ["linux/arm64"]);
        assert_eq!(choose(&GRID, &["linux/aarch64"]).unwrap(), ["linux/arm64"]);
        assert_eq!(choose(&GRID, &["linux/arm"]).unwrap(), ["linux/arm/v7"]);
        assert_eq!(choose(&GRID, &["Linux/ARM64"]).unwrap(), ["linux/arm64"]);
    }

    #[test]
    fn short_names_leave_the_os_out() {
        assert_eq!(choose(&GRID, &["arm64"]).unwrap(), ["linux/arm64"]);
        assert_eq!(choose(&GRID, &["amd64"]).unwrap(), ["linux/amd64"]);
        assert_eq!(choose(&GRID, &["arm/v7"]).unwrap(), ["linux/arm/v7"]);
        assert_eq!(choose(&GRID, &["arm"]).unwrap(), ["linux/arm/v7"]);
        assert_eq!(choose(&GRID, &["x86_64"]).unwrap(), ["linux/amd64"]);
        // A project that spells its column with the default variant is still named by `arm64`.
        assert_eq!(
            choose(&["linux/arm64/v8"], &["arm64"]).unwrap(),
            ["linux/arm64/v8"]
        );
    }

    #[test]
    fn arch_tags_name_their_platform() {
        assert_eq!(choose(&GRID, &["armv7"]).unwrap(), ["linux/arm/v7"]);
        assert_eq!(
            choose(&["linux/amd64", "windows/amd64"], &["windows-amd64"]).unwrap(),
            ["windows/amd64"]
        );
    }

    #[test]
    fn commas_and_repeats_add_up_in_the_projects_order_once_each() {
        assert_eq!(
            choose(&GRID, &["arm/v7,amd64"]).unwrap(),
            ["linux/amd64", "linux/arm/v7"]
        );
        assert_eq!(
            choose(&GRID, &["linux/arm64", "amd64"]).unwrap(),
            ["linux/amd64", "linux/arm64"]
        );
        assert_eq!(
            choose(&GRID, &["arm64, linux/arm64", "aarch64"]).unwrap(),
            ["linux/arm64"]
        );
    }

    #[test]
    fn an_unknown_entry_lists_the_projects_platforms() {
        let err = choose(&GRID, &["amd64", "riscv64"]).unwrap_err();
        assert_eq!(
            err,
            PlatformChoiceError::Unknown {
                entry: "riscv64".into(),
                known: list(&GRID),
            }
        );
        assert_eq!(
            err.to_string(),
            "--platform riscv64: not a platform of this project \
             (platforms: linux/amd64, linux/arm64, linux/arm/v7)"
        );
        // Variants are not guessed: v6 is not the v7 column.
        assert!(choose(&GRID, &["arm/v6"]).is_err());
        assert!(choose(&GRID, &["linux"]).is_err());
    }

    #[test]
    fn an_entry_naming_two_platforms_is_refused() {
        let err = choose(&["linux/amd64", "windows/amd64"], &["amd64"]).unwrap_err();
        assert_eq!(
            err,
            PlatformChoiceError::Ambiguous {
                entry: "amd64".into(),
                matches: list(&["linux/amd64", "windows/amd64"]),
                known: list(&["linux/amd64", "windows/amd64"]),
            }
        );
        assert!(
            err.to_string().contains("names more than one platform"),
            "{err}"
        );
        assert_eq!(
            choose(&["linux/amd64", "windows/amd64"], &["linux/amd64"]).unwrap(),
            ["linux/amd64"]
        );
    }

    #[test]
    fn an_empty_entry_is_refused() {
        for values in [&[""][..], &["amd64,"], &["amd64,,arm64"], &[" "]] {
            let err = choose(&GRID, values).unwrap_err();
            assert!(
                matches!(err, PlatformChoiceError::Empty { .. }),
                "{values:?}: {err}"
            );
        }
    }

    fn plan() -> (tempfile::TempDir, Plan) {
        crate::plan::sample::base_app_docs(
            "tag = \"t\"\nplatforms = [\"linux/amd64\", \"linux/arm64\", \"linux/arm/v7\"]",
        )
    }

    fn select(plan: &Plan, only: &[&str], platforms: &[&str]) -> Result<BTreeSet<String>, String> {
        plan.select(&entries(only), &entries(platforms))
            .map(|cells| cells.iter().map(|&i| plan.cells[i].id()).collect())
    }

    fn ids(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn platforms_alone_select_their_columns() {
        let (_dir, plan) = plan();
        assert_eq!(
            select(&plan, &[], &["arm64"]).unwrap(),
            ids(&["base@linux/arm64", "app@linux/arm64"])
        );
        assert_eq!(select(&plan, &[], &[]).unwrap().len(), plan.cells.len());
    }

    #[test]
    fn platforms_and_only_select_the_cells_both_name_and_their_dependencies() {
        let (_dir, plan) = plan();
        assert_eq!(
            select(&plan, &["app"], &["arm64,armv7"]).unwrap(),
            ids(&[
                "base@linux/arm64",
                "app@linux/arm64",
                "base@linux/arm/v7",
                "app@linux/arm/v7",
            ])
        );
        assert_eq!(
            select(&plan, &["app", "docs"], &["amd64"]).unwrap(),
            ids(&["base@linux/amd64", "app@linux/amd64", "docs@linux/amd64"])
        );
        assert_eq!(
            select(&plan, &["app@linux/arm64"], &["arm64", "amd64"]).unwrap(),
            ids(&["base@linux/arm64", "app@linux/arm64"])
        );
    }

    #[test]
    fn an_only_filter_outside_the_chosen_platforms_is_refused() {
        let (_dir, plan) = plan();
        let err = select(&plan, &["app@linux/arm64"], &["amd64"]).unwrap_err();
        assert!(err.contains("--only app@linux/arm64"), "{err}");
        assert!(err.contains("linux/amd64"), "{err}");
        let err = select(&plan, &["docs"], &["arm64"]).unwrap_err();
        assert!(err.contains("--only docs"), "{err}");
    }

    #[test]
    fn a_bad_platform_fails_the_selection() {
        let (_dir, plan) = plan();
        let err = select(&plan, &["app"], &["riscv64"]).unwrap_err();
        assert!(
            err.contains("linux/amd64, linux/arm64, linux/arm/v7"),
            "{err}"
        );
    }
}
