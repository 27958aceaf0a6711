//! `[cache]`: a registry cache with one ref per cell.

use super::error::Collector;
use super::raw::{RawCache, Text};
use super::reference;
use super::{CacheConfig, CacheMode};

pub(super) fn build(raw: RawCache, errors: &mut Collector<'_>) -> CacheConfig {
    check_registry(&raw.registry, errors);
    let mode = match raw.mode.as_ref().map(|m| m.get_ref().as_str()) {
        None | Some("max") => CacheMode::Max,
        Some("min") => CacheMode::Min,
        Some(other) => {
            let span = raw.mode.as_ref().map(Text::span).unwrap_or_default();
            errors.push(
                span,
                format!("cache mode {other:?} is not one BuildKit knows"),
                r#"use mode = "max" (every step, the default) or mode = "min" (the final layers only)"#,
            );
            CacheMode::Max
        }
    };
    CacheConfig {
        registry: raw.registry.into_inner(),
        mode,
    }
}

fn check_registry(registry: &Text, errors: &mut Collector<'_>) {
    if let Err(message) = reference::check_registry(registry.get_ref()) {
        errors.push(
            registry.span(),
            format!("cache.{message}"),
            r#"name a repository prefix without tag or scheme, e.g. registry = "localhost:5000/demo/cache"; each cell writes {registry}/{component}:cache-{arch}"#,
        );
    }
}
