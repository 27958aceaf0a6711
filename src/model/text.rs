//! Small text helpers shared by both front ends and the core: quoting a command for a person,
//! CSV fields for buildx's option parsers, counts and sizes in words.

use std::path::Path;

/// Arguments quoted the way a POSIX shell would need them, for showing a command to a person.
pub fn shell_words<'a>(args: impl IntoIterator<Item = &'a str>) -> String {
    args.into_iter()
        .map(shell_quote)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `docker ARGV` as a person would type it, for showing a command that is about to run or ran.
pub fn docker_command_line(argv: &[String]) -> String {
    shell_words(std::iter::once("docker").chain(argv.iter().map(String::as_str)))
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:@,+%".contains(&b));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// buildx reads `--output` and `--driver-opt` values as one CSV record each, so a value with a
/// separator, a quote or a line break has to be one quoted field or it would be split.
pub fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The fields of one CSV record as buildx reads a `--secret` or `--output` value: `,` between
/// fields, a field in `"` keeps its commas, and `""` inside it is one quote.
pub fn csv_fields(record: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = record.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Paths in a plan are absolute; shown relative to the matrix root they are easier to read.
pub fn relative_to<'a>(path: &'a Path, root: &Path) -> &'a Path {
    path.strip_prefix(root).unwrap_or(path)
}

/// The `s` of "1 cell" and "2 cells".
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A file size the way the export report shows it.
pub fn size_words(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}

/// Lowercase hex of a digest's bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quote_separators_quotes_and_line_breaks() {
        assert_eq!(csv_field("plain=value"), "plain=value");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("a\rb"), "\"a\rb\"");
        assert_eq!(csv_field("a\nb"), "\"a\nb\"");
    }

    #[test]
    fn csv_fields_read_back_what_csv_field_quotes() {
        assert_eq!(csv_fields("id=a,env=B"), ["id=a", "env=B"]);
        assert_eq!(
            csv_fields(r#"id=k,"src=/a,b/""k""""#),
            ["id=k", r#"src=/a,b/"k""#]
        );
        for field in ["plain", "a,b", "say \"hi\"", ""] {
            assert_eq!(csv_fields(&csv_field(field)), [field]);
        }
    }

    #[test]
    fn shell_words_quote_only_what_a_shell_would_split() {
        assert_eq!(
            docker_command_line(&["buildx".into(), "build".into(), "a b".into(), "it's".into()]),
            r"docker buildx build 'a b' 'it'\''s'"
        );
        assert_eq!(shell_words([""]), "''");
    }

    #[test]
    fn hex_is_lowercase_two_digits_a_byte() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    }

    #[test]
    fn plural_and_sizes() {
        assert_eq!(plural(1), "");
        assert_eq!(plural(0), "s");
        assert_eq!(size_words(2048), "2.0 KiB");
        assert_eq!(size_words(3 << 20), "3.0 MiB");
    }
}
