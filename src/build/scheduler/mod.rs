//! The ready queue over the cell DAG: starts cells up to the concurrency bounds, retries
//! transient failures with backoff, takes commands and emits events. Both front ends drive it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

mod limit;
mod outages;
mod priority;

use super::failure::summarize;
use super::history::{AttemptSteps, GreenRun, History, StepTime};
use super::outage::Resource;
use super::runner::{AttemptOutcome, BuildEvent, RunOpts, Runner};
use super::state::{AttemptRecord, StateStore};
use super::wait::sleep_until;
use crate::config::RetryPolicy;
use crate::model::{CellStatus, FailureClass, Outcome, Platform};
use crate::plan::Plan;

pub use limit::Limit;
pub use priority::{Priorities, EMULATION_FACTOR};

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Build the cell again (failed, canceled, blocked, or green); dependents it blocked are queued.
    Retry(usize),
    RetryFailed,
    Cancel(usize),
    Rebuild {
        cell: usize,
        no_cache: bool,
    },
    /// Stop starting new cells; running ones go on.
    Pause,
    Resume,
    CancelAll,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Status {
        cell: usize,
        status: CellStatus,
    },
    Build {
        cell: usize,
        event: BuildEvent,
    },
    AttemptEnded {
        cell: usize,
        record: AttemptRecord,
    },
    Paused(bool),
    /// An engine or registry stopped answering: cells that need it wait for it.
    Unreachable {
        resource: Resource,
        /// How long ago it was first seen not answering.
        waited: Duration,
        /// Its own words, from the failure or the probe that noticed.
        reason: String,
    },
    /// It answers again after `after`; the cells that waited go on.
    Answers {
        resource: Resource,
        after: Duration,
    },
    /// It did not answer within `[retry] engine_wait`, or no cell needs it any more; `failed`
    /// cells that waited for it failed.
    GaveUp {
        resource: Resource,
        after: Duration,
        failed: usize,
    },
    /// Nothing is running or waiting to start; sent each time the grid comes to rest.
    Settled,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: Limit,
    /// `[platforms."P"] concurrency`: at most that many cells of the column at once.
    pub platform_limits: BTreeMap<Platform, usize>,
    /// Columns routed to a builder of their own. Under [`Limit::Auto`] this machine's load
    /// says nothing about them: only their own limit (or the cap) holds them.
    pub routed: BTreeSet<Platform>,
    pub retry: RetryPolicy,
    /// First attempts of this run bypass the build cache (`--no-cache`).
    pub no_cache: bool,
}

pub struct Handle {
    pub commands: mpsc::UnboundedSender<Command>,
    pub events: mpsc::Receiver<Event>,
    pub task: tokio::task::JoinHandle<()>,
}

/// Starts the scheduler task. `initial` gives each cell's starting status (Queued, UpToDate or
/// NotSelected); cells start as soon as the task runs. Green attempts are recorded in
/// `history`, which the front ends read for their estimates.
pub fn spawn<R: Runner>(
    plan: Arc<Plan>,
    runner: Arc<R>,
    settings: Settings,
    initial: Vec<CellStatus>,
    state: Option<StateStore>,
    history: Option<Arc<History>>,
) -> Handle {
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    // Bounded, so a flood of build output slows the pipes instead of growing memory.
    let (ev_tx, ev_rx) = mpsc::channel(4096);
    let sched = Scheduler::new(plan, runner, settings, initial, state, history, ev_tx);
    let task = tokio::spawn(sched.run(cmd_rx));
    Handle {
        commands: cmd_tx,
        events: ev_rx,
        task,
    }
}

/// One attempt's end, as its task hands it back.
struct Ended {
    cell: usize,
    /// The cell's cache-warming build ended, not an attempt.
    warm: bool,
    outcome: AttemptOutcome,
    /// The steps that ended, in the order they started.
    steps: Vec<StepTime>,
}

