use std::time::Duration;

/// Parses durations written the way people say them: `500ms`, `5s`, `2m`,
/// `1h`, or combined from the largest unit down, as in `1m30s`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = |why: &str| {
        format!("invalid duration {s:?}: {why}; expected a number and a unit (ms, s, m, h), e.g. \"500ms\", \"5s\" or \"1m30s\"")
    };
    let text = s.trim();
    if text.is_empty() {
        return Err(invalid("it is empty"));
    }

    let mut total = Duration::ZERO;
    // Units must shrink left to right so `1m30s` is accepted but `30s1m` and
    // `1s1s`, which are almost certainly typos, are not.
    let mut previous_rank = usize::MAX;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(invalid("a unit must follow a whole number"));
        }
        let (number, after) = rest.split_at(digits);
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        let (rank, unit_duration) = match unit {
            "h" => (3, Duration::from_secs(3600)),
            "m" => (2, Duration::from_secs(60)),
            "s" => (1, Duration::from_secs(1)),
            "ms" => (0, Duration::from_millis(1)),
            "" => return Err(invalid(&format!("{number} has no unit"))),
            other => return Err(invalid(&format!("unknown unit {other:?}"))),
        };
        if rank >= previous_rank {
            return Err(invalid("units must go from largest to smallest, each once"));
        }
        previous_rank = rank;
        let too_long = || invalid("it is too long");
        let count: u32 = number.parse().map_err(|_| too_long())?;
        total = unit_duration
            .checked_mul(count)
            .and_then(|d| total.checked_add(d))
            .ok_or_else(too_long)?;
        rest = after;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_single_and_combined_units() {
        let cases = [
            ("500ms", Duration::from_millis(500)),
            ("5s", Duration::from_secs(5)),
            ("2m", Duration::from_secs(120)),
            ("1h", Duration::from_secs(3600)),
            ("1m30s", Duration::from_secs(90)),
            ("1h2m3s4ms", Duration::from_millis(3_723_004)),
            ("0s", Duration::ZERO),
            (" 5s ", Duration::from_secs(5)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn rejects_what_it_cannot_read_and_says_what_it_wanted() {
        for bad in [
            "", "5", "s", "5 s", "1.5s", "5sec", "5S", "-5s", "30s1m", "1s1s", "5s ms", "1m30",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains(&format!("{bad:?}")), "{bad:?}: {err}");
            assert!(err.contains("\"1m30s\""), "{bad:?}: {err}");
        }
        assert!(parse_duration("5").unwrap_err().contains("5 has no unit"));
        assert!(parse_duration("5sec")
            .unwrap_err()
            .contains("unknown unit \"sec\""));
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        assert!(parse_duration("99999999999999999999h").is_err());
        assert!(parse_duration("4294967295h").is_ok());
    }
}
