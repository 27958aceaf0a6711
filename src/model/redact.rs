//! Masks secret values in text a build printed, the way CI systems mask theirs.
//!
//! # The rules
//!
//! - A value is masked whole, and also without its trailing line break (a file usually ends
//!   with one that the output does not repeat).
//! - Each line of a value, trimmed, is masked too: a `.netrc` file is printed line by line,
//!   and its lines reach the log as separate lines.
//! - Anything shorter than [`MIN_MASKED`] characters is not masked: masking a value `a` would
//!   turn every `a` of the output into `***`. [`too_short`] lets a caller warn about it.
//! - Every occurrence of every value is found, overlapping ones included, and each run of
//!   overlapping occurrences becomes one `***`. So a value that contains another is masked
//!   whole, and two values that overlap in the text leave no part of either shown, which
//!   replacing one value after the other would not guarantee.
//!
//! A build gets a handful of values, so plain substring search is enough.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// What a masked occurrence becomes.
pub const MASK: &str = "***";

/// Fewer characters than this are never masked.
pub const MIN_MASKED: usize = 4;

/// Whether `value` is too short to be masked, so output that prints it shows it.
pub fn too_short(value: &str) -> bool {
    value.trim().chars().count() < MIN_MASKED
}

#[derive(Clone, Default)]
pub struct Redactor {
    /// Longest first, without duplicates or anything [`too_short`].
    values: Vec<String>,
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut masked: Vec<String> = Vec::new();
        for value in values {
            let whole = value.as_str();
            let forms = [whole, whole.trim_end_matches(['\n', '\r'])]
                .into_iter()
                .chain(whole.lines().map(str::trim));
            masked.extend(forms.filter(|f| !too_short(f)).map(str::to_string));
        }
        masked.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        masked.dedup();
        Redactor { values: masked }
    }

    /// True when nothing will ever be masked.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every value replaced by [`MASK`]; borrowed when nothing matched.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let spans = self.spans(text.as_bytes());
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        // The values are UTF-8, so in UTF-8 text every occurrence starts and ends on a
        // character boundary and these slices cannot panic.
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for span in spans {
            out.push_str(&text[at..span.start]);
            out.push_str(MASK);
            at = span.end;
        }
        out.push_str(&text[at..]);
        Cow::Owned(out)
    }

    /// [`Redactor::redact`] for output that need not be UTF-8; other bytes are kept as they
    /// are.
    pub fn redact_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let spans = self.spans(bytes);
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for span in spans {
            out.extend_from_slice(&bytes[at..span.start]);
            out.extend_from_slice(MASK.as_bytes());
            at = span.end;
        }
        out.extend_from_slice(&bytes[at..]);
        Cow::Owned(out)
    }

    /// Where a stream's unfinished line, which more bytes may follow, can be cut when it
    /// grows too long, so that masking each part on its own still masks every value: no
    /// occurrence is split, and the part kept back is long enough to hold any value that
    /// `pending` only begins. The cut is at the start of a character. 0 when there is no such
    /// place (the line is one run of overlapping values, or shorter than the longest value).
    pub fn safe_cut(&self, pending: &[u8]) -> usize {
        let Some(longest) = self.values.first().map(String::len) else {
            return pending.len();
        };
        let reach = longest - 1;
        let mut cut = pending.len().saturating_sub(reach);
        while cut > 0 && cut < pending.len() && is_continuation(pending[cut]) {
            cut -= 1;
        }
        // Only an occurrence within `reach` of the cut can straddle it. Moving the cut to the
        // start of one keeps it on a character start, since a value never starts with a
        // continuation byte, and may reach an earlier occurrence, hence the loop.
        loop {
            let from = cut.saturating_sub(reach);
            let to = (cut + reach).min(pending.len());
            let straddling = self
                .spans(&pending[from..to])
                .into_iter()
                .map(|s| from + s.start..from + s.end)
                .find(|s| s.start < cut && cut < s.end);
            match straddling {
                Some(span) => cut = span.start,
                None => return cut,
            }
        }
    }

    /// Byte ranges to mask, in order: every occurrence of every value, with overlapping ones
    /// joined.
    fn spans(&self, hay: &[u8]) -> Vec<Range<usize>> {
        let mut found = Vec::new();
        for value in &self.values {
            let needle = value.as_bytes();
            let mut from = 0;
            while let Some(at) = find(&hay[from..], needle) {
                let start = from + at;
                found.push(start..start + needle.len());
                from = start + 1;
            }
        }
        found.sort_by_key(|span| span.start);
        let mut joined: Vec<Range<usize>> = Vec::with_capacity(found.len());
        for span in found {
            match joined.last_mut() {
                Some(last) if span.start < last.end => last.end = last.end.max(span.end),
                _ => joined.push(span),
            }
        }
        joined
    }
}

