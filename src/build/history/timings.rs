//! The steps of one running attempt, collected from its build events as they pass.

use crate::build::history::StepTime;
use crate::build::runner::BuildEvent;

/// Steps that ended so far in one attempt, in the order they started. BuildKit ends steps
/// in whatever order they finish; the start order is the Dockerfile's as far as it runs in
/// sequence, and the order a later attempt will see them in.
#[derive(Debug, Clone, Default)]
pub struct AttemptSteps {
    /// Each started step with its time once it ended. A step that failed never ends.
    steps: Vec<(String, Option<StepTime>)>,
}

impl AttemptSteps {
    pub fn see(&mut self, event: &BuildEvent) {
        match event {
            BuildEvent::StepStarted { step } => self.steps.push((step.clone(), None)),
            BuildEvent::StepEnded {
                step,
                duration,
                cached,
            } => {
                let time = StepTime {
                    name: step.clone(),
                    duration: *duration,
                    cached: *cached,
                };
                // Names can repeat; the earliest started one that has not ended is this one.
                match self
                    .steps
                    .iter_mut()
                    .find(|(name, time)| name == step && time.is_none())
                {
                    Some(open) => open.1 = Some(time),
                    // A cache hit may end without having been reported as started.
                    None => self.steps.push((step.clone(), Some(time))),
                }
            }
            _ => {}
        }
    }

    /// The steps that ended, in the order they started.
    pub fn ended(&self) -> impl Iterator<Item = &StepTime> {
        self.steps.iter().filter_map(|(_, time)| time.as_ref())
    }

    pub fn into_ended(self) -> Vec<StepTime> {
        self.steps
            .into_iter()
            .filter_map(|(_, time)| time)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn started(step: &str) -> BuildEvent {
        BuildEvent::StepStarted { step: step.into() }
    }

    fn ended(step: &str, ms: u64, cached: bool) -> BuildEvent {
        BuildEvent::StepEnded {
            step: step.into(),
            duration: Duration::from_millis(ms),
            cached,
        }
    }

    #[test]
    fn steps_are_kept_in_the_order_they_started() {
        let mut steps = AttemptSteps::default();
        for event in [
            started("A"),
            started("B"),
            ended("B", 20, false),
            BuildEvent::Warning("w".into()),
            started("A"),
            ended("A", 10, false),
            ended("C", 0, true),
            ended("A", 30, false),
            started("D"),
        ] {
            steps.see(&event);
        }
        let names: Vec<(&str, u128)> = steps
            .ended()
            .map(|s| (s.name.as_str(), s.duration.as_millis()))
            .collect();
        // The two A steps end in the order they started; D never ended.
        assert_eq!(names, [("A", 10), ("B", 20), ("A", 30), ("C", 0)]);
        let all = steps.into_ended();
        assert_eq!(all.len(), 4);
        assert!(all[3].cached && !all[0].cached);
    }
}
