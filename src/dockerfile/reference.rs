//! Image references in docker's short ("familiar") form, the form BuildKit and buildx key named
//! contexts by: `docker.io/library/base:latest`, `library/base` and `base` are all `base`.

/// The reference without `docker.io/`, `library/` and a `:latest` tag.
pub fn familiar(reference: &str) -> String {
    let (name, suffix) = split(reference);
    let name = short_name(name);
    let suffix = if suffix == ":latest" { "" } else { suffix };
    format!("{name}{suffix}")
}

/// The repository: the familiar name without its tag or digest.
pub fn repository(reference: &str) -> String {
    short_name(split(reference).0).to_string()
}

/// `(name, ":tag@digest")`: a colon after the last slash starts the tag; one before it is a
/// registry's port.
fn split(reference: &str) -> (&str, &str) {
    let end = reference.find('@').unwrap_or(reference.len());
    let slash = reference[..end].rfind('/').map_or(0, |i| i + 1);
    let tag = reference[slash..end].find(':').map(|i| slash + i);
    let cut = tag.unwrap_or(end);
    (&reference[..cut], &reference[cut..])
}

fn short_name(name: &str) -> &str {
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("index.docker.io/").unwrap_or(name);
    match name.strip_prefix("library/") {
        Some(rest) if !rest.contains('/') => rest,
        _ => name,
    }
}
