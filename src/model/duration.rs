//! The one way a duration reads, in the grid, the headless lines and every message:
//! `0.5s`, `9.4s`, `42s`, `1m05s`, `1h03m`.
//!
//! # Rounding
//!
//! A duration is rounded to the nearest unit of the precision it is shown with (halves go
//! up), and the format is chosen after rounding, from the rounded value. So 9.96 s reads
//! `10s`, not `10.0s`; 59.7 s reads `1m00s`, not `60s`; 59 min 59.6 s reads `1h00m`, not
//! `60m00s`. No text ever shows a count that belongs to the next unit.
//!
//! A countdown rounds up instead ([`format_countdown`]): while something is still waiting it
//! must not read as if the wait were over.

use std::time::Duration;

const NANOS_PER_TENTH: u128 = 100_000_000;
const NANOS_PER_SECOND: u128 = 1_000_000_000;
const NANOS_PER_MINUTE: u128 = 60 * NANOS_PER_SECOND;

/// `0.0s` … `9.9s`, `10s` … `59s`, `1m00s` … `59m59s`, `1h00m` and up; rounded to nearest.
pub fn format_duration(d: Duration) -> String {
    format(d, Rounding::Nearest)
}

/// [`format_duration`] rounded up: a wait of 0.01 s left reads `0.1s`, one of 10.2 s `11s`.
pub fn format_countdown(d: Duration) -> String {
    format(d, Rounding::Up)
}

#[derive(Clone, Copy)]
enum Rounding {
    Nearest,
    Up,
}

impl Rounding {
    /// `nanos` in whole `unit`s.
    fn count(self, nanos: u128, unit: u128) -> u128 {
        match self {
            Rounding::Nearest => (nanos + unit / 2) / unit,
            Rounding::Up => nanos.div_ceil(unit),
        }
    }
}

fn format(d: Duration, rounding: Rounding) -> String {
    let nanos = d.as_nanos();
    let tenths = rounding.count(nanos, NANOS_PER_TENTH);
    if tenths < 100 {
        return format!("{}.{}s", tenths / 10, tenths % 10);
    }
    let seconds = rounding.count(nanos, NANOS_PER_SECOND);
    if seconds < 60 {
        return format!("{seconds}s");
    }
    if seconds < 3600 {
        return format!("{}m{:02}s", seconds / 60, seconds % 60);
    }
    let minutes = rounding.count(nanos, NANOS_PER_MINUTE);
    format!("{}h{:02}m", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn under_ten_seconds_one_decimal() {
        let cases = [
            (Duration::ZERO, "0.0s"),
            (Duration::from_nanos(49_999_999), "0.0s"),
            (ms(50), "0.1s"),
            (ms(500), "0.5s"),
            (ms(800), "0.8s"),
            (ms(1_000), "1.0s"),
            (ms(9_400), "9.4s"),
            (ms(9_949), "9.9s"),
        ];
        for (d, want) in cases {
            assert_eq!(format_duration(d), want, "{d:?}");
        }
    }

    #[test]
    fn rounding_into_ten_seconds_reads_as_whole_seconds() {
        assert_eq!(format_duration(ms(9_950)), "10s");
        assert_eq!(format_duration(ms(9_960)), "10s");
        assert_eq!(format_duration(ms(10_000)), "10s");
        assert_eq!(format_duration(ms(10_499)), "10s");
        assert_eq!(format_duration(ms(10_500)), "11s");
    }

    #[test]
    fn whole_seconds_up_to_a_minute() {
        assert_eq!(format_duration(ms(42_000)), "42s");
        assert_eq!(format_duration(ms(59_499)), "59s");
        assert_eq!(format_duration(ms(59_500)), "1m00s");
        assert_eq!(format_duration(ms(60_000)), "1m00s");
    }

    #[test]
    fn minutes_with_two_digit_seconds() {
        assert_eq!(format_duration(ms(65_000)), "1m05s");
        assert_eq!(format_duration(ms(72_000)), "1m12s");
        assert_eq!(format_duration(ms(725_000)), "12m05s");
        assert_eq!(format_duration(ms(3_599_499)), "59m59s");
        assert_eq!(format_duration(ms(3_599_500)), "1h00m");
    }

    #[test]
    fn hours_with_two_digit_minutes() {
        let s = |n: u64| Duration::from_secs(n);
        assert_eq!(format_duration(s(3_600)), "1h00m");
        assert_eq!(format_duration(s(3_780)), "1h03m");
        assert_eq!(format_duration(s(3_600 + 3 * 60 + 29)), "1h03m");
        assert_eq!(format_duration(s(3_600 + 3 * 60 + 30)), "1h04m");
        assert_eq!(format_duration(s(2 * 3_600 - 30)), "2h00m");
        assert_eq!(format_duration(s(100 * 3_600)), "100h00m");
    }

    #[test]
    fn countdowns_never_read_shorter_than_what_is_left() {
        let cases = [
            (Duration::ZERO, "0.0s"),
            (Duration::from_nanos(1), "0.1s"),
            (ms(400), "0.4s"),
            (ms(401), "0.5s"),
            (ms(9_900), "9.9s"),
            (ms(9_901), "10s"),
            (ms(10_001), "11s"),
            (ms(59_000), "59s"),
            (ms(59_001), "1m00s"),
            (ms(3_599_001), "1h00m"),
            (ms(3_600_001), "1h01m"),
        ];
        for (d, want) in cases {
            assert_eq!(format_countdown(d), want, "{d:?}");
        }
    }

    #[test]
    fn every_reading_is_in_the_unit_its_value_belongs_to() {
        // Walk across the boundaries in 1 ms steps: a reading never goes back, and never
        // shows `10.0s`, `60s` or `60m`.
        let mut last = 0u8;
        for n in (9_000..11_000)
            .chain(58_000..62_000)
            .chain(3_598_000..3_602_000)
        {
            let text = format_duration(ms(n));
            assert!(
                !text.contains("10.0s") && text != "60s" && !text.contains("60m"),
                "{n} ms: {text}"
            );
            let order = if text.contains('h') {
                3
            } else if text.contains('m') {
                2
            } else if text.contains('.') {
                0
            } else {
                1
            };
            assert!(order >= last, "{n} ms: {text} after a larger unit");
            last = order;
        }
    }
}
