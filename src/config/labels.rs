//! `labels` on the project and on components.

use std::collections::BTreeMap;

use super::error::Collector;
use super::raw::Text;

pub(super) fn build(
    raw: BTreeMap<Text, String>,
    place: &str,
    errors: &mut Collector<'_>,
) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for (key, value) in raw {
        let name = key.get_ref();
        let problem = if name.is_empty() {
            "is empty"
        } else if name.contains('=') {
            "contains '='"
        } else if name.chars().any(char::is_whitespace) {
            "contains white space"
        } else {
            labels.insert(key.into_inner(), value);
            continue;
        };
        errors.push(
            key.span(),
            format!("label name {name:?} in {place} {problem}"),
            r#"label names are reverse-DNS words, e.g. labels = { "org.opencontainers.image.vendor" = "Acme" }"#,
        );
    }
    labels
}
