//! Decides whether a failed build is worth retrying.
//!
//! # The rule
//!
//! 1. Only the error lines decide: lines that start with `ERROR` (buildx's own `ERROR: ...`,
//!    or `#6 ERROR: ...` in plain progress) or `Error:`/`error:`. Text without such lines
//!    (a vertex's error string, a CLI usage error) is read whole. The Dockerfile excerpt and
//!    the step output buildx prints around the error are never read, because a RUN step can
//!    print anything, `i/o timeout` included. For the same reason the command inside
//!    `process "…" did not complete successfully` is cut out before reading.
//! 2. Patterns of the engine or host breaking (the daemon gone, containerd refusing, no bridge
//!    to attach to, no space left, no binfmt handler) make the failure `infra`, with its
//!    cause. They come first: a Dockerfile cannot make the engine write these.
//! 3. Then patterns that describe the build itself (a RUN that exited non-zero, a parse error,
//!    a missing file or image, an auth refusal) win over transient ones: `apt-get` failing on
//!    a flaky mirror still exits non-zero, and retrying a broken Dockerfile would only fail
//!    again more slowly.
//! 4. Then patterns of network and registry trouble make the failure transient.
//! 5. Anything else is permanent: an unknown failure is retried by a person, not in a loop.
//!
//! One exception to rule 1: a step whose first output line is runc's own
//! `exec /bin/sh: exec format error` never ran its command at all, so it failed for want of an
//! emulator, whatever its exit code says ([`classify_step`]).
//!
//! A cancel is neither: callers check [`is_canceled`] before [`classify`].

use crate::build::buildkit_error::{is_error_line, without_command};
use crate::model::{FailureClass, InfraCause};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub class: FailureClass,
    /// The pattern that matched, or the name of the rule that decided.
    pub reason: &'static str,
    /// What outside the build broke, when something did; a registry that refused connections
    /// is transient and still has one.
    pub cause: Option<InfraCause>,
}

/// Lowercase patterns of the engine or host breaking, as Engine 26 and buildx 0.13 word them
/// (tests/fixtures/buildx-0.13.1/infra/ holds the captures).
const INFRA: &[(&str, InfraCause)] = &[
    (
        "cannot connect to the docker daemon",
        InfraCause::EngineGone,
    ),
    ("is the docker daemon running", InfraCause::EngineGone),
    // The daemon died mid-build: its gRPC stream to buildx ended.
    ("error reading from server: eof", InfraCause::EngineGone),
    ("containerd.sock", InfraCause::Containerd),
    ("shim disconnected", InfraCause::Containerd),
    ("ttrpc: closed", InfraCause::Containerd),
    ("failed to create endpoint", InfraCause::Network),
    ("adding interface", InfraCause::Network),
    ("no space left on device", InfraCause::DiskFull),
    ("exec format error", InfraCause::Emulation),
];

/// Lowercase patterns about the build itself, checked before any transient one.
const PERMANENT: &[&str] = &[
    "did not complete successfully: exit code",
    "dockerfile parse error",
    "failed to read dockerfile",
    "401 unauthorized",
    "403 forbidden",
    "insufficient_scope",
    "requested access to the resource is denied",
    "no builder",
    "unknown flag",
    "not found",
];

/// Lowercase patterns of trouble outside the build that a later attempt may not meet.
const TRANSIENT: &[&str] = &[
    "deadlineexceeded",
    "deadline exceeded",
    "i/o timeout",
    "tls handshake timeout",
    "connection reset by peer",
    "toomanyrequests",
    "429 too many requests",
    "failed to fetch oauth token",
    "failed to authorize",
    "client.timeout exceeded",
    "broken pipe",
    "503 service unavailable",
    "502 bad gateway",
    // A registry under concurrent pushes of the same blob answers 500 now and then; the same
    // push a moment later goes through.
    "500 internal server error",
    "504 gateway timeout",
    "unexpected eof",
];

/// Signs that a refused connection was to a registry, where it usually means a registry
/// restarting; a refused connection to a builder endpoint is a configuration problem.
const REGISTRY_CONTEXT: &[&str] = &[
    "/v2/",
    "registry",
    "failed to do request",
    "failed to resolve source metadata",
    "failed to push",
    "failed to copy",
    "failed to fetch",
    "failed to authorize",
    "pushing",
    "pulling",
];

pub fn classify(text: &str) -> Classification {
    let decisive = decisive_text(text).to_lowercase();
    let permanent = |reason| Classification {
        class: FailureClass::Permanent,
        reason,
        cause: None,
    };
    let transient = |reason| Classification {
        class: FailureClass::Transient,
        reason,
        cause: None,
    };
    if let Some((p, cause)) = INFRA.iter().find(|(p, _)| decisive.contains(*p)) {
        return Classification {
            class: FailureClass::Infra,
            reason: p,
            cause: Some(*cause),
        };
    }
    if let Some(p) = PERMANENT.iter().find(|p| decisive.contains(*p)) {
        return permanent(p);
    }
    if let Some(p) = TRANSIENT.iter().find(|p| decisive.contains(*p)) {
        return transient(p);
    }
    if has_bare_eof(&decisive) {
        return transient(": EOF");
    }
    // A 400 usually blames the request, but registries (distribution, Harbor) answer 400 to a
    // blob upload or manifest that races a concurrent push of the same blob into the same
    // repository, as the two arches of one component do; the same push a moment later goes
    // through. A manifest a registry rejects for what it is fails again, costing only retries.
    if decisive.contains("failed to push") && decisive.contains("400 bad request") {
        return transient("400 bad request (push)");
    }
    if decisive.contains("connection refused") {
        if REGISTRY_CONTEXT.iter().any(|c| decisive.contains(c)) {
            return Classification {
                cause: Some(InfraCause::RegistryGone),
                ..transient("connection refused (registry)")
            };
        }
        return permanent("connection refused (not a registry)");
    }
    permanent("unrecognized")
}

/// [`classify`], knowing also the first output line of the step that failed.
pub fn classify_step(text: &str, failed_step_first_line: Option<&str>) -> Classification {
    let got = classify(text);
    let not_executed = failed_step_first_line.is_some_and(|line| {
        let line = line.trim();
        line.starts_with("exec ") && line.ends_with(": exec format error")
    });
    if not_executed && got.class == FailureClass::Permanent {
        return Classification {
            class: FailureClass::Infra,
            reason: "exec format error (step output)",
            cause: Some(InfraCause::Emulation),
        };
    }
    got
}

/// The build was stopped rather than failing: buildx reports `context canceled` when it is
/// interrupted, and the step it was running dies with exit code 137. `#N CANCELED` lines
/// alone do not count: bake cancels sibling targets when one of them fails.
pub fn is_canceled(text: &str) -> bool {
    let decisive = decisive_text(text).to_lowercase();
    decisive.contains("context canceled")
        || (decisive.contains("exit code: 137") && decisive.contains("cancel"))
}

fn decisive_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| is_error_line(l)).collect();
    let lines = if lines.is_empty() {
        text.lines().collect()
    } else {
        lines
    };
    lines
        .into_iter()
        .map(without_command)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Go's `io.EOF` printed at the end of a wrapped error (`...: EOF`): a connection that was
/// dropped mid-response.
fn has_bare_eof(lowercase: &str) -> bool {
    lowercase.match_indices(": eof").any(|(at, m)| {
        lowercase[at + m.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric() && c != '_')
    })
}

#[cfg(test)]
mod infra_tests;
#[cfg(test)]
mod tests;
