//! Makes untrusted build output safe to draw in the terminal.
//!
//! A Dockerfile's RUN steps, base images and registries all control bytes that end up on
//! screen. Escape sequences in them could move the cursor over other cells, retitle the
//! window, plant hyperlinks or query the terminal; bidi overrides could make a line read
//! differently from what it contains. None of that is passed through: what remains is
//! printable text only.

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
/// 8-bit String Terminator.
const ST: char = '\u{9c}';
const TAB_WIDTH: usize = 8;

/// One line of output made printable. Never panics.
pub fn sanitize_line(s: &str) -> String {
    sanitize::<true>(s)
}

/// With `RUNS`, printable ASCII, which is most of nearly every line, is copied a run at a
/// time: a flood of build output passes through here line after line. Without, every char
/// takes the general path, which tests compare against.
fn sanitize<const RUNS: bool>(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Output is built per char, so this equals `out.chars().count()` without rescanning.
    let mut column = 0;
    let mut chars = Cursor(s);
    loop {
        if RUNS {
            let run = chars.plain_run();
            out.push_str(run);
            column += run.len();
        }
        let Some(c) = chars.next() else {
            break;
        };
        match c {
            ESC => match chars.peek() {
                Some('[') => {
                    chars.next();
                    skip_csi(&mut chars);
                }
                Some(']') => {
                    chars.next();
                    skip_string(&mut chars, true);
                }
                Some('P' | 'X' | '^' | '_') => {
                    chars.next();
                    skip_string(&mut chars, false);
                }
                // nF sequences (`ESC ( B` and friends): intermediates, then one final byte.
                Some(' '..='/') => {
                    while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
                    chars.next_if(|c| matches!(c, '0'..='~'));
                }
                // Two-byte sequences such as `ESC 7`, `ESC c` (full reset), `ESC =`.
                Some('0'..='~') => {
                    chars.next();
                }
                // A lone ESC is dropped; what follows is judged on its own, and may well
                // start a sequence itself.
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' => skip_string(&mut chars, true),
            '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars, false),
            _ => push_char(&mut out, &mut column, c, &mut chars),
        }
    }
    out
}

/// The rest of a line, read a char at a time like `Peekable<Chars>`, which it replaced
/// because that cannot hand back the rest as a `&str` for [`Cursor::plain_run`].
struct Cursor<'a>(&'a str);

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<char> {
        self.0.chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.0 = &self.0[c.len_utf8()..];
        Some(c)
    }

    fn next_if(&mut self, f: impl FnOnce(&char) -> bool) -> Option<char> {
        match self.peek() {
            Some(c) if f(&c) => self.next(),
            _ => None,
        }
    }

    /// The printable ASCII chars from here on, taken.
    fn plain_run(&mut self) -> &'a str {
        let len = self
            .0
            .bytes()
            .position(|b| !(b' '..=b'~').contains(&b))
            .unwrap_or(self.0.len());
        let (run, rest) = self.0.split_at(len);
        self.0 = rest;
        run
    }
}

/// Appends a char that is not the start of an escape sequence.
fn push_char(out: &mut String, column: &mut usize, c: char, rest: &mut Cursor<'_>) {
    match c {
        '\t' => {
            let spaces = TAB_WIDTH - *column % TAB_WIDTH;
            out.extend(std::iter::repeat_n(' ', spaces));
            *column += spaces;
        }
        // A terminal returns to column 0 and overwrites: the text after the last `\r` is
        // what a person would have seen. A `\r` ending the line (or before `\n`) is just
        // a CRLF line ending and erases nothing.
        '\r' => {
            if rest.peek().is_some_and(|n| n != '\n' && n != '\r') {
                out.clear();
                *column = 0;
            }
        }
        c if c.is_control() || is_bidi_control(c) => {}
        c => {
            out.push(c);
            *column += 1;
        }
    }
}

/// Explicit embeddings, overrides and isolates: they reorder how the rest of the line reads.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// After `ESC [` or 8-bit CSI: parameter and intermediate bytes, then a final byte. A char
/// that cannot be part of the sequence ends it and is kept for normal handling, as
/// terminals do, so a malformed sequence cannot swallow the rest of the line.
fn skip_csi(chars: &mut Cursor<'_>) {
    while chars.next_if(|c| matches!(c, ' '..='?')).is_some() {}
    chars.next_if(|c| matches!(c, '@'..='~'));
}

