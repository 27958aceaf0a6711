/// The candidate a typo most likely meant, if any is close enough to be a
/// useful guess rather than noise.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, c)| d > 0 && d <= (word.len().max(c.len()) / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance: Levenshtein plus adjacent swaps, since
/// swapped letters are the most common typo in names.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("base", "base"), 0);
        assert_eq!(edit_distance("bsae", "base"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_only_plausible_typos() {
        let names = ["base", "app", "docs"];
        assert_eq!(closest("bsae", names), Some("base"));
        assert_eq!(closest("ap", names), Some("app"));
        assert_eq!(closest("frontend", names), None);
        assert_eq!(closest("base", names), None);
    }
}
