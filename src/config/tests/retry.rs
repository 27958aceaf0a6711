//! `[retry]`: the number of attempts and the backoff duration.

use std::time::Duration;

use super::*;

#[test]
fn unparsable_backoff() {
    let f = Fixture::new();
    let text = format!("{HEAD}[retry]\nbackoff = \"soon\"\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, r#"retry.backoff: invalid duration "soon""#, 7, 11);
    assert!(hint(e).contains(r#"backoff = "5s""#));
}

#[test]
fn retry_attempts_zero() {
    let f = Fixture::new();
    let text = format!("{HEAD}[retry]\nattempts = 0\n\n{BASE}");
    let errors = f.errors(&text);
    let e = only_error(&errors, "retry.attempts must be at least 1", 7, 12);
    assert!(hint(e).contains("use 1 for no retries"));
}

#[test]
fn parse_duration_is_public() {
    assert_eq!(parse_duration("1m30s"), Ok(Duration::from_secs(90)));
    assert!(parse_duration("soon").is_err());
}
