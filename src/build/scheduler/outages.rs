//! The scheduler's side of shared outages: which engines and registries stopped answering,
//! asking them again, holding the cells that need them, and giving up after
//! `[retry] engine_wait`.

use std::collections::{BTreeMap, BTreeSet};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Event, Scheduler};
use crate::build::outage::{
    engine_of, registry_of, resource_for, Resource, HEALTH_EVERY, PROBE_EVERY,
};
use crate::build::runner::Runner;
use crate::model::text::duration_words;
use crate::model::{CellStatus, FailureClass, InfraCause};

/// Outage-ended attempts a cell gets back before its failures count again.
const MAX_GIVEN_BACK: u32 = 5;

struct Down {
    since: Instant,
    reason: String,
    /// A probe failed too, so the front ends were told.
    confirmed: bool,
    next_probe: Instant,
}

#[derive(Default)]
pub(super) struct Outages {
    down: BTreeMap<Resource, Down>,
    pub(super) probes: JoinSet<(Resource, Result<(), String>)>,
    in_flight: BTreeSet<Resource>,
    /// When each engine with cells running on it was last asked.
    last_health: BTreeMap<Resource, Instant>,
}

impl<R: Runner> Scheduler<R> {
    /// What the failure of cell `i` says stopped answering, when the cell should wait for it
    /// rather than fail.
    pub(super) fn outage_behind(&self, i: usize, cause: Option<InfraCause>) -> Option<Resource> {
        let cause = cause.filter(|c| c.is_outage())?;
        if self.slots[i].given_back >= MAX_GIVEN_BACK {
            return None;
        }
        resource_for(cause, &self.plan.cells[i], &self.plan)
    }

    /// A failure said `resource` is gone: hold its cells until a probe says otherwise.
    pub(super) fn suspect(&mut self, resource: Resource, reason: &str) {
        let now = Instant::now();
        if let Some(down) = self.outages.down.get_mut(&resource) {
            down.reason = reason.to_string();
            return;
        }
        self.outages.down.insert(
            resource.clone(),
            Down {
                since: now,
                reason: reason.to_string(),
                confirmed: false,
                next_probe: now,
            },
        );
        self.probe(resource);
    }

    fn probe(&mut self, resource: Resource) {
        if !self.outages.in_flight.insert(resource.clone()) {
            return;
        }
        let runner = self.runner.clone();
        self.outages.probes.spawn(async move {
            let answer = runner.answers(resource.clone()).await;
            (resource, answer)
        });
    }

    pub(super) async fn probed(&mut self, resource: Resource, answer: Result<(), String>) {
        self.outages.in_flight.remove(&resource);
        let now = Instant::now();
        let event = match answer {
            Ok(()) => match self.outages.down.remove(&resource) {
                Some(down) if down.confirmed => Some(Event::Answers {
                    resource,
                    after: now - down.since,
                }),
                _ => None,
            },
            Err(why) => {
                let down = self.outages.down.entry(resource.clone()).or_insert(Down {
                    since: now,
                    reason: why,
                    confirmed: false,
                    next_probe: now,
                });
                down.next_probe = now + PROBE_EVERY;
                if down.confirmed {
                    None
                } else {
                    down.confirmed = true;
                    Some(Event::Unreachable {
                        resource,
                        waited: now - down.since,
                        reason: down.reason.clone(),
                    })
                }
            }
        };
        if let Some(event) = event {
            if self.emit(event).await.is_err() {
                self.closed = true;
            }
        }
    }

    fn needs(&self, i: usize) -> impl Iterator<Item = Resource> {
        std::iter::once(engine_of(&self.plan.cells[i])).chain(registry_of(&self.plan))
    }

    pub(super) fn waits_for_outage(&self, i: usize) -> bool {
        !self.outages.down.is_empty() && self.needs(i).any(|r| self.outages.down.contains_key(&r))
    }

    /// Engines with cells running on them now.
    fn busy_engines(&self) -> BTreeSet<Resource> {
        self.slots
            .iter()
            .zip(&self.plan.cells)
            .filter(|(s, _)| matches!(s.status, CellStatus::Running { .. }))
            .map(|(_, c)| engine_of(c))
            .collect()
    }

    /// When the next probe, health check or give-up is due.
    pub(super) fn next_outage_check(&self) -> Option<Instant> {
        let wait = self.settings.retry.engine_wait;
        let now = Instant::now();
        let down = self.outages.down.iter().flat_map(|(r, d)| {
            let probe = (!self.outages.in_flight.contains(r)).then_some(d.next_probe);
            let give_up = d.confirmed.then_some(d.since + wait);
            [probe, give_up]
        });
        let health = self.busy_engines().into_iter().map(|r| {
            self.outages
                .last_health
                .get(&r)
                .map_or(now, |&t| t + HEALTH_EVERY)
        });
        down.flatten()
            .map(Some)
            .chain(health.map(Some))
            .min()
            .flatten()
    }

    pub(super) async fn check_outages(&mut self) {
        let now = Instant::now();
        let due: Vec<Resource> = self
            .outages
            .down
            .iter()
            .filter(|(r, d)| d.next_probe <= now && !self.outages.in_flight.contains(*r))
            .map(|(r, _)| r.clone())
            .collect();
        for resource in due {
            self.probe(resource);
        }
        let busy = self.busy_engines();
        self.outages.last_health.retain(|r, _| busy.contains(r));
        for resource in busy {
            match self.outages.last_health.get(&resource) {
                // The first look is one period after cells started on it.
                None => {
                    self.outages.last_health.insert(resource, now);
                }
                Some(&t)
                    if now >= t + HEALTH_EVERY && !self.outages.down.contains_key(&resource) =>
                {
                    self.outages.last_health.insert(resource.clone(), now);
                    self.probe(resource);
                }
                Some(_) => {}
            }
        }
        let wait = self.settings.retry.engine_wait;
        let expired: Vec<Resource> = self
            .outages
            .down
            .iter()
            .filter(|(_, d)| d.confirmed && now >= d.since + wait)
            .map(|(r, _)| r.clone())
            .collect();
        for resource in expired {
            if let Some(down) = self.outages.down.remove(&resource) {
                self.give_up(resource, down).await;
            }
        }
    }

    async fn give_up(&mut self, resource: Resource, down: Down) {
        let after = Instant::now() - down.since;
        let reason = format!(
            "{resource} did not answer for {}: {}",
            duration_words(after),
            down.reason
        );
        for i in 0..self.slots.len() {
            if matches!(self.slots[i].status, CellStatus::Queued)
                && self.needs(i).any(|r| r == resource)
            {
                let attempts = self.slots[i].attempts;
                self.set_status(
                    i,
                    CellStatus::Failed {
                        class: FailureClass::Infra,
                        reason: reason.clone(),
                        attempts,
                    },
                )
                .await;
            }
        }
        if self.emit(Event::GaveUp { resource, after }).await.is_err() {
            self.closed = true;
        }
    }
}
