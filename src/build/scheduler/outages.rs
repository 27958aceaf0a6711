//! The scheduler's side of shared outages: which engines and registries stopped answering,
//! asking them again, holding the cells that need them, and giving up after
//! `[retry] engine_wait`.

use futures::FutureExt;
use std::collections::{BTreeMap, BTreeSet};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{backoff, Event, Scheduler};
use crate::build::outage::{
    engine_of, registry_of, resource_for, Resource, HEALTH_EVERY, PROBE_EVERY,
};
use crate::build::runner::Runner;
use crate::model::format_duration;
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

/// A probe's answer and when it was asked: an answer to a question asked before the outage
/// began says nothing about it.
pub(super) type Probed = (Resource, Instant, Result<(), String>);

#[derive(Default)]
pub(super) struct Outages {
    down: BTreeMap<Resource, Down>,
    pub(super) probes: JoinSet<Probed>,
    in_flight: BTreeSet<Resource>,
    /// When each engine with cells running on it was last asked.
    last_health: BTreeMap<Resource, Instant>,
    /// Waited for past `engine_wait` and not heard from since: failures on them fail at once
    /// rather than start another wait.
    gave_up: BTreeSet<Resource>,
}

impl<R: Runner> Scheduler<R> {
    /// What the failure of cell `i` says stopped answering, when the cell should wait for it
    /// rather than fail. `text` must name a registry for it to be the plan's.
    pub(super) fn outage_behind(
        &self,
        i: usize,
        cause: Option<InfraCause>,
        text: &str,
    ) -> Option<Resource> {
        let cause = cause.filter(|c| c.is_outage())?;
        if self.slots[i].given_back >= MAX_GIVEN_BACK {
            return None;
        }
        let resource = resource_for(cause, &self.plan.cells[i], &self.plan)?;
        if let Resource::Registry(host) = &resource {
            // A base image's registry refusing is not the plan's registry restarting.
            if !text.contains(host.as_str()) {
                return None;
            }
        }
        (!self.outages.gave_up.contains(&resource)).then_some(resource)
    }

    /// The status of a cell whose attempt an outage ended: queued, to wait; after the first
    /// give-back, a backoff too, in case the resource answers its probe while builds on it
    /// still fail.
    pub(super) fn given_back(&mut self, i: usize, reason: String) -> CellStatus {
        let slot = &mut self.slots[i];
        slot.attempts -= 1;
        slot.given_back += 1;
        if slot.given_back == 1 {
            return CellStatus::Queued;
        }
        let delay = backoff(self.settings.retry.backoff, slot.given_back - 1);
        slot.retry_at = Some(Instant::now() + delay);
        CellStatus::Retrying {
            next: slot.attempts + 1,
            of: self.settings.retry.attempts.max(1),
            delay,
            reason,
        }
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
        let asked = Instant::now();
        self.outages.probes.spawn(async move {
            // A probe that panics must still answer, or its resource would never be asked again.
            let answer = std::panic::AssertUnwindSafe(runner.answers(resource.clone()))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err("the probe failed unexpectedly".into()));
            (resource, asked, answer)
        });
    }

    pub(super) async fn probed(&mut self, (resource, asked, answer): Probed) {
        self.outages.in_flight.remove(&resource);
        let now = Instant::now();
        let event = match answer {
            Ok(()) => {
                self.outages.gave_up.remove(&resource);
                match self.outages.down.get(&resource) {
                    Some(down) if asked < down.since => {
                        // Asked before the failure that started this outage: ask again.
                        self.probe(resource);
                        None
                    }
                    Some(down) => {
                        let event = down.confirmed.then(|| Event::Answers {
                            resource: resource.clone(),
                            after: now - down.since,
                        });
                        self.outages.down.remove(&resource);
                        event
                    }
                    None => None,
                }
            }
            Err(_) if self.outages.gave_up.contains(&resource) => None,
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

    fn needed(&self, resource: &Resource) -> bool {
        (0..self.slots.len()).any(|i| {
            matches!(
                self.slots[i].status,
                CellStatus::Queued | CellStatus::Retrying { .. } | CellStatus::Running { .. }
            ) && self.needs(i).any(|r| &r == resource)
        })
    }

    pub(super) fn waits_for_outage(&self, i: usize) -> bool {
        !self.outages.down.is_empty() && self.needs(i).any(|r| self.outages.down.contains_key(&r))
    }

    /// Engines with cells running on them now, that are not already known to be down.
    fn busy_engines(&self) -> BTreeSet<Resource> {
        self.slots
            .iter()
            .zip(&self.plan.cells)
            .filter(|(s, _)| matches!(s.status, CellStatus::Running { .. }))
            .map(|(_, c)| engine_of(c))
            .filter(|r| !self.outages.down.contains_key(r))
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
        down.flatten().chain(health).min()
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
                Some(&t) if now >= t + HEALTH_EVERY => {
                    self.outages.last_health.insert(resource.clone(), now);
                    self.probe(resource);
                }
                Some(_) => {}
            }
        }
        let wait = self.settings.retry.engine_wait;
        let over: Vec<Resource> = self
            .outages
            .down
            .iter()
            .filter(|(r, d)| (d.confirmed && now >= d.since + wait) || !self.needed(r))
            .map(|(r, _)| r.clone())
            .collect();
        for resource in over {
            if let Some(down) = self.outages.down.remove(&resource) {
                self.give_up(resource, down).await;
            }
        }
    }

    /// Fails the cells that could start but for `resource`: those still waiting for a
    /// dependency are blocked when it fails, as with any failure.
    async fn give_up(&mut self, resource: Resource, down: Down) {
        let after = Instant::now() - down.since;
        let reason = format!(
            "{resource} did not answer for {}: {}",
            format_duration(after),
            down.reason
        );
        let mut failed = 0;
        for i in 0..self.slots.len() {
            let waiting = match self.slots[i].status {
                CellStatus::Queued => self.ready(i),
                CellStatus::Retrying { .. } => true,
                _ => false,
            };
            if waiting && self.needs(i).any(|r| r == resource) {
                self.slots[i].retry_at = None;
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
                failed += 1;
            }
        }
        if down.confirmed {
            self.outages.gave_up.insert(resource.clone());
        }
        let event = Event::GaveUp {
            resource,
            after,
            failed,
        };
        if self.emit(event).await.is_err() {
            self.closed = true;
        }
    }
}
