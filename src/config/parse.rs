//! TOML text to [`RawMatrix`]. Each section is deserialized on its own so
//! that a mistake in one does not hide mistakes in the others.

use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::error::Collector;
use super::raw::{self, RawMatrix, Schema};
use super::suggest::closest;
use super::vars::{expand_document, Vars};

/// Returns `None` when the text is not valid TOML, since anything read from
/// a partially parsed document would only produce misleading errors.
pub(super) fn parse(text: &str, vars: &Vars, errors: &mut Collector<'_>) -> Option<RawMatrix> {
    let (root, mut syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        syntax_errors.sort_by_key(|e| e.span().map_or(0, |s| s.start));
        let mut last_line = 0;
        for e in syntax_errors {
            let span = e.span().unwrap_or(0..0);
            // Once a line is broken the parser tends to trip over the rest of
            // it too; only the first complaint on a line is worth reading.
            let (line, _) = errors.position(span.start);
            if line == last_line {
                continue;
            }
            last_line = line;
            errors.push(span, e.message(), syntax_hint(e.message()));
        }
        return None;
    }

    let mut raw = RawMatrix::default();
    let mut root = root.into_inner();
    // Before any section is read, so every rule sees the values that will be used.
    expand_document(&mut root, vars, text, errors);
    let top = known_keys(&root, &raw::TOP, raw::TOP.title, errors);
    let mut saw_project = false;
    let mut saw_component = false;
    for (key, value) in top.iter() {
        match key.get_ref().as_ref() {
            "project" => {
                saw_project = true;
                raw.project = section(value, &raw::PROJECT, "[project]", errors);
            }
            "builder" => raw.builder = section(value, &raw::BUILDER, "[builder]", errors),
            "retry" => raw.retry = section(value, &raw::RETRY, "[retry]", errors),
            "secrets" => raw.secrets = secrets(value, errors),
            "cache" => raw.cache = section(value, &raw::CACHE, "[cache]", errors),
            "console" => raw.console = section(value, &raw::CONSOLE, "[console]", errors),
            "platforms" => raw.routes = routes(value, errors),
            "keys" => keys(value, &mut raw, errors),
            "component" => {
                saw_component = true;
                components(value, &mut raw, errors);
            }
            _ => {}
        }
    }
    if !saw_project {
        errors.push(
            0..0,
            "missing [project] table",
            r#"add a [project] table with name, tag and platforms, e.g. name = "demo", tag = "v0.1.0", platforms = ["linux/amd64"]"#,
        );
    }
    if !saw_component {
        errors.push(
            text.len()..text.len(),
            "no components: the matrix has nothing to build",
            r#"add a [[component]] table with at least name = "..." and context = "...""#,
        );
    }
    Some(raw)
}

fn syntax_hint(message: &str) -> &'static str {
    if message.starts_with("duplicate key") {
        "each key and table may appear only once; merge or remove the repeat"
    } else if message.contains("unquoted key") {
        "quote keys that contain '/' or other punctuation, as in [platforms.\"linux/arm64\"]"
    } else if message.contains("must be quoted") {
        "put string values in double quotes, as in platforms = [\"linux/amd64\"]"
    } else {
        "check the quotes, brackets and commas at this position"
    }
}

/// Reports keys the schema does not know and returns the table without
/// them, so the rest of the table can still be checked.
fn known_keys<'i>(
    table: &DeTable<'i>,
    schema: &Schema,
    place: &str,
    errors: &mut Collector<'_>,
) -> DeTable<'i> {
    let mut known = DeTable::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        if schema.example(name).is_some() {
            known.insert(key.clone(), value.clone());
            continue;
        }
        let allowed = schema.names().collect::<Vec<_>>().join(", ");
        let hint = match closest(name, schema.names()) {
            Some(guess) => format!("did you mean `{guess}`? allowed keys: {allowed}"),
            None => format!("remove it; allowed keys: {allowed}"),
        };
        errors.push(key.span(), format!("unknown key `{name}` in {place}"), hint);
    }
    known
}

fn section<T: DeserializeOwned>(
    value: &Spanned<DeValue<'_>>,
    schema: &Schema,
    place: &str,
    errors: &mut Collector<'_>,
) -> Option<T> {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(
            value.span(),
            format!(
                "{place} must be a table, not {}",
                value.get_ref().type_str()
            ),
            format!("write it as a {} section", schema.title),
        );
        return None;
    };
    let table = known_keys(table, schema, place, errors);
    let de = ValueDeserializer::from(Spanned::new(value.span(), DeValue::Table(table.clone())));
    match T::deserialize(de) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            report_serde_error(&e, &table, value.span(), schema, place, errors);
            None
        }
    }
}