struct Slot {
    status: CellStatus,
    /// Attempts made since the cell was last queued by the user or the run.
    attempts: u32,
    opts: RunOpts,
    retry_at: Option<Instant>,
    cancel: Option<watch::Sender<bool>>,
    started: Option<(Instant, SystemTime)>,
    /// Attempts given back because an outage ended them; bounded, so a resource that answers
    /// its probe while every build on it still fails cannot loop.
    given_back: u32,
    /// Its cache-warming build has run (or is running) in this run.
    warmed: bool,
    /// Its cache-warming build, while that runs.
    warm: Option<WarmRun>,
}

/// A running cache-warming build. The cell's attempt may start before it ends: BuildKit then
/// runs their shared steps once, for both. Starting the attempt only after it ended would
/// not do: an attempt that starts within moments of the warming build's end was seen to run
/// those steps again on the lab's engine (same step digests, no cache hit).
struct WarmRun {
    cancel: watch::Sender<bool>,
    /// Set once the attempt started: from then on the front ends see the attempt's output
    /// only, not the same steps twice.
    quiet: Arc<AtomicBool>,
}

struct Scheduler<R: Runner> {
    plan: Arc<Plan>,
    runner: Arc<R>,
    settings: Settings,
    slots: Vec<Slot>,
    state: Option<StateStore>,
    history: Option<Arc<History>>,
    events: mpsc::Sender<Event>,
    running: JoinSet<Ended>,
    /// Cells in the order ready ones start: see [`priority`].
    order: Vec<usize>,
    /// Cells started on this machine's engine lately, whose load may not show yet.
    recent_starts: Vec<Instant>,
    /// When to look at the load again, while a ready cell waits for CPUs.
    load_recheck: Option<Instant>,
    outages: outages::Outages,
    paused: bool,
    settled_sent: bool,
    closed: bool,
}

