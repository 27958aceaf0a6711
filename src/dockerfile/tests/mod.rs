//! The parser against real Dockerfiles and every construct that decides a reference.

mod constructs;
mod expansion;
mod real;
mod warm;

use std::collections::BTreeMap;

use super::{parse, ImageUse, UseKind};
use crate::model::Platform;

fn amd64() -> Platform {
    "linux/amd64".parse().unwrap()
}

fn arm64() -> Platform {
    "linux/arm64".parse().unwrap()
}

fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `(reference, line)` of every image a default build reads on amd64.
fn refs(text: &str) -> Vec<(String, usize)> {
    uses(text, &[], None)
        .into_iter()
        .map(|u| (u.reference, u.line))
        .collect()
}

fn uses(text: &str, build_args: &[(&str, &str)], target: Option<&str>) -> Vec<ImageUse> {
    parse(text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .image_uses(&args(build_args), &amd64(), target)
}

fn owned(list: &[(&str, usize)]) -> Vec<(String, usize)> {
    list.iter().map(|(r, l)| (r.to_string(), *l)).collect()
}
