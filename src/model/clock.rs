//! Moments as a person reads them on a screen: a time of day in a given time zone, with the
//! date only when it is not the same day as `now`.

use std::time::{SystemTime, UNIX_EPOCH};

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// `14:05` (or `14:05:09` with `seconds`), or `2026-05-01 14:05` on another day than `now`.
pub fn clock(at: SystemTime, now: SystemTime, tz: &TimeZone, seconds: bool) -> String {
    let (Some(at), Some(now)) = (timestamp(at), timestamp(now)) else {
        return "an unknown time".to_string();
    };
    let at = at.to_zoned(tz.clone());
    let time = at.strftime(if seconds { "%H:%M:%S" } else { "%H:%M" });
    if at.date() == now.to_zoned(tz.clone()).date() {
        time.to_string()
    } else {
        format!("{} {time}", at.date())
    }
}

/// `14:05:09`, whatever the day: beside a log line, whose day is the run's.
pub fn time_of_day(at: SystemTime, tz: &TimeZone) -> String {
    match timestamp(at) {
        Some(t) => t.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string(),
        None => "--:--:--".to_string(),
    }
}

/// RFC 3339 in UTC, to the second: how a moment is written into a file a person may read.
pub fn rfc3339(at: SystemTime) -> String {
    timestamp(at).map_or_else(|| "1970-01-01T00:00:00Z".to_string(), |t| t.to_string())
}

/// The moment an RFC 3339 text names.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let t: Timestamp = text.parse().ok()?;
    let seconds = u64::try_from(t.as_second()).ok()?;
    Some(UNIX_EPOCH + std::time::Duration::from_secs(seconds))
}

fn timestamp(at: SystemTime) -> Option<Timestamp> {
    let seconds = at.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Timestamp::from_second(i64::try_from(seconds).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn the_same_day_shows_the_time_only() {
        // 2026-05-01T14:05:09Z
        let t = at(1_777_644_309);
        let utc = TimeZone::UTC;
        assert_eq!(clock(t, t + Duration::from_secs(60), &utc, false), "14:05");
        assert_eq!(clock(t, t, &utc, true), "14:05:09");
        let plus2 = TimeZone::fixed(jiff::tz::offset(2));
        assert_eq!(clock(t, t, &plus2, false), "16:05");
    }

    #[test]
    fn another_day_shows_the_date() {
        let t = at(1_777_644_309);
        let next_day = t + Duration::from_secs(86_400);
        assert_eq!(
            clock(t, next_day, &TimeZone::UTC, false),
            "2026-05-01 14:05"
        );
    }

    #[test]
    fn rfc3339_reads_back() {
        let t = at(1_777_644_309);
        assert_eq!(rfc3339(t), "2026-05-01T14:05:09Z");
        assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t));
        assert_eq!(parse_rfc3339("2026-05-01T16:05:09+02:00"), Some(t));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
