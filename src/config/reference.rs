//! The image reference grammar from distribution/reference, which docker
//! enforces; checking it here turns a late `invalid reference format` from
//! buildx into an error that points at the matrix file.

/// Checks a registry prefix, which becomes `{registry}/{component}`.
pub(crate) fn check_registry(registry: &str) -> Result<(), String> {
    if registry.contains("://") {
        return Err(format!("registry {registry:?} must not include a scheme"));
    }
    let (first, rest) = match registry.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (registry, None),
    };
    // Docker's own rule for telling `host/repo` from `user/repo`: the first
    // part names a host only if it could not be a repository path component.
    let is_domain = first.contains(['.', ':'])
        || first == "localhost"
        || first.bytes().any(|b| b.is_ascii_uppercase());
    if is_domain {
        if !is_domain_with_port(first) {
            return Err(format!(
                "registry {registry:?} has an invalid host {first:?}"
            ));
        }
    } else if !is_path_component(first) {
        return Err(bad_component(registry, first));
    }
    for component in rest.into_iter().flat_map(|r| r.split('/')) {
        if !is_path_component(component) {
            return Err(bad_component(registry, component));
        }
    }
    Ok(())
}

/// An image reference, `name[:tag][@digest]`, as `docker-image://` takes it.
pub(crate) fn check_image(image: &str) -> Result<(), String> {
    let (name_tag, digest) = match image.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (image, None),
    };
    if let Some(digest) = digest {
        let valid = digest
            .strip_prefix("sha256:")
            .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
        if !valid {
            return Err(format!(
                "image {image:?} has an invalid digest {digest:?}; digests look like sha256:<64 hex digits>"
            ));
        }
    }
    // A colon after the last slash starts the tag; one before it is a registry's port.
    let (name, tag) = match name_tag.rsplit_once(':') {
        Some((n, t)) if !t.contains('/') => (n, Some(t)),
        _ => (name_tag, None),
    };
    if let Some(tag) = tag {
        if !is_tag(tag) {
            return Err(format!("image {image:?} has an invalid tag {tag:?}"));
        }
    }
    // A bare host is not a repository: the last part must be a path component.
    let repository = name.rsplit('/').next().unwrap_or_default();
    if !is_path_component(repository) {
        return Err(format!(
            "image {image:?} needs a repository name of lowercase letters and digits"
        ));
    }
    check_registry(name).map_err(|e| e.replacen("registry", "image", 1))
}

fn bad_component(registry: &str, component: &str) -> String {
    if component.is_empty() {
        format!("registry {registry:?} has an empty path component")
    } else {
        format!("registry {registry:?} has an invalid path component {component:?}")
    }
}

/// The registry without its scheme, for hints.
pub(super) fn strip_scheme(registry: &str) -> &str {
    registry
        .split_once("://")
        .map_or(registry, |(_, rest)| rest)
        .trim_end_matches('/')
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
pub(crate) fn is_path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut i = 0;
    loop {
        let run = b[i..].iter().take_while(|&&c| alnum(c)).count();
        if run == 0 {
            return false;
        }
        i += run;
        if i == b.len() {
            return true;
        }
        let sep = b[i..].iter().take_while(|&&c| !alnum(c)).count();
        let ok = match &b[i..i + sep] {
            b"." | b"_" | b"__" => true,
            dashes => dashes.iter().all(|&c| c == b'-'),
        };
        if !ok {
            return false;
        }
        i += sep;
    }
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
pub(crate) fn is_tag(s: &str) -> bool {
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    match s.as_bytes() {
        [first, rest @ ..] => {
            word(*first)
                && rest.len() <= 127
                && rest.iter().all(|&c| word(c) || c == b'.' || c == b'-')
        }
        [] => false,
    }
}

fn is_domain_with_port(s: &str) -> bool {
    let (host_ok, rest) = if let Some(inner) = s.strip_prefix('[') {
        match inner.split_once(']') {
            Some((ipv6, rest)) => (
                !ipv6.is_empty() && ipv6.bytes().all(|c| c.is_ascii_hexdigit() || c == b':'),
                rest,
            ),
            None => return false,
        }
    } else {
        let host_end = s.find(':').unwrap_or(s.len());
        (
            s[..host_end].split('.').all(is_domain_component),
            &s[host_end..],
        )
    };
    let port_ok = match rest.strip_prefix(':') {
        Some(port) => !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit()),
        None => rest.is_empty(),
    };
    host_ok && port_ok
}

/// `[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`
fn is_domain_component(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_components() {
        for ok in [
            "a",
            "base",
            "base-image",
            "a.b",
            "a_b",
            "a__b",
            "a---b",
            "v1.2_x-y",
        ] {
            assert!(is_path_component(ok), "{ok}");
        }
        for bad in [
            "", "Base", "-a", "a-", "a..b", "a___b", "a_.b", "a/b", "a b", "é",
        ] {
            assert!(!is_path_component(bad), "{bad}");
        }
    }

    #[test]
    fn tags() {
        let longest = "a".repeat(128);
        for ok in ["v0.1.0", "latest", "_x", "1", "A-b_c.D", longest.as_str()] {
            assert!(is_tag(ok), "{ok}");
        }
        let too_long = "a".repeat(129);
        for bad in [
            "",
            ".x",
            "-x",
            "v1/2",
            "v1:2",
            "v 1",
            "é",
            too_long.as_str(),
        ] {
            assert!(!is_tag(bad), "{bad}");
        }
    }

    #[test]
    fn registries() {
        for ok in [
            "localhost:5000/archgrid-demo",
            "localhost:5000",
            "localhost",
            "ghcr.io/acme/tools",
            "ghcr.io",
            "acme",
            "acme/tools",
            "Registry.Example.com:443/acme",
            "127.0.0.1:5000/x",
            "[::1]:5000/x",
            "[fe80::1]/x",
        ] {
            assert_eq!(check_registry(ok), Ok(()), "{ok}");
        }
        let cases = [
            ("https://ghcr.io/acme", "must not include a scheme"),
            ("ghcr.io/Acme", "invalid path component \"Acme\""),
            ("ghcr.io/acme/", "empty path component"),
            ("ghcr.io//acme", "empty path component"),
            ("acme_/tools", "invalid path component \"acme_\""),
            ("localhost:port/x", "invalid host \"localhost:port\""),
            ("-bad.io/x", "invalid host \"-bad.io\""),
            ("ghcr.io:/x", "invalid host"),
            ("[::1/x", "invalid host"),
            ("", "empty path component"),
        ];
        for (bad, expected) in cases {
            let err = check_registry(bad).unwrap_err();
            assert!(err.contains(expected), "{bad}: {err}");
        }
    }

    #[test]
    fn images() {
        for ok in [
            "localhost:5000/tools:1",
            "debian",
            "library/debian:bookworm",
            "ghcr.io/acme/tools@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert_eq!(check_image(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "Tools:1",
            "localhost:5000/tools:bad tag",
            "tools@sha256:abc",
            "localhost:5000//tools",
        ] {
            assert!(check_image(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn scheme_is_stripped_for_the_hint() {
        assert_eq!(strip_scheme("https://ghcr.io/acme/"), "ghcr.io/acme");
        assert_eq!(strip_scheme("ghcr.io/acme"), "ghcr.io/acme");
    }
}
