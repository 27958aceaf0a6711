//! What is left of a running attempt, from a profile and the attempt's pace so far.

use std::collections::HashSet;
use std::time::Duration;

use super::profile::Profile;
use super::Progress;

/// Work at the profile's pace added to what was observed before a pace is taken from it, so
/// that a step of a few milliseconds that took a second does not make the rest look twenty
/// times longer.
const PRIOR: Duration = Duration::from_secs(10);
/// Slower than this is taken as a slower attempt; below it, as noise.
const SLOWER: f64 = 1.1;
/// However slow the attempt, what is left is not stretched more than this.
const MAX_PACE: f64 = 20.0;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Left {
    pub remaining: Duration,
    pub revised: bool,
}

/// What is left: the current step's expected time less what it has run, plus the expected
/// time of every step not done yet, both stretched by the attempt's pace when it is slower.
/// A step past its expected time is taken to need as long again as it overran, so what is
/// left grows with the overrun instead of sitting at zero.
///
/// When no Dockerfile step of this attempt is in the profile (the Dockerfile changed, or none
/// started yet), the profile's total is used instead.
pub(super) fn left(profile: &Profile, progress: &Progress) -> Left {
    let known = |name: &str| profile.steps.contains_key(name);
    let matched = progress
        .done
        .iter()
        .map(|s| s.name.as_str())
        .chain(progress.current)
        .any(|name| !name.starts_with("[internal]") && known(name));
    if !matched {
        return by_total(profile.total, progress.elapsed);
    }
    let done: HashSet<&str> = progress.done.iter().map(|s| s.name.as_str()).collect();
    // Only steps that ran, now and in the profile, tell the pace: a cache hit says nothing of
    // how fast this machine builds.
    let (mut ran, mut expected) = (Duration::ZERO, Duration::ZERO);
    for step in progress.done.iter().filter(|s| !s.cached) {
        if let Some(&e) = profile.steps.get(&step.name).filter(|e| !e.is_zero()) {
            ran += step.duration;
            expected += e;
        }
    }
    let mut pace = slowdown(ran, expected);
    let current = progress
        .current
        .filter(|c| !done.contains(c))
        .and_then(|c| Some((c, *profile.steps.get(c)?)));
    let mut current_left = Duration::ZERO;
    let mut overran = false;
    if let Some((_, e)) = current {
        let t = progress.in_current;
        let due = e.mul_f64(pace);
        overran = t > e;
        if t <= due {
            current_left = due - t;
        } else {
            current_left = t - due;
            pace = pace.max(slowdown(ran + t, expected + e));
        }
    }
    let rest: Duration = profile
        .steps
        .iter()
        .filter(|(name, _)| !done.contains(name.as_str()) && current.is_none_or(|c| c.0 != *name))
        .map(|(_, e)| *e)
        .sum();
    Left {
        remaining: current_left + rest.mul_f64(pace),
        revised: pace > 1.0 || overran,
    }
}

/// The total less what has run; past it, as long again as the overrun.
fn by_total(total: Duration, elapsed: Duration) -> Left {
    if elapsed <= total {
        Left {
            remaining: total - elapsed,
            revised: false,
        }
    } else {
        Left {
            remaining: elapsed - total,
            revised: true,
        }
    }
}

/// How many times slower than expected `ran` is, weighed with [`PRIOR`]; 1 when it is not
/// clearly slower.
fn slowdown(ran: Duration, expected: Duration) -> f64 {
    let pace = (ran + PRIOR).as_secs_f64() / (expected + PRIOR).as_secs_f64();
    if pace > SLOWER {
        pace.min(MAX_PACE)
    } else {
        1.0
    }
}