/// OSC, DCS, SOS, PM and APC run until the String Terminator (`ESC \` or 8-bit ST); OSC
/// may also end with BEL. An unterminated one runs to the end of the line, which is what a
/// terminal would swallow too.
fn skip_string(chars: &mut Cursor<'_>, bel_ends: bool) {
    while let Some(c) = chars.next() {
        match c {
            ST => return,
            BEL if bel_ends => return,
            ESC if chars.peek() == Some('\\') => {
                chars.next();
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_csi() {
        assert_eq!(sanitize_line("\x1b[2Jclear"), "clear");
        assert_eq!(sanitize_line("a\x1b[10;5Hb"), "ab");
        assert_eq!(sanitize_line("\x1b[1;31mred\x1b[0m"), "red");
        assert_eq!(
            sanitize_line("\x1b[?25lhidden cursor\x1b[?25h"),
            "hidden cursor"
        );
        assert_eq!(sanitize_line("x\x1b[6n"), "x");
        assert_eq!(sanitize_line("x\x1b[38;5;196"), "x");
    }

    #[test]
    fn strips_osc() {
        assert_eq!(sanitize_line("\x1b]0;pwned\x07after"), "after");
        assert_eq!(sanitize_line("\x1b]2;title\x1b\\after"), "after");
        assert_eq!(
            sanitize_line("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"),
            "link"
        );
        assert_eq!(sanitize_line("before\x1b]52;c;ZXZpbA=="), "before");
    }

    #[test]
    fn strips_dcs_sos_pm_apc() {
        assert_eq!(sanitize_line("a\x1bP1$r0m\x1b\\b"), "ab");
        assert_eq!(sanitize_line("a\x1bXsos\x1b\\b"), "ab");
        assert_eq!(sanitize_line("a\x1b^pm\x1b\\b"), "ab");
        assert_eq!(sanitize_line("a\x1b_Gf=100;AAAA\x1b\\b"), "ab");
        // BEL does not end these, only OSC.
        assert_eq!(sanitize_line("a\x1bPq\x07still\x1b\\b"), "ab");
    }

    #[test]
    fn strips_short_escapes() {
        assert_eq!(sanitize_line("a\x1bcb"), "ab");
        assert_eq!(sanitize_line("a\x1b7b\x1b8"), "ab");
        assert_eq!(sanitize_line("a\x1b(Bb"), "ab");
        assert_eq!(sanitize_line("a\x1b#8b"), "ab");
        assert_eq!(sanitize_line("trailing\x1b"), "trailing");
        assert_eq!(sanitize_line("a\x1b\x1b[1mb"), "ab");
        assert_eq!(sanitize_line("a\x1b\u{e9}"), "a\u{e9}");
    }

    #[test]
    fn strips_c1_forms() {
        assert_eq!(sanitize_line("\u{9b}31mred"), "red");
        assert_eq!(sanitize_line("\u{9d}0;pwned\u{9c}ok"), "ok");
        assert_eq!(sanitize_line("\u{9d}0;pwned\x07ok"), "ok");
        assert_eq!(sanitize_line("\u{90}q#0\u{9c}ok"), "ok");
        assert_eq!(sanitize_line("\u{9f}apc\x1b\\ok"), "ok");
        assert_eq!(sanitize_line("a\u{85}b\u{84}c"), "abc");
    }

    #[test]
    fn strips_c0_controls() {
        assert_eq!(
            sanitize_line("a\x00b\x07c\x08d\x7fe\nf\x0bg\x0ch"),
            "abcdefgh"
        );
    }

    #[test]
    fn expands_tabs() {
        assert_eq!(sanitize_line("\tx"), "        x");
        assert_eq!(sanitize_line("ab\tc"), "ab      c");
        assert_eq!(sanitize_line("abcdefgh\tc"), "abcdefgh        c");
        assert_eq!(sanitize_line("\x1b[1mab\x1b[0m\tc"), "ab      c");
        assert_eq!(sanitize_line("\u{e9}\u{e9}\tc"), "\u{e9}\u{e9}      c");
    }

    #[test]
    fn carriage_return_overwrites() {
        assert_eq!(sanitize_line("10%\r50%\r100%"), "100%");
        assert_eq!(sanitize_line("done\r"), "done");
        assert_eq!(sanitize_line("done\r\n"), "done");
        assert_eq!(sanitize_line("a\r\rb"), "b");
        assert_eq!(sanitize_line("aaaa\r\tb"), "        b");
        assert_eq!(sanitize_line("\x1b[2K\r\x1b[1Gstep 3/3"), "step 3/3");
    }

    #[test]
    fn strips_bidi_controls() {
        assert_eq!(sanitize_line("abc\u{202e}fed\u{202c}"), "abcfed");
        assert_eq!(sanitize_line("\u{2066}x\u{2069}\u{2067}y\u{2068}"), "xy");
        assert_eq!(sanitize_line("\u{202a}\u{202b}\u{202d}z"), "z");
    }

    #[test]
    fn keeps_ordinary_text() {
        let text =
            "#6 0.083 about to fail \u{2014} \u{e9}t\u{e9} \u{1f600} [3/3] RUN echo \"x\" >&2";
        assert_eq!(sanitize_line(text), text);
        assert_eq!(sanitize_line(""), "");
    }

    fn xorshift(state: &mut u64) -> u64 {
        let mut x = *state;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *state = x;
        x
    }

    #[test]
    fn random_input_never_panics_and_comes_out_clean() {
        // Weighted towards the bytes that drive the state machine, plus the UTF-8 encodings
        // of C1 controls and bidi overrides.
        const INTERESTING: &[&[u8]] = &[
            b"\x1b",
            b"[",
            b"]",
            b"\\",
            b"\x07",
            b"\r",
            b"\n",
            b"\t",
            b"P",
            b"_",
            b"^",
            b"X",
            b";",
            b"0",
            b"m",
            b"(",
            "\u{9b}".as_bytes(),
            "\u{9d}".as_bytes(),
            "\u{9c}".as_bytes(),
            "\u{90}".as_bytes(),
            "\u{202e}".as_bytes(),
            "\u{2067}".as_bytes(),
            "\u{e9}".as_bytes(),
            b"\xc2",
            b"\xe2\x80",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let len = (xorshift(&mut state) % 48) as usize;
            let mut bytes = Vec::with_capacity(len * 2);
            for _ in 0..len {
                let r = xorshift(&mut state);
                match r % 3 {
                    0 => bytes.push((r >> 8) as u8),
                    _ => {
                        bytes.extend_from_slice(INTERESTING[(r >> 8) as usize % INTERESTING.len()])
                    }
                }
            }
            let input = String::from_utf8_lossy(&bytes);
            let out = sanitize_line(&input);
            assert_eq!(out, sanitize::<false>(&input), "{input:?}");
            assert!(
                !out.chars().any(|c| c.is_control() || is_bidi_control(c)),
                "{input:?} -> {out:?}"
            );
            assert_eq!(sanitize_line(&out), out, "not idempotent for {input:?}");
        }
    }
}