impl<R: Runner> Scheduler<R> {
    fn new(
        plan: Arc<Plan>,
        runner: Arc<R>,
        settings: Settings,
        initial: Vec<CellStatus>,
        state: Option<StateStore>,
        history: Option<Arc<History>>,
        events: mpsc::Sender<Event>,
    ) -> Self {
        let slots = plan
            .cells
            .iter()
            .map(|c| Slot {
                status: initial.get(c.index).cloned().unwrap_or(CellStatus::Queued),
                attempts: 0,
                opts: RunOpts {
                    no_cache: settings.no_cache,
                    warm: false,
                },
                retry_at: None,
                cancel: None,
                started: None,
                given_back: 0,
                warmed: false,
                warm: None,
            })
            .collect();
        let order = priorities(&plan, history.as_deref());
        Scheduler {
            order,
            recent_starts: Vec::new(),
            load_recheck: None,
            plan,
            runner,
            settings,
            slots,
            state,
            history,
            events,
            running: JoinSet::new(),
            outages: outages::Outages::default(),
            paused: false,
            settled_sent: false,
            closed: false,
        }
    }

    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        for i in 0..self.slots.len() {
            let status = self.slots[i].status.clone();
            if self.emit(Event::Status { cell: i, status }).await.is_err() {
                return;
            }
        }
        loop {
            self.block_dependents_of_unsuccessful().await;
            if !self.closed && !self.paused {
                self.start_ready().await;
            }
            let busy = self.is_busy();
            if !busy && !self.settled_sent {
                self.settled_sent = true;
                if self.emit(Event::Settled).await.is_err() {
                    self.closed = true;
                }
            }
            if self.closed && self.running.is_empty() {
                break;
            }
            let next_retry = self.slots.iter().filter_map(|s| s.retry_at).min();
            let next_check = self.next_outage_check();
            tokio::select! {
                cmd = commands.recv(), if !self.closed => match cmd {
                    Some(cmd) => self.command(cmd).await,
                    None => {
                        // The front end is gone: nothing will read results, so stop cleanly.
                        self.closed = true;
                        self.cancel_all().await;
                    }
                },
                Some(done) = self.running.join_next(), if !self.running.is_empty() => {
                    match done {
                        Ok(ended) => self.finished(ended).await,
                        Err(err) => tracing::error!("a cell's task ended abnormally: {err}"),
                    }
                }
                Some(probed) = self.outages.probes.join_next(), if !self.outages.probes.is_empty() => {
                    match probed {
                        Ok(probed) => self.probed(probed).await,
                        Err(err) => tracing::error!("a probe's task ended abnormally: {err}"),
                    }
                }
                _ = sleep_until(next_retry), if next_retry.is_some() => {
                    let now = Instant::now();
                    let due: Vec<usize> = (0..self.slots.len())
                        .filter(|&i| self.slots[i].retry_at.is_some_and(|at| at <= now))
                        .collect();
                    for i in due {
                        self.slots[i].retry_at = None;
                        // Said out loud: a cell held by an outage now waits rather than retries.
                        self.set_status(i, CellStatus::Queued).await;
                    }
                }
                _ = sleep_until(next_check), if next_check.is_some() && !self.closed => {
                    self.check_outages().await;
                }
                _ = sleep_until(self.load_recheck), if self.load_recheck.is_some() && !self.closed => {
                    self.load_recheck = None;
                }
            }
        }
        // The last write happens off this task; the run is over once it is on disk.
        if let Some(state) = self.state.take() {
            let _ = tokio::task::spawn_blocking(move || drop(state)).await;
        }
        // The front ends may hold the history on; it is on disk all the same.
        if let Some(history) = self.history.take() {
            let _ = tokio::task::spawn_blocking(move || history.flush()).await;
        }
    }

    async fn emit(&mut self, event: Event) -> Result<(), ()> {
        if !matches!(event, Event::Settled) {
            self.settled_sent = false;
        }
        self.events.send(event).await.map_err(|_| ())
    }

    async fn set_status(&mut self, cell: usize, status: CellStatus) {
        if self.slots[cell].status == status {
            return;
        }
        self.slots[cell].status = status.clone();
        if let Some(store) = &mut self.state {
            store.set_status(&self.plan.cells[cell], &status);
        }
        if self.emit(Event::Status { cell, status }).await.is_err() {
            self.closed = true;
        }
    }

    fn is_busy(&self) -> bool {
        !self.running.is_empty()
            || self.slots.iter().any(|s| s.retry_at.is_some())
            || (!self.paused
                && self
                    .slots
                    .iter()
                    .any(|s| matches!(s.status, CellStatus::Queued)))
    }

    fn ready(&self, i: usize) -> bool {
        matches!(
            self.slots[i].status,
            CellStatus::Queued | CellStatus::Warming
        ) && self.plan.cells[i]
            .deps
            .iter()
            .all(|&d| self.slots[d].status.is_green())
    }

    /// Whether the cell can run its cache-warming build now: queued, with every dependency
    /// green but one it reads only late, which still builds. A run without the cache has
    /// nothing to warm.
    fn can_warm(&self, i: usize) -> bool {
        let slot = &self.slots[i];
        let Some(warm) = &self.plan.cells[i].warm else {
            return false;
        };
        matches!(slot.status, CellStatus::Queued)
            && !slot.warmed
            && !slot.opts.no_cache
            && !self.settings.no_cache
            && self.plan.cells[i]
                .deps
                .iter()
                .all(|d| warm.late.contains(d) || self.slots[*d].status.is_green())
            && warm.late.iter().any(|&d| !self.slots[d].status.is_green())
    }

    /// Warming builds still running for a cell whose attempt has started: the cell is counted
    /// once, as its attempt.
    fn warms_outlived(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.warm.is_some() && !matches!(s.status, CellStatus::Warming))
            .count()
    }

    fn running_on(&self, platform: &Platform) -> usize {
        self.running_where(|c| &c.platform == platform)
    }

    /// Cells with a build process of either kind, which the limits count.
    fn running_where(&self, keep: impl Fn(&crate::plan::Cell) -> bool) -> usize {
        self.slots
            .iter()
            .zip(&self.plan.cells)
            .filter(|(s, c)| {
                matches!(s.status, CellStatus::Running { .. } | CellStatus::Warming) && keep(c)
            })
            .count()
    }

    async fn start_ready(&mut self) {
        self.load_recheck = None;
        let now = Instant::now();
        self.recent_starts
            .retain(|&at| now.duration_since(at) < limit::SETTLE);
        let mut pass = limit::Pass::default();
        for i in self.order.clone() {
            let warm = if self.ready(i) {
                false
            } else if self.can_warm(i) {
                true
            } else {
                continue;
            };
            if self.waits_for_outage(i) {
                continue;
            }
            let platform = self.plan.cells[i].platform.clone();
            if let Some(&limit) = self.settings.platform_limits.get(&platform) {
                if self.running_on(&platform) >= limit.max(1) {
                    continue;
                }
            }
            let routed = self.settings.routed.contains(&platform);
            let room = match &self.settings.concurrency {
                Limit::Fixed(n) => limit::fixed(self.running.len() - self.warms_outlived(), *n),
                Limit::Auto { cap, .. } if routed => {
                    limit::fixed(self.running_where(|c| c.platform == platform), *cap)
                }
                Limit::Auto { cap, gauge } => {
                    let local = self.running_where(|c| !self.settings.routed.contains(&c.platform));
                    pass.room(gauge, local, *cap, self.recent_starts.len())
                }
            };
            match room {
                limit::Room::Start => {
                    if !routed {
                        self.recent_starts.push(Instant::now());
                    }
                    if warm {
                        self.start_warm(i).await;
                    } else {
                        self.start(i).await;
                    }
                }
                limit::Room::Full if matches!(self.settings.concurrency, Limit::Fixed(_)) => return,
                limit::Room::Full => {}
                limit::Room::Busy => self.load_recheck = Some(now + limit::RECHECK),
            }
        }
    }

    async fn start(&mut self, i: usize) {
        let of = self.settings.retry.attempts.max(1);
        let slot = &mut self.slots[i];
        slot.attempts += 1;
        let attempt = slot.attempts;
        let opts = slot.opts;
        let (cancel_tx, cancel_rx) = watch::channel(false);
        slot.cancel = Some(cancel_tx);
        slot.started = Some((Instant::now(), SystemTime::now()));
        if let Some(warm) = &self.slots[i].warm {
            warm.quiet.store(true, Ordering::Relaxed);
        }
        self.set_status(i, CellStatus::Running { attempt, of })
            .await;
        self.spawn_build(i, attempt, opts, cancel_rx, Arc::default());
    }

    /// Starts the cache-warming build of a cell whose late dependencies still build. Its
    /// output reaches the front ends like an attempt's; its end changes nothing but the status.
    async fn start_warm(&mut self, i: usize) {
        let (cancel, cancel_rx) = watch::channel(false);
        let quiet = Arc::new(AtomicBool::new(false));
        let slot = &mut self.slots[i];
        slot.warmed = true;
        slot.warm = Some(WarmRun {
            cancel,
            quiet: quiet.clone(),
        });
        self.set_status(i, CellStatus::Warming).await;
        let opts = RunOpts {
            no_cache: false,
            warm: true,
        };
        self.spawn_build(i, 1, opts, cancel_rx, quiet);
    }

    fn spawn_build(
        &mut self,
        i: usize,
        attempt: u32,
        opts: RunOpts,
        cancel_rx: watch::Receiver<bool>,
        quiet: Arc<AtomicBool>,
    ) {
        let cell = Arc::new(self.plan.cells[i].clone());
        let runner = self.runner.clone();
        let events = self.events.clone();
        let (build_tx, mut build_rx) = mpsc::channel::<BuildEvent>(1024);
        self.running.spawn(async move {
            let forward = async move {
                // Step times are taken as they pass, for the history of a green attempt.
                let mut steps = AttemptSteps::default();
                while let Some(event) = build_rx.recv().await {
                    if quiet.load(Ordering::Relaxed) {
                        continue;
                    }
                    steps.see(&event);
                    if events.send(Event::Build { cell: i, event }).await.is_err() {
                        break;
                    }
                }
                steps
            };
            // The attempt ends only after its output is forwarded, so the end event never
            // overtakes the cell's last log lines.
            let (outcome, steps) = tokio::join!(
                runner.run(cell, attempt, opts, build_tx, cancel_rx),
                forward
            );
            Ended {
                cell: i,
                warm: opts.warm,
                outcome,
                steps: steps.into_ended(),
            }
        });
    }

    async fn finished(&mut self, ended: Ended) {
        if ended.warm {
            return self.warm_ended(ended).await;
        }
        let Ended {
            cell: i,
            outcome,
            steps,
            ..
        } = ended;
        let (t0, wall) = self.slots[i]
            .started
            .take()
            .unwrap_or((Instant::now(), SystemTime::now()));
        let duration = t0.elapsed();
        self.slots[i].cancel = None;
        let attempt = self.slots[i].attempts;
        let of = self.settings.retry.attempts.max(1);
        let was_canceled = matches!(self.slots[i].status, CellStatus::Canceled);
        let mut record = AttemptRecord {
            attempt,
            started: wall,
            duration,
            outcome: Outcome::Green,
            class: None,
            cause: None,
            reason: None,
            text: None,
            retried: false,
            given_back: false,
        };
        let status = match outcome {
            AttemptOutcome::Green { digest, cached } => {
                record.outcome = Outcome::Green;
                if let Some(history) = &self.history {
                    let run = GreenRun {
                        when: wall,
                        total: duration,
                        cached,
                        steps,
                    };
                    history.record(&self.plan.cells[i], run);
                    self.order = priorities(&self.plan, Some(history));
                }
                self.slots[i].opts = RunOpts::default();
                self.slots[i].given_back = 0;
                CellStatus::Green {
                    digest,
                    duration,
                    cached,
                }
            }
            AttemptOutcome::Canceled => {
                record.outcome = Outcome::Canceled;
                CellStatus::Canceled
            }
            AttemptOutcome::Failed {
                text,
                classification,
                ..
            } if was_canceled => {
                record.outcome = Outcome::Canceled;
                record.text = Some(text);
                record.class = Some(classification.class);
                CellStatus::Canceled
            }
            AttemptOutcome::Failed {
                text,
                classification,
                ..
            } => {
                let reason = summarize(&text).cause;
                record.outcome = Outcome::Failed;
                record.class = Some(classification.class);
                record.cause = classification.cause;
                record.reason = Some(reason.clone());
                record.text = Some(text);
                let text = record.text.as_deref().unwrap_or_default();
                let outage = self.outage_behind(i, classification.cause, text);
                if let Some(resource) = outage {
                    // Not the cell's fault: the attempt is given back and the cell waits.
                    record.retried = true;
                    record.given_back = true;
                    self.suspect(resource, &reason);
                    self.given_back(i, reason)
                } else if classification.class == FailureClass::Transient && attempt < of {
                    record.retried = true;
                    let delay = backoff(self.settings.retry.backoff, attempt);
                    self.slots[i].retry_at = Some(Instant::now() + delay);
                    CellStatus::Retrying {
                        next: attempt + 1,
                        of,
                        delay,
                        reason,
                    }
                } else {
                    CellStatus::Failed {
                        class: classification.class,
                        reason,
                        attempts: attempt,
                    }
                }
            }
        };
        if let Some(store) = &mut self.state {
            store.record_attempt(&self.plan.cells[i], record.clone());
        }
        if self
            .emit(Event::AttemptEnded { cell: i, record })
            .await
            .is_err()
        {
            self.closed = true;
        }
        self.set_status(i, status).await;
    }

    /// A warming build ended: its cache is there or not, and the cell goes on waiting for its
    /// late dependencies unless it was canceled or blocked meanwhile.
    async fn warm_ended(&mut self, ended: Ended) {
        let i = ended.cell;
        self.slots[i].warm = None;
        if let AttemptOutcome::Failed { text, .. } = &ended.outcome {
            // The real build runs in full and reports whatever this was.
            tracing::info!(
                "{}: the cache-warming build failed: {}",
                self.plan.cells[i].id(),
                summarize(text).cause
            );
        }
        if matches!(self.slots[i].status, CellStatus::Warming) {
            self.set_status(i, CellStatus::Queued).await;
        }
    }

    /// Queued cells whose dependency ended without an image can never start.
    async fn block_dependents_of_unsuccessful(&mut self) {
        loop {
            let mut changed = false;
            for i in 0..self.slots.len() {
                if !matches!(
                    self.slots[i].status,
                    CellStatus::Queued | CellStatus::Warming
                ) {
                    continue;
                }
                let by = self.plan.cells[i].deps.iter().copied().find(|&d| {
                    self.slots[d].status.is_unsuccessful()
                        || matches!(self.slots[d].status, CellStatus::NotSelected)
                });
                if let Some(by) = by {
                    if let Some(warm) = &self.slots[i].warm {
                        let _ = warm.cancel.send(true);
                    }
                    self.set_status(i, CellStatus::Blocked { by }).await;
                    changed = true;
                }
            }
            if !changed {
                return;
            }
        }
    }

    async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Retry(i) => self.requeue(i, RunOpts::default()).await,
            Command::Rebuild { cell, no_cache } => {
                let opts = RunOpts {
                    no_cache,
                    warm: false,
                };
                self.requeue(cell, opts).await
            }
            Command::RetryFailed => {
                for i in 0..self.slots.len() {
                    if self.slots[i].status.is_failed() {
                        self.requeue(i, RunOpts::default()).await;
                    }
                }
            }
            Command::Cancel(i) => self.cancel(i).await,
            Command::CancelAll => self.cancel_all().await,
            Command::Pause | Command::Resume => {
                self.paused = matches!(cmd, Command::Pause);
                let paused = self.paused;
                if self.emit(Event::Paused(paused)).await.is_err() {
                    self.closed = true;
                }
            }
        }
    }

    async fn requeue(&mut self, i: usize, opts: RunOpts) {
        if i >= self.slots.len() {
            return;
        }
        let slot = &mut self.slots[i];
        match slot.status {
            CellStatus::Running { .. } | CellStatus::Warming => return,
            CellStatus::Retrying { .. } => {
                // Waiting out a backoff: the user asked for it now.
                slot.retry_at = None;
                slot.opts = opts;
                self.set_status(i, CellStatus::Queued).await;
                return;
            }
            _ => {}
        }
        slot.attempts = 0;
        slot.given_back = 0;
        slot.opts = opts;
        slot.retry_at = None;
        self.set_status(i, CellStatus::Queued).await;
        // A blocked dependency chain may now be able to run.
        for d in self.plan.cells[i].deps.clone() {
            if self.slots[d].status.is_unsuccessful() {
                Box::pin(self.requeue(d, RunOpts::default())).await;
            }
        }
        for dep in self.plan.dependents(i) {
            if matches!(self.slots[dep].status, CellStatus::Blocked { .. }) {
                self.slots[dep].attempts = 0;
                self.set_status(dep, CellStatus::Queued).await;
            }
        }
    }

    async fn cancel(&mut self, i: usize) {
        let Some(slot) = self.slots.get_mut(i) else {
            return;
        };
        match slot.status {
            CellStatus::Running { .. } | CellStatus::Warming => {
                let warm = slot.warm.as_ref().map(|w| &w.cancel);
                for tx in [slot.cancel.as_ref(), warm].into_iter().flatten() {
                    let _ = tx.send(true);
                }
                self.set_status(i, CellStatus::Canceled).await;
            }
            CellStatus::Queued | CellStatus::Retrying { .. } => {
                slot.retry_at = None;
                self.set_status(i, CellStatus::Canceled).await;
            }
            _ => {}
        }
    }

    async fn cancel_all(&mut self) {
        for i in 0..self.slots.len() {
            self.cancel(i).await;
        }
    }
}

fn priorities(plan: &Plan, history: Option<&History>) -> Vec<usize> {
    match history {
        Some(h) => h.read(|file| Priorities::new(plan, Some(file)).order(plan)),
        None => Priorities::new(plan, None).order(plan),
    }
}

/// The delay before attempt `failed + 1`: doubles each time, with ±20% jitter so cells that
/// failed together do not hit the registry together again.
pub fn backoff(first: Duration, failed: u32) -> Duration {
    let base = first.saturating_mul(1u32 << (failed.saturating_sub(1)).min(16));
    let jitter = 0.8 + fastrand::f64() * 0.4;
    base.mul_f64(jitter)
}
