//! How the log pane shows lines: wrapped or scrolled sideways, with or without the time each
//! line came, and a search with its hits.

/// Columns `←`/`→` move the unwrapped log by.
pub const SIDEWAYS_STEP: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    /// Long lines continue on the next rows; off, they are cut at the pane's edge and
    /// `←`/`→` scroll.
    pub wrap: bool,
    /// Columns hidden on the left while not wrapping.
    pub sideways: usize,
    pub times: bool,
    /// The search being typed after `/`.
    pub typing: Option<String>,
    pub search: Option<Search>,
}

impl Default for LogView {
    fn default() -> Self {
        LogView {
            wrap: true,
            sideways: 0,
            times: false,
            typing: None,
            search: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    pub query: String,
    /// The line of the current hit.
    pub at: Option<u64>,
}

impl Search {
    /// Lowercase queries match either case, as in less and vim's smartcase; a capital asks
    /// for exactly that case.
    pub fn matches(&self, text: &str) -> bool {
        !self.ranges(text).is_empty()
    }

    /// Byte ranges of every match in `text`, for highlighting.
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        if self.query.is_empty() {
            return Vec::new();
        }
        let exact = self.query.chars().any(char::is_uppercase);
        let (hay, needle) = if exact {
            (text.to_string(), self.query.clone())
        } else {
            (fold(text), fold(&self.query))
        };
        // Folding only changes ASCII letters, so byte offsets stay those of `text`.
        hay.match_indices(&needle)
            .map(|(at, m)| (at, at + m.len()))
            .collect()
    }
}

fn fold(text: &str) -> String {
    text.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(q: &str) -> Search {
        Search {
            query: q.into(),
            at: None,
        }
    }

    #[test]
    fn smartcase() {
        assert_eq!(
            search("error").ranges("ERROR and Error"),
            [(0, 5), (10, 15)]
        );
        assert_eq!(search("Error").ranges("ERROR and Error"), [(10, 15)]);
        assert!(!search("").matches("anything"));
    }

    #[test]
    fn offsets_survive_wide_characters() {
        let text = "日本 gcc 語 GCC";
        let ranges = search("gcc").ranges(text);
        assert_eq!(ranges.len(), 2);
        for (a, b) in ranges {
            assert!(text[a..b].eq_ignore_ascii_case("gcc"));
        }
    }
}
