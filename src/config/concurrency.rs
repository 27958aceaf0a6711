//! `project.concurrency`: `"auto"` (the default) or a fixed number of cells at once.

use serde::{Deserialize, Serialize, Serializer};
use toml::Spanned;

use super::error::Collector;

/// How many cells build at once on this machine's engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concurrency {
    /// Start cells while the machine's CPUs have room, up to a cap (see `build::load`).
    Auto,
    /// At most this many at once.
    Fixed(usize),
}

impl Serialize for Concurrency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Concurrency::Auto => s.serialize_str("auto"),
            Concurrency::Fixed(n) => s.serialize_u64(*n as u64),
        }
    }
}

/// As written: TOML gives an integer or a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum RawConcurrency {
    Number(i64),
    Word(String),
}

const HINT: &str =
    "write concurrency = \"auto\" (start cells while the CPUs have room; the default) \
                    or a number of cells at once, e.g. concurrency = 4";

pub(super) fn build(
    raw: Option<Spanned<RawConcurrency>>,
    errors: &mut Collector<'_>,
) -> Concurrency {
    let Some(raw) = raw else {
        return Concurrency::Auto;
    };
    let span = raw.span();
    match raw.into_inner() {
        RawConcurrency::Number(n) if n >= 1 => Concurrency::Fixed(n as usize),
        RawConcurrency::Number(_) => {
            errors.push(span, "project.concurrency must be at least 1", HINT);
            Concurrency::Auto
        }
        RawConcurrency::Word(w) if w == "auto" => Concurrency::Auto,
        RawConcurrency::Word(w) => {
            errors.push(
                span,
                format!("project.concurrency must be \"auto\" or a number, not {w:?}"),
                HINT,
            );
            Concurrency::Auto
        }
    }
}
