//! `[secrets]`, a component's `secrets` and `ssh`.

use super::*;
use crate::config::SecretSource;

fn with_secrets(secrets: &str, uses: &str) -> String {
    format!("{HEAD}[secrets]\n{secrets}\n\n{BASE}{uses}\n")
}

#[test]
fn env_and_file_secrets_resolve() {
    let f = Fixture::new().env(&[("NPM_TOKEN", "t0k3n"), ("HOME", "/nonexistent")], &[]);
    f.file("creds/netrc", "machine example.org login me password pw\n");
    let text = with_secrets(
        "npm_token = { env = \"NPM_TOKEN\" }\nnetrc = { file = \"creds/netrc\" }",
        "secrets = [\"npm_token\", \"netrc\"]",
    );
    let m = f.ok(&text);
    assert_eq!(
        m.secrets["npm_token"],
        SecretSource::Env("NPM_TOKEN".into())
    );
    assert_eq!(
        m.secrets["netrc"],
        SecretSource::File(f.root().join("creds/netrc"))
    );
    assert_eq!(m.components[0].secrets, ["npm_token", "netrc"]);
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    // The matrix holds where values come from, never a value.
    assert!(!format!("{m:?}").contains("t0k3n"));
}

#[test]
fn a_missing_variable_names_component_secret_and_variable() {
    let f = Fixture::new();
    let text = with_secrets(
        "npm_token = { env = \"NPM_TOKEN\" }",
        "secrets = [\"npm_token\"]",
    );
    let errors = f.errors(&text);
    // Line 11 is `secrets = ["npm_token"]`.
    let e = only_error(
        &errors,
        "the environment variable NPM_TOKEN is not set",
        12,
        12,
    );
    assert!(
        e.message
            .contains(r#"component "base" uses secret "npm_token""#),
        "{}",
        e.message
    );
    assert!(hint(e).contains("export NPM_TOKEN"), "{}", hint(e));
}

#[test]
fn a_secret_only_in_dotenv_says_to_export_it() {
    let f = Fixture::new().env(&[], &[("NPM_TOKEN", "x")]);
    let text = with_secrets(
        "npm_token = { env = \"NPM_TOKEN\" }",
        "secrets = [\"npm_token\"]",
    );
    let errors = f.errors(&text);
    let e = only_error(&errors, "NPM_TOKEN is not set", 12, 12);
    assert!(hint(e).contains("is in .env"), "{}", hint(e));
}

#[test]
fn a_missing_file_and_tilde_expansion() {
    let f = Fixture::new().env(&[("HOME", "/nonexistent-home")], &[]);
    let text = with_secrets("netrc = { file = \"~/.netrc\" }", "secrets = [\"netrc\"]");
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        "its file /nonexistent-home/.netrc does not exist",
        12,
        12,
    );
    assert!(hint(e).contains("line 7"), "{}", hint(e));
}

#[test]
fn unknown_ids_get_a_suggestion() {
    let f = Fixture::new().env(&[("NPM_TOKEN", "x")], &[]);
    let text = with_secrets(
        "npm_token = { env = \"NPM_TOKEN\" }",
        "secrets = [\"npm_tokn\"]",
    );
    let errors = f.errors(&text);
    let e = only_error(
        &errors,
        r#"uses secret "npm_tokn", which [secrets] does not define"#,
        12,
        12,
    );
    assert!(hint(e).contains("npm_token"), "{}", hint(e));
    // And the defined one is then unused, which is only a warning.
}

#[test]
fn bad_definitions() {
    let f = Fixture::new();
    let text = with_secrets(
        "a = { env = \"X\", file = \"y\" }\nb = {}\nc = \"NPM_TOKEN\"\n\"bad id\" = { env = \"X\" }\nd = { env = \"1X\" }\ne = { value = \"x\" }",
        "",
    );
    let errors = f.errors(&text);
    error_at(&errors, r#"secret "a" has both env and file"#, 7, 13);
    error_at(&errors, r#"secret "b" says neither env nor file"#, 8, 1);
    error_at(
        &errors,
        r#"secret "c" must say where its value comes from"#,
        9,
        5,
    );
    error_at(
        &errors,
        r#"secret id "bad id" cannot be passed to buildx"#,
        10,
        1,
    );
    error_at(
        &errors,
        r#""1X" is not an environment variable name"#,
        11,
        13,
    );
    error_at(&errors, "unknown key `value` in secret \"e\"", 12, 7);
}

#[test]
fn wrong_types() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}secrets = \"npm_token\"\nssh = [1]\n");
    let errors = f.errors(&text);
    error_at(&errors, "`secrets` in [[component]] \"base\"", 9, 11);
    let text = format!("secrets = [\"x\"]\n{HEAD}{BASE}");
    let errors = f.errors(&text);
    error_at(&errors, "[secrets] must be a table", 1, 11);
}

#[test]
fn unused_secrets_and_credential_args_warn() {
    let f = Fixture::new();
    let text = with_secrets(
        "spare = { env = \"SPARE\" }",
        "args = { NPM_TOKEN = \"abc\", GREETING = \"hi\" }\nplatform_args = { \"linux/arm64\" = { DB_PASSWORD = \"x\" } }",
    );
    let m = f.ok(&text);
    let w = |needle: &str| {
        m.warnings
            .iter()
            .find(|w| w.message.contains(needle))
            .unwrap_or_else(|| panic!("no warning {needle:?} in {:?}", m.warnings))
    };
    let unused = w(r#"secret "spare" is defined but no component uses it"#);
    assert_eq!((unused.line, unused.column), (7, 1));
    let token = w("build arg NPM_TOKEN of component \"base\" looks like a credential");
    assert_eq!((token.line, token.column), (12, 10));
    assert!(token
        .hint
        .as_deref()
        .unwrap()
        .contains(r#"npm_token = { env = "NPM_TOKEN" }"#));
    assert!(token
        .hint
        .as_deref()
        .unwrap()
        .contains("RUN --mount=type=secret,id=npm_token"));
    w("build arg DB_PASSWORD");
    assert_eq!(m.warnings.len(), 3, "{:?}", m.warnings);
}

#[test]
fn ssh_forwards_the_agent_or_keys() {
    let f = Fixture::new();
    let sock = f.file("agent.sock", "");
    let key = f.file("keys/id", "key");
    let f = f.env(&[("SSH_AUTH_SOCK", sock.to_str().unwrap())], &[]);
    let text = format!("{HEAD}{BASE}ssh = [\"default\", \"github=keys/id\"]\n");
    let m = f.ok(&text);
    assert_eq!(
        m.components[0].ssh,
        [
            "default".to_string(),
            format!("github={}", f.root().join("keys/id").display())
        ]
    );
    assert!(key.exists());
}

#[test]
fn ssh_without_an_agent_or_with_a_missing_key() {
    let f = Fixture::new();
    let text = format!("{HEAD}{BASE}ssh = [\"default\", \"github=keys/none\", \"=x\"]\n");
    let errors = f.errors(&text);
    error_at(
        &errors,
        "forwards the ssh agent, but SSH_AUTH_SOCK is not set",
        9,
        8,
    );
    error_at(
        &errors,
        "keys/none for component \"base\" does not exist",
        9,
        19,
    );
    error_at(&errors, "has no usable id", 9, 39);
}
