//! Fitting text into columns: build output may hold wide characters, so widths are measured,
//! not counted.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` cut to `width` columns, ending in `…` when something was cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// `text` cut or padded with spaces to exactly `width` columns.
pub fn pad(text: &str, width: usize) -> String {
    let mut out = fit(text, width);
    let w = out.width();
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_wide_characters_by_columns() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
        assert_eq!(fit("日本語", 4), "日…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("日本語", 5), "日本…");
        assert_eq!(pad("日本語", 4), "日… ");
    }
}

/// `text` broken at spaces into lines of at most `width` columns; a word longer than a line
/// is cut. Continuation lines are for the caller to indent.
pub fn wrap_words(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let width = if lines.is_empty() { first } else { rest }.max(1);
        let needed = if line.is_empty() {
            word.width()
        } else {
            line.width() + 1 + word.width()
        };
        if needed > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        let width = if lines.is_empty() { first } else { rest }.max(1);
        while line.width() > width {
            let (head, tail) = split_at_width(&line, width);
            lines.push(head.to_string());
            line = tail.to_string();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` split after at most `width` columns, at least one character in the first part.
/// `text` cut into rows of `first`, then `rest`, columns, spaces kept where they are: for
/// output and Dockerfile excerpts, whose columns line up.
pub fn wrap_chars(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut left = text;
    loop {
        let width = if rows.is_empty() { first } else { rest }.max(1);
        let (head, tail) = split_at_width(left, width);
        rows.push(head.to_string());
        if tail.is_empty() {
            return rows;
        }
        left = tail;
    }
}

fn split_at_width(text: &str, width: usize) -> (&str, &str) {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        let w = c.width().unwrap_or(0);
        if used + w > width && at > 0 {
            return text.split_at(at);
        }
        used += w;
    }
    (text, "")
}

#[cfg(test)]
mod wrap_tests {
    use super::{wrap_chars, wrap_words};

    #[test]
    fn chars_wrap_keeping_their_columns() {
        assert_eq!(
            wrap_chars("   8 |     RUN make", 10, 8),
            ["   8 |    ", " RUN mak", "e"]
        );
        assert_eq!(wrap_chars("", 4, 4), [""]);
    }

    #[test]
    fn words_wrap_with_a_narrower_first_line() {
        assert_eq!(
            wrap_words("one two three four", 7, 10),
            ["one two", "three four"]
        );
        assert_eq!(wrap_words("", 5, 5), [""]);
        assert_eq!(wrap_words("abcdefghij", 4, 4), ["abcd", "efgh", "ij"]);
    }
}

/// `prefix` then `text` in `style`, wrapped to `width` with continuation lines indented to
/// where the text started, so a long reason reads as one block beside its label.
pub fn hanging(
    prefix: Vec<ratatui::text::Span<'static>>,
    text: &str,
    style: ratatui::style::Style,
    width: u16,
) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::{Line, Span};
    let indent: usize = prefix.iter().map(|s| s.content.width()).sum();
    let room = (width as usize).saturating_sub(indent).max(20);
    let mut out = Vec::new();
    let mut first = Some(prefix);
    for part in wrap_words(text, room, room) {
        let mut spans = first
            .take()
            .unwrap_or_else(|| vec![Span::raw(" ".repeat(indent))]);
        spans.push(Span::styled(part, style));
        out.push(Line::from(spans));
    }
    out
}