/// The values themselves are never printed, not even in a debug dump of a runner.
impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redactor")
            .field("values", &self.values.len())
            .finish()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor(values: &[&str]) -> Redactor {
        Redactor::new(values.iter().map(|v| v.to_string()))
    }

    #[test]
    fn masks_every_occurrence_of_one_value() {
        let r = redactor(&["npm_abc123"]);
        assert_eq!(
            r.redact("token npm_abc123, again npm_abc123npm_abc123."),
            "token ***, again ******."
        );
        assert_eq!(r.redact("npm_abc12"), "npm_abc12");
    }

    #[test]
    fn nothing_to_mask_borrows() {
        let r = redactor(&["npm_abc123"]);
        assert!(matches!(r.redact("plain output"), Cow::Borrowed(_)));
        let empty = Redactor::default();
        assert!(empty.is_empty());
        assert!(matches!(empty.redact("npm_abc123"), Cow::Borrowed(_)));
        assert!(matches!(
            empty.redact_bytes(b"npm_abc123"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn masks_several_values() {
        let r = redactor(&["first-secret", "second-secret"]);
        assert_eq!(
            r.redact("a first-secret b second-secret c"),
            "a *** b *** c"
        );
    }

    #[test]
    fn a_value_containing_another_is_masked_whole() {
        for values in [["token", "token-long"], ["token-long", "token"]] {
            let r = redactor(&values);
            assert_eq!(r.redact("token-long token"), "*** ***", "{values:?}");
            assert_eq!(r.redact("xtoken-longx"), "x***x", "{values:?}");
        }
    }

    #[test]
    fn overlapping_occurrences_leave_nothing_shown() {
        let r = redactor(&["AAAAbbbb", "bbbbCCCC"]);
        assert_eq!(r.redact("<AAAAbbbbCCCC>"), "<***>");
        let r = redactor(&["abab"]);
        assert_eq!(r.redact("ababab"), "***");
        assert_eq!(r.redact("abab abab"), "*** ***");
    }

    #[test]
    fn a_file_is_masked_whole_and_line_by_line() {
        let netrc = "machine registry.example\nlogin ci\n  password Pa55-w0rd  \r\n";
        let r = redactor(&[netrc]);
        assert_eq!(r.redact(netrc), "***");
        assert_eq!(
            r.redact(&format!(
                "before {} after",
                netrc.trim_end_matches(['\r', '\n'])
            )),
            "before *** after"
        );
        assert_eq!(
            r.redact("cat: password Pa55-w0rd\nlogin ci"),
            "cat: ***\n***"
        );
        assert_eq!(r.redact("machine registry.example"), "***");
    }

    #[test]
    fn short_values_and_lines_are_not_masked() {
        assert!(too_short("abc"));
        assert!(too_short("  ab \n"));
        assert!(too_short(""));
        assert!(!too_short("abcd"));
        // Characters count, not bytes: four of them take nine bytes here.
        assert!(!too_short("\u{e4}\u{f6}\u{fc}\u{20ac}"));
        assert!(too_short("\u{e4}\u{f6}\u{fc}"));
        let r = redactor(&["a", "ab", "abc", "  xy  ", ""]);
        assert!(r.is_empty());
        assert_eq!(r.redact("a ab abc xy"), "a ab abc xy");
        let r = redactor(&["user\nme\nlong-enough-line\n"]);
        assert_eq!(r.redact("me user long-enough-line"), "me *** ***");
    }

    #[test]
    fn debug_never_shows_a_value() {
        let r = redactor(&["hunter2-secret", "multi\nline value\n"]);
        let shown = format!("{r:?} {r:#?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("line value"),
            "{shown}"
        );
        assert_eq!(format!("{r:?}"), "Redactor { values: 5 }");
    }

    #[test]
    fn non_ascii_text_and_values() {
        let r = redactor(&["p\u{e4}ssw\u{f6}rd\u{20ac}", "\u{1f511}key!"]);
        assert_eq!(
            r.redact(
                "\u{e9}\u{e9}p\u{e4}ssw\u{f6}rd\u{20ac}\u{e9} \u{1f511}\u{1f511}key!\u{1f511}"
            ),
            "\u{e9}\u{e9}***\u{e9} \u{1f511}***\u{1f511}"
        );
    }

    #[test]
    fn bytes_around_a_value_are_kept_as_they_are() {
        let r = redactor(&["npm_abc123"]);
        assert_eq!(
            r.redact_bytes(b"\xff\xfenpm_abc123\xc3"),
            &b"\xff\xfe***\xc3"[..]
        );
    }

    #[test]
    fn a_safe_cut_splits_no_value_and_keeps_room_for_one() {
        let secret = "s3cret-value";
        let r = redactor(&[secret]);
        let reach = secret.len() - 1;
        let plain = "x".repeat(100);
        assert_eq!(r.safe_cut(plain.as_bytes()), 100 - reach);
        for at in 80..100 {
            let text = format!("{}{secret}{}", &plain[..at], &plain[at..]);
            let cut = r.safe_cut(text.as_bytes());
            let (head, tail) = text.split_at(cut);
            assert_eq!(
                format!("{}{}", r.redact(head), r.redact(tail)),
                format!("{}***{}", &plain[..at], &plain[at..]),
                "{at}"
            );
        }
        // A value that has only begun is kept back whole.
        let begun = format!("{plain}s3cret-va");
        let cut = r.safe_cut(begun.as_bytes());
        assert!(cut <= plain.len(), "{cut}");
        // On a character start, even when the plain cut would fall inside one.
        let wide = "\u{20ac}".repeat(40);
        let cut = r.safe_cut(wide.as_bytes());
        assert!(wide.is_char_boundary(cut), "{cut}");
        // Nowhere to cut inside one run of overlapping values.
        assert_eq!(redactor(&["aaaa"]).safe_cut(&[b'a'; 64]), 0);
        assert_eq!(Redactor::default().safe_cut(b"abc"), 3);
    }
}
