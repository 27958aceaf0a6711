//! One log line as the rows it takes in the pane: with its time, its search matches marked,
//! wrapped at the pane's width or cut and shifted sideways.

use jiff::tz::TimeZone;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use crate::console::log_ring::LogLine;
use crate::console::log_view::Search;
use crate::model::clock::time_of_day;

pub struct RowOpts<'a> {
    pub width: usize,
    pub wrap: bool,
    /// Columns of text hidden on the left while not wrapping.
    pub sideways: usize,
    pub times: Option<&'a TimeZone>,
    pub search: Option<&'a Search>,
}

const MATCH: Style = Style::new().fg(Color::Black).bg(Color::Yellow);
/// The line of the current hit carries a mark in the gutter, so it is found without colour.
const HIT_MARK: &str = "▶ ";
const NO_MARK: &str = "  ";

impl RowOpts<'_> {
    /// Columns before the text: the search gutter and the time.
    fn prefix_width(&self) -> usize {
        let gutter = if self.search.is_some() { 2 } else { 0 };
        gutter + if self.times.is_some() { 9 } else { 0 }
    }

    /// Columns the text itself may use on each row.
    fn text_width(&self) -> usize {
        self.width.saturating_sub(self.prefix_width()).max(1)
    }

    /// How many rows `line` takes.
    pub fn row_count(&self, line: &LogLine) -> usize {
        if !self.wrap {
            return 1;
        }
        let w: usize = line.text.chars().map(|c| c.width().unwrap_or(0)).sum();
        w.div_ceil(self.text_width()).max(1)
    }

    pub fn rows(&self, line: &LogLine, number: u64, base: Style) -> Vec<Line<'static>> {
        let mut prefix: Vec<Span<'static>> = Vec::new();
        if let Some(search) = self.search {
            let mark = if search.at == Some(number) {
                HIT_MARK
            } else {
                NO_MARK
            };
            prefix.push(Span::styled(mark, Style::new().fg(Color::Yellow)));
        }
        if let Some(tz) = self.times {
            prefix.push(Span::styled(
                format!("{} ", time_of_day(line.at, tz)),
                Style::new().fg(Color::DarkGray),
            ));
        }
        let ranges = self
            .search
            .map(|s| s.ranges(&line.text))
            .unwrap_or_default();
        let styled = line.text.char_indices().map(|(at, c)| {
            let hit = ranges.iter().any(|&(a, b)| at >= a && at < b);
            (c, if hit { base.patch(MATCH) } else { base })
        });
        let width = self.text_width();
        let mut rows: Vec<Vec<(char, Style)>> = vec![Vec::new()];
        let mut used = 0;
        let mut skipped = 0;
        let mut cut = false;
        for (c, style) in styled {
            let w = c.width().unwrap_or(0);
            if !self.wrap && skipped < self.sideways {
                skipped += w.max(1);
                continue;
            }
            if used + w > width {
                if !self.wrap {
                    cut = true;
                    break;
                }
                rows.push(Vec::new());
                used = 0;
            }
            rows.last_mut().expect("one row at least").push((c, style));
            used += w;
        }
        if cut {
            // `…` in the last column says the line goes on past the edge.
            let row = rows.last_mut().expect("one row at least");
            while used + 1 > width {
                match row.pop() {
                    Some((c, _)) => used -= c.width().unwrap_or(0),
                    None => break,
                }
            }
            row.push(('…', base.add_modifier(Modifier::DIM)));
        }
        let blank = " ".repeat(self.prefix_width());
        rows.into_iter()
            .enumerate()
            .map(|(i, row)| {
                let mut spans = if i == 0 {
                    prefix.clone()
                } else {
                    vec![Span::raw(blank.clone())]
                };
                spans.extend(runs(row));
                Line::from(spans)
            })
            .collect()
    }
}

/// Neighbouring characters of one style as one span.
fn runs(row: Vec<(char, Style)>) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut current: Option<Style> = None;
    for (c, style) in row {
        if current.is_some_and(|s| s != style) {
            spans.push(Span::styled(
                std::mem::take(&mut text),
                current.unwrap_or_default(),
            ));
        }
        current = Some(style);
        text.push(c);
    }
    if let Some(style) = current {
        spans.push(Span::styled(text, style));
    }
    spans
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::console::log_ring::LineKind;

    fn line(text: &str) -> LogLine {
        LogLine {
            kind: LineKind::Stdout,
            text: text.into(),
            at: UNIX_EPOCH + Duration::from_secs(3600 * 14 + 65),
        }
    }

    fn texts(rows: &[Line]) -> Vec<String> {
        rows.iter().map(|l| l.to_string()).collect()
    }

    fn opts(width: usize, wrap: bool) -> RowOpts<'static> {
        RowOpts {
            width,
            wrap,
            sideways: 0,
            times: None,
            search: None,
        }
    }

    #[test]
    fn wraps_at_the_width_and_counts_its_rows() {
        let o = opts(4, true);
        let l = line("abcdefghij");
        assert_eq!(texts(&o.rows(&l, 0, Style::new())), ["abcd", "efgh", "ij"]);
        assert_eq!(o.row_count(&l), 3);
        assert_eq!(o.row_count(&line("")), 1);
    }

    #[test]
    fn cut_lines_end_in_an_ellipsis_and_scroll_sideways() {
        let mut o = opts(5, false);
        let l = line("abcdefghij");
        assert_eq!(texts(&o.rows(&l, 0, Style::new())), ["abcd…"]);
        o.sideways = 3;
        assert_eq!(texts(&o.rows(&l, 0, Style::new())), ["defg…"]);
        o.sideways = 6;
        assert_eq!(texts(&o.rows(&l, 0, Style::new())), ["ghij"]);
    }

    #[test]
    fn wide_characters_never_straddle_the_edge() {
        let o = opts(5, true);
        assert_eq!(
            texts(&o.rows(&line("日本語です"), 0, Style::new())),
            ["日本", "語で", "す"]
        );
    }

    #[test]
    fn times_and_the_hit_mark_come_first_and_continuations_are_indented() {
        let search = Search {
            query: "ef".into(),
            at: Some(7),
        };
        let o = RowOpts {
            width: 16,
            wrap: true,
            sideways: 0,
            times: Some(&TimeZone::UTC),
            search: Some(&search),
        };
        let rows = o.rows(&line("abcdefghij"), 7, Style::new());
        assert_eq!(texts(&rows), ["▶ 14:01:05 abcde", "           fghij"]);
        let hit: Vec<&Span> = rows
            .iter()
            .flat_map(|r| &r.spans)
            .filter(|s| s.style.bg == Some(Color::Yellow))
            .collect();
        assert_eq!(
            hit.iter().map(|s| s.content.as_ref()).collect::<Vec<_>>(),
            ["e", "f"]
        );
        let other = o.rows(&line("abcdefghij"), 8, Style::new());
        assert!(texts(&other)[0].starts_with("  14:01:05 "));
    }
}
