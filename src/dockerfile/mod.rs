//! What a Dockerfile builds on: the images its FROM, `COPY --from` and `RUN --mount=…,from=`
//! name for one build (its args, its platform, its target), as BuildKit would resolve them.
//! Planning uses it to find dependencies that `depends_on` leaves out.
//!
//! Only what decides those references is read: parser directives, continuations, comments,
//! heredocs (skipped), `ARG` defaults, stages and their names. Everything else is left to
//! BuildKit, which reports its own errors when the cell builds.

mod expand;
mod lines;
mod names;
mod reference;
mod warm;
mod words;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::model::Platform;
use expand::{expand, Values};
use words::{flags, mount_from, unquote, words};

pub use names::ComponentNames;
pub use reference::{familiar, repository};
pub use warm::lines_before;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The `# syntax=` directive: a frontend image BuildKit pulls before it reads the file.
    pub syntax: Option<String>,
    syntax_line: usize,
    escape: char,
    /// `ARG`s before the first FROM: the only ones FROM can use.
    meta_args: Vec<ArgDecl>,
    stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct ArgDecl {
    name: String,
    default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stage {
    line: usize,
    /// As written, before substitution.
    base: String,
    /// Lower case: stage names are not case-sensitive.
    name: Option<String>,
    args: Vec<ArgDecl>,
    refs: Vec<StageRef>,
    /// Where its RUN, COPY and ADD instructions start.
    step_lines: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct StageRef {
    kind: UseKind,
    /// As written, before substitution.
    raw: String,
    line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UseKind {
    /// The `# syntax=` frontend image.
    Syntax,
    From,
    CopyFrom,
    MountFrom,
}

/// An image the build reads that no stage of the same Dockerfile makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageUse {
    /// With the build's args substituted.
    pub reference: String,
    pub line: usize,
    pub kind: UseKind,
    /// The instruction as written, shortened to what names the image: `FROM base`,
    /// `COPY --from=${TOOLS}`, `RUN --mount=from=cache-img`.
    pub instruction: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

pub fn read(path: &Path) -> Result<Dockerfile, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{}:{}: {}", path.display(), e.line, e.message))
}

pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let lines = lines::split(text).map_err(|(line, message)| ParseError { line, message })?;
    let escape = lines.directives.escape.unwrap_or('\\');
    let mut meta_args = Vec::new();
    let mut stages: Vec<Stage> = Vec::new();
    for ins in lines.instructions {
        let stage = stages.last_mut();
        match (ins.keyword.as_str(), stage) {
            ("ARG", None) => meta_args.extend(arg_decls(&ins.rest)),
            ("ARG", Some(stage)) => stage.args.extend(arg_decls(&ins.rest)),
            ("FROM", _) => stages.push(from(&ins)?),
            ("COPY" | "ADD", Some(stage)) => {
                stage.step_lines.push(ins.line);
                let (flags, _) = flags(words(&ins.rest));
                for flag in flags.into_iter().filter(|f| f.name == "from") {
                    stage.refs.push(StageRef {
                        kind: UseKind::CopyFrom,
                        raw: flag.value,
                        line: ins.line,
                    });
                }
            }
            ("RUN", Some(stage)) => {
                stage.step_lines.push(ins.line);
                let (flags, _) = flags(words(&ins.rest));
                for flag in flags.into_iter().filter(|f| f.name == "mount") {
                    if let Some(from) = mount_from(&flag.value) {
                        stage.refs.push(StageRef {
                            kind: UseKind::MountFrom,
                            raw: from,
                            line: ins.line,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Dockerfile {
        syntax_line: lines.directives.syntax.as_ref().map_or(0, |(_, l)| *l),
        syntax: lines.directives.syntax.map(|(s, _)| s),
        escape,
        meta_args,
        stages,
    })
}

fn from(ins: &lines::Instruction) -> Result<Stage, ParseError> {
    let (_, rest) = flags(words(&ins.rest));
    let error = |message: &str| ParseError {
        line: ins.line,
        message: message.to_string(),
    };
    let name = match rest.as_slice() {
        [_] => None,
        [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some(name.to_ascii_lowercase()),
        [] => return Err(error("FROM names no image")),
        _ => return Err(error("FROM takes an image and an optional `AS name`")),
    };
    Ok(Stage {
        line: ins.line,
        base: rest[0].clone(),
        name,
        args: Vec::new(),
        refs: Vec::new(),
        step_lines: Vec::new(),
    })
}

/// `ARG A`, `ARG A=1 B="two words"`.
fn arg_decls(rest: &str) -> Vec<ArgDecl> {
    words(rest)
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((name, default)) => ArgDecl {
                name: name.to_string(),
                default: Some(unquote(default).to_string()),
            },
            None => ArgDecl {
                name: word,
                default: None,
            },
        })
        .collect()
}

/// Each stage's base, and its flag references with the stage reference each came from.
type Resolution<'a> = (Vec<Resolved>, Vec<Vec<(Resolved, &'a StageRef)>>);

/// Where a reference leads once substituted: a stage of this file, nothing, or an image.
#[derive(Clone)]
enum Resolved {
    Stage(usize),
    Scratch,
    Image(String),
}

impl Dockerfile {
    /// How many instructions BuildKit runs for `target` (RUN, COPY and ADD in the stages it
    /// needs, and a pull for each image a needed stage starts from): a rough measure of work
    /// for a cell nothing has timed yet.
    pub fn steps(
        &self,
        args: &BTreeMap<String, String>,
        platform: &Platform,
        target: Option<&str>,
    ) -> usize {
        let (bases, refs) = self.resolve_all(args, platform);
        let needed = self.needed(target, &bases, &refs);
        self.stages
            .iter()
            .zip(&bases)
            .zip(needed)
            .filter(|(_, needed)| *needed)
            .map(|((stage, base), _)| {
                stage.step_lines.len() + usize::from(matches!(base, Resolved::Image(_)))
            })
            .sum()
    }

    /// Each stage's base and flag references, substituted with `args` on `platform`.
    fn resolve_all(&self, args: &BTreeMap<String, String>, platform: &Platform) -> Resolution<'_> {
        let meta = self.meta_values(args, platform);
        let mut bases = Vec::with_capacity(self.stages.len());
        let mut refs = Vec::with_capacity(self.stages.len());
        for (i, stage) in self.stages.iter().enumerate() {
            let base = expand(&stage.base, &meta, self.escape);
            bases.push(self.resolve(&base, i));
            let scope = self.stage_values(stage, &meta, args);
            refs.push(
                stage
                    .refs
                    .iter()
                    .map(|r| {
                        let value = expand(&r.raw, &scope, self.escape);
                        // Unlike FROM, a flag may name any stage of the file, later ones too.
                        let resolved = match value.parse::<usize>() {
                            Ok(n) if n < self.stages.len() => Resolved::Stage(n),
                            _ => self.resolve(&value, self.stages.len()),
                        };
                        (resolved, r)
                    })
                    .collect::<Vec<_>>(),
            );
        }
        (bases, refs)
    }

    /// The images a build of `target` (the last stage without one) reads, in file order (the
    /// `# syntax=` frontend first), with `args` as its build args on `platform`. Stages the
    /// target does not need are skipped, as BuildKit skips them.
    pub fn image_uses(
        &self,
        args: &BTreeMap<String, String>,
        platform: &Platform,
        target: Option<&str>,
    ) -> Vec<ImageUse> {
        let (bases, refs) = self.resolve_all(args, platform);
        let needed = self.needed(target, &bases, &refs);
        let mut uses = Vec::new();
        if let Some(syntax) = &self.syntax {
            uses.push(ImageUse {
                reference: syntax.clone(),
                line: self.syntax_line,
                kind: UseKind::Syntax,
                instruction: format!("# syntax={syntax}"),
            });
        }
        for (i, stage) in self.stages.iter().enumerate() {
            if !needed[i] {
                continue;
            }
            if let Resolved::Image(reference) = &bases[i] {
                uses.push(ImageUse {
                    reference: reference.clone(),
                    line: stage.line,
                    kind: UseKind::From,
                    instruction: format!("FROM {}", stage.base),
                });
            }
            for (resolved, r) in &refs[i] {
                if let Resolved::Image(reference) = resolved {
                    uses.push(ImageUse {
                        reference: reference.clone(),
                        line: r.line,
                        kind: r.kind,
                        instruction: match r.kind {
                            UseKind::MountFrom => format!("RUN --mount=from={}", r.raw),
                            _ => format!("COPY --from={}", r.raw),
                        },
                    });
                }
            }
        }
        uses.sort_by_key(|u| u.line);
        uses
    }

    /// A name is a stage when a stage before index `before` carries it.
    fn resolve(&self, value: &str, before: usize) -> Resolved {
        let lower = value.to_ascii_lowercase();
        if lower.is_empty() || lower == "scratch" {
            return Resolved::Scratch;
        }
        match self.stages[..before]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(lower.as_str()))
        {
            Some(j) => Resolved::Stage(j),
            None => Resolved::Image(value.to_string()),
        }
    }

    /// The stage a build of `target` ends in: the last stage of that name (case-insensitive), or
    /// the last stage when no target is given.
    fn target_stage(&self, target: Option<&str>) -> Option<usize> {
        match target {
            Some(t) => {
                let t = t.to_ascii_lowercase();
                self.stages
                    .iter()
                    .rposition(|s| s.name.as_deref() == Some(t.as_str()))
            }
            None => self.stages.len().checked_sub(1),
        }
    }

    fn needed(
        &self,
        target: Option<&str>,
        bases: &[Resolved],
        refs: &[Vec<(Resolved, &StageRef)>],
    ) -> Vec<bool> {
        let mut needed = vec![false; self.stages.len()];
        let start = self.target_stage(target);
        // A target no stage carries is BuildKit's error to report; until then every stage may
        // be meant.
        if target.is_some() && start.is_none() {
            return vec![true; self.stages.len()];
        }
        let mut stack: Vec<usize> = start.into_iter().collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut needed[i], true) {
                continue;
            }
            if let Resolved::Stage(j) = bases[i] {
                stack.push(j);
            }
            stack.extend(refs[i].iter().filter_map(|(r, _)| match r {
                Resolved::Stage(j) => Some(*j),
                _ => None,
            }));
        }
        needed
    }

    /// What FROM lines see: the platform args BuildKit predefines, then each `ARG` before the
    /// first FROM, its build arg over its default.
    fn meta_values(&self, args: &BTreeMap<String, String>, platform: &Platform) -> Values {
        let mut values = platform_values(platform);
        for decl in &self.meta_args {
            let value = match (args.get(&decl.name), &decl.default) {
                (Some(v), _) => v.clone(),
                (None, Some(default)) => expand(default, &values, self.escape),
                (None, None) => continue,
            };
            values.insert(decl.name.clone(), value);
        }
        values
    }

    /// What flags inside a stage see: its own `ARG`s, each from the build args, its default or
    /// the value of the same name before the first FROM.
    fn stage_values(
        &self,
        stage: &Stage,
        meta: &Values,
        args: &BTreeMap<String, String>,
    ) -> Values {
        let mut values = platform_values_from(meta);
        for decl in &stage.args {
            let value = match (args.get(&decl.name), &decl.default) {
                (Some(v), _) => Some(v.clone()),
                (None, Some(default)) => Some(expand(default, &values, self.escape)),
                (None, None) => meta.get(&decl.name).cloned(),
            };
            if let Some(value) = value {
                values.insert(decl.name.clone(), value);
            }
        }
        values
    }
}

const PLATFORM_ARGS: [&str; 8] = [
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

/// The build platform is taken to be the target's: a dependency is matched per platform, and
/// the builder's own platform is not known while planning.
fn platform_values(platform: &Platform) -> Values {
    let variant = platform.variant.clone().unwrap_or_default();
    let mut values = Values::new();
    for prefix in ["TARGET", "BUILD"] {
        values.insert(format!("{prefix}PLATFORM"), platform.to_string());
        values.insert(format!("{prefix}OS"), platform.os.clone());
        values.insert(format!("{prefix}ARCH"), platform.arch.clone());
        values.insert(format!("{prefix}VARIANT"), variant.clone());
    }
    values
}

fn platform_values_from(meta: &Values) -> Values {
    PLATFORM_ARGS
        .iter()
        .filter_map(|k| meta.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect()
}
