//! Build args that look like credentials: they stay readable in the image's history and
//! provenance, so each one gets a warning with the `[secrets]` form to use instead.

use super::error::Collector;
use super::raw::Text;

/// Whether a build arg's name says it holds a credential. Each `_`-separated word is judged on
/// its own, so `NPM_TOKEN`, `APITOKEN` and `tokenfile` are credentials and `TOKENIZER_VERSION`
/// is not.
pub fn looks_like_credential(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(['_', '-', '.']).collect();
    let credential = |word: &str| {
        ["TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL"]
            .iter()
            .any(|c| match word.find(c) {
                Some(at) => {
                    let after = &word[at + c.len()..];
                    word.ends_with(c) || ["S", "FILE"].contains(&after)
                }
                None => false,
            })
    };
    words.iter().any(|w| credential(w)) || words.last() == Some(&"KEY")
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
        for no in [
            "GREETING",
            "KEYBOARD_LAYOUT",
            "JOBS",
            "MONKEY",
            "TOKENIZER_VERSION",
            "SECRETARY",
        ] {
            assert!(!looks_like_credential(no), "{no}");
        }
    }
}
