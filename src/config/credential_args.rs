//! Build args that look like credentials: they stay readable in the image's history and
//! provenance, so each one gets a warning with the `[secrets]` form to use instead.

use super::error::Collector;
use super::raw::Text;

/// Whether a build arg's name says it holds a credential.
pub fn looks_like_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL"]
        .iter()
        .any(|word| upper.contains(word))
        || upper.ends_with("_KEY")
        || upper == "KEY"
}

pub(super) fn warn(name: &Text, component: &str, errors: &mut Collector<'_>) {
    let arg = name.get_ref();
    if !looks_like_credential(arg) {
        return;
    }
    let id = arg.to_ascii_lowercase();
    errors.warn(
        name.span(),
        format!("build arg {arg} of component {component:?} looks like a credential; build args stay readable in the image's history"),
        format!(
            r#"pass it as a secret: add {id} = {{ env = "{arg}" }} under [secrets], secrets = ["{id}"] on the component, and read it in the Dockerfile with RUN --mount=type=secret,id={id}"#
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::looks_like_credential;

    #[test]
    fn credential_names() {
        for yes in [
            "NPM_TOKEN",
            "db_password",
            "AWS_SECRET_ACCESS_KEY",
            "API_KEY",
            "GIT_CREDENTIALS",
            "tokenfile",
        ] {
            assert!(looks_like_credential(yes), "{yes}");
        }
        for no in ["GREETING", "KEYBOARD_LAYOUT", "JOBS", "MONKEY"] {
            assert!(!looks_like_credential(no), "{no}");
        }
    }
}
