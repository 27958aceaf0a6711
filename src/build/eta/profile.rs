//! What a cell's history says to expect: a median time per step and for the whole attempt.

use std::collections::HashMap;
use std::time::Duration;

use super::Basis;
use crate::build::history::{GreenRun, HistoryFile};
use crate::model::Platform;
use crate::plan::Plan;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Profile {
    /// Expected time of each step, by name.
    pub steps: HashMap<String, Duration>,
    pub total: Duration,
}

impl Profile {
    /// From the green attempts that built something; `None` when every kept attempt came
    /// whole from the cache. A step is expected to take the median of the times it ran; one
    /// that only ever came from the cache, the median of those (next to nothing).
    pub fn of(runs: &[GreenRun]) -> Option<Profile> {
        let real: Vec<&GreenRun> = runs.iter().filter(|r| !r.cached).collect();
        if real.is_empty() {
            return None;
        }
        let mut ran: HashMap<&str, Vec<Duration>> = HashMap::new();
        let mut hits: HashMap<&str, Vec<Duration>> = HashMap::new();
        for step in real.iter().flat_map(|r| &r.steps) {
            let times = if step.cached { &mut hits } else { &mut ran };
            times.entry(&step.name).or_default().push(step.duration);
        }
        let mut steps: HashMap<String, Duration> = HashMap::new();
        for (name, times) in hits.into_iter().chain(ran) {
            // Ran beats cached: `ran` comes last and overwrites.
            steps.insert(name.to_string(), median(times));
        }
        Some(Profile {
            steps,
            total: expected_total(runs)?,
        })
    }

    fn scaled(self, factor: f64) -> Profile {
        Profile {
            steps: self
                .steps
                .into_iter()
                .map(|(name, d)| (name, d.mul_f64(factor)))
                .collect(),
            total: self.total.mul_f64(factor),
        }
    }
}

/// The profile an estimate of `cell` rests on: its own, or else the same component's on the
/// platform whose factor to this one rests on the most components.
pub(super) fn for_cell(
    history: &HistoryFile,
    plan: &Plan,
    cell: usize,
) -> Option<(Profile, Basis)> {
    let target = plan.cells.get(cell)?;
    if let Some(own) = Profile::of(history.runs(&target.id())) {
        return Some((own, Basis::SameCell));
    }
    let mut best: Option<(Profile, Platform, f64, usize)> = None;
    for from in &plan.platforms {
        if from == &target.platform {
            continue;
        }
        let Some(profile) = plan
            .find(&target.component, from)
            .and_then(|c| Profile::of(history.runs(&c.id())))
        else {
            continue;
        };
        let Some((factor, pairs)) = factor(history, plan, &target.platform, from) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| pairs > b.3) {
            best = Some((profile, from.clone(), factor, pairs));
        }
    }
    best.map(|(profile, from, factor, _)| (profile.scaled(factor), Basis::Scaled { from, factor }))
}

/// How long `platform` takes for what `from` takes 1: the median, over the components with
/// real attempts on both, of the ratio of their expected totals; with how many there were.
pub(super) fn factor(
    history: &HistoryFile,
    plan: &Plan,
    platform: &Platform,
    from: &Platform,
) -> Option<(f64, usize)> {
    let total = |component: &str, p: &Platform| {
        plan.find(component, p)
            .and_then(|c| expected_total(history.runs(&c.id())))
            .filter(|t| !t.is_zero())
    };
    let mut ratios: Vec<f64> = plan
        .components
        .iter()
        .filter_map(|c| Some(total(c, platform)?.as_secs_f64() / total(c, from)?.as_secs_f64()))
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let n = ratios.len();
    let median = if n % 2 == 1 {
        ratios[n / 2]
    } else {
        (ratios[n / 2 - 1] + ratios[n / 2]) / 2.0
    };
    Some((median, n))
}

/// The median total of the attempts that built something.
fn expected_total(runs: &[GreenRun]) -> Option<Duration> {
    let totals: Vec<Duration> = runs.iter().filter(|r| !r.cached).map(|r| r.total).collect();
    (!totals.is_empty()).then(|| median(totals))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    let n = times.len();
    match n {
        0 => Duration::ZERO,
        _ if n % 2 == 1 => times[n / 2],
        _ => (times[n / 2 - 1] + times[n / 2]) / 2,
    }
}
