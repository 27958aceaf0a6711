//! `[console]`: how the console gets a person's attention.

use serde::Serialize;

use super::error::Collector;
use super::raw::RawConsole;

/// When the console rings the bell and sends a desktop notification.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Notify {
    /// A cell failed, or the grid came to rest with failures.
    #[default]
    Failures,
    /// Those, and also the grid coming to rest all green.
    All,
    Off,
}

impl Notify {
    const WORDS: [(&'static str, Notify); 3] = [
        ("failures", Notify::Failures),
        ("all", Notify::All),
        ("off", Notify::Off),
    ];
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsoleConfig {
    pub notify: Notify,
}

pub(super) fn build(raw: Option<RawConsole>, errors: &mut Collector<'_>) -> ConsoleConfig {
    let mut config = ConsoleConfig::default();
    let Some(notify) = raw.and_then(|r| r.notify) else {
        return config;
    };
    match Notify::WORDS.iter().find(|(w, _)| w == notify.get_ref()) {
        Some((_, n)) => config.notify = *n,
        None => errors.push(
            notify.span(),
            format!("console.notify cannot be {:?}", notify.get_ref()),
            r#"use notify = "failures" (the default), "all" or "off""#,
        ),
    }
    config
}