/// Serde's messages name Rust types and not the key at fault; say which key
/// it was and show an example of what belongs there.
fn report_serde_error(
    e: &toml::de::Error,
    table: &DeTable<'_>,
    table_span: Range<usize>,
    schema: &Schema,
    place: &str,
    errors: &mut Collector<'_>,
) {
    let span = e.span().unwrap_or(table_span);
    let message = e.message();
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        let hint = match schema.example(missing) {
            Some(example) => format!("add {example}"),
            None => format!("add `{missing}`"),
        };
        errors.push(
            span,
            format!("{place} is missing required key `{missing}`"),
            hint,
        );
        return;
    }
    let key = table
        .iter()
        .find(|(k, v)| k.span() == span || contains(&v.span(), &span))
        .map(|(k, _)| k.get_ref().as_ref());
    let friendly = message
        .replace("expected usize", "expected a non-negative integer")
        .replace("expected u32", "expected a non-negative integer")
        .replace("expected a sequence", "expected an array")
        .replace("expected a map", "expected a table");
    match key {
        Some(key) => {
            let hint = match schema.example(key) {
                Some(example) => format!("write it like: {example}"),
                None => format!("fix the value of `{key}`"),
            };
            errors.push(span, format!("`{key}` in {place}: {friendly}"), hint);
        }
        None => errors.push(
            span,
            format!("{place}: {friendly}"),
            format!(
                "compare {place} with the keys it accepts: {}",
                schema.names().collect::<Vec<_>>().join(", ")
            ),
        ),
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

fn routes(
    value: &Spanned<DeValue<'_>>,
    errors: &mut Collector<'_>,
) -> Vec<(raw::Text, raw::RawRoute)> {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(
            value.span(),
            "top-level `platforms` must be a table of per-platform settings",
            r#"the platforms to build go in [project] as platforms = ["linux/amd64"]; route one with [platforms."linux/arm64"]"#,
        );
        return Vec::new();
    };
    let mut routes = Vec::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().to_string();
        let place = format!("[platforms.{name:?}]");
        if let Some(route) = section(value, &raw::ROUTE, &place, errors) {
            routes.push((Spanned::new(key.span(), name), route));
        }
    }
    routes
}

fn secrets(
    value: &Spanned<DeValue<'_>>,
    errors: &mut Collector<'_>,
) -> Vec<(raw::Text, raw::RawSecret)> {
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(
            value.span(),
            "[secrets] must be a table of secret ids",
            r#"name each secret and say where its value comes from, e.g. npm_token = { env = "NPM_TOKEN" }"#,
        );
        return Vec::new();
    };
    let mut secrets = Vec::new();
    for (key, value) in table.iter() {
        let id = key.get_ref().to_string();
        let place = format!("secret {id:?}");
        if !matches!(value.get_ref(), DeValue::Table(_)) {
            errors.push(
                value.span(),
                format!("{place} must say where its value comes from"),
                format!(r#"write {id} = {{ env = "VARIABLE" }} or {id} = {{ file = "~/path" }}"#),
            );
            continue;
        }
        if let Some(secret) = section(value, &raw::SECRET, &place, errors) {
            secrets.push((Spanned::new(key.span(), id), secret));
        }
    }
    secrets
}

fn keys(value: &Spanned<DeValue<'_>>, raw: &mut RawMatrix, errors: &mut Collector<'_>) {
    const HINT: &str =
        r#"bind an action to a key or a list of keys, e.g. quit = "q" or quit = ["q", "ctrl+c"]"#;
    let DeValue::Table(table) = value.get_ref() else {
        errors.push(value.span(), "[keys] must be a table", HINT);
        return;
    };
    for (action, binding) in table.iter() {
        let action = action.get_ref().to_string();
        let bad = |errors: &mut Collector<'_>, span| {
            errors.push(
                span,
                format!("keys.{action} must be a key name or an array of key names"),
                HINT,
            );
        };
        let bound = match binding.get_ref() {
            DeValue::String(key) => vec![key.to_string()],
            DeValue::Array(items) => {
                let mut keys = Vec::new();
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::String(key) => keys.push(key.to_string()),
                        _ => bad(errors, item.span()),
                    }
                }
                keys
            }
            _ => {
                bad(errors, binding.span());
                continue;
            }
        };
        raw.keys.insert(action, bound);
    }
}

fn components(value: &Spanned<DeValue<'_>>, raw: &mut RawMatrix, errors: &mut Collector<'_>) {
    const HINT: &str =
        r#"each component is a [[component]] table with at least name = "..." and context = "...""#;
    let DeValue::Array(items) = value.get_ref() else {
        errors.push(
            value.span(),
            "`component` must be an array of tables",
            format!("{HINT}; note the double brackets"),
        );
        return;
    };
    if items.is_empty() {
        errors.push(
            value.span(),
            "no components: the matrix has nothing to build",
            HINT,
        );
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let name = match item.get_ref() {
            DeValue::Table(t) => t
                .get("name")
                .and_then(|n| n.get_ref().as_str())
                .map(str::to_string),
            _ => None,
        };
        let place = match &name {
            Some(name) => format!("[[component]] {name:?}"),
            None => format!("[[component]] #{}", i + 1),
        };
        match section(item, &raw::COMPONENT, &place, errors) {
            Some(component) => raw.components.push(component),
            None => raw.broken_components.extend(name),
        }
    }
}
