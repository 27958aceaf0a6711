//! How many cells may run at once: a fixed number, or, under `concurrency = "auto"`, as many as
//! this machine's CPUs have room for, up to a cap.

use std::time::Duration;

use crate::build::load::{Gauge, Load};

#[derive(Debug, Clone)]
pub enum Limit {
    /// At most this many cells at once.
    Fixed(usize),
    /// Start cells on this machine's engine while [`Gauge`] says the CPUs have room, never more
    /// than `cap` at once. Routed columns are held by their own limit, or `cap`.
    Auto { cap: usize, gauge: Gauge },
}

impl Limit {
    /// Twice the cores, and at least 4: registry- and network-bound cells overlap freely, and a
    /// burst of them cannot start a build per queued cell.
    pub fn auto(gauge: Gauge) -> Limit {
        let cap = (2 * gauge.0.cores()).max(4);
        Limit::Auto { cap, gauge }
    }

    /// How many cells are expected side by side, for estimates: the fixed limit, or one per
    /// core, which is what CPU-bound cells settle at under `auto`.
    pub fn width(&self) -> usize {
        match self {
            Limit::Fixed(n) => (*n).max(1),
            Limit::Auto { cap, gauge } => gauge.0.cores().clamp(1, *cap),
        }
    }
}

/// A cell just started counts as one busy core for this long, since the load it brings takes a
/// moment to show in the readings.
pub(super) const SETTLE: Duration = Duration::from_secs(5);

/// How soon to look again while a ready cell waits for CPUs.
pub(super) const RECHECK: Duration = Duration::from_secs(1);

/// Another cell starts while the load is below the core count by at least this much: two
/// CPU-bound builds on two cores read as ~1.9 busy, which must not let a third in.
const HEADROOM: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Room {
    Start,
    /// At the limit: nothing more starts until a cell ends.
    Full,
    /// The CPUs are busy: look again shortly.
    Busy,
}

pub(super) fn fixed(running: usize, limit: usize) -> Room {
    if running < limit.max(1) {
        Room::Start
    } else {
        Room::Full
    }
}

/// One pass over the ready cells: the load is read once, and each start in the pass counts.
#[derive(Default)]
pub(super) struct Pass {
    load: Option<Option<Load>>,
    started: usize,
}

impl Pass {
    /// Whether one more cell on this machine fits, with `running` running here now and
    /// `recent` of them started within [`SETTLE`].
    pub(super) fn room(
        &mut self,
        gauge: &Gauge,
        running: usize,
        cap: usize,
        recent: usize,
    ) -> Room {
        let running = running + self.started;
        if running >= cap.max(1) {
            return Room::Full;
        }
        if running > 0 {
            let cores = gauge.0.cores() as f64;
            let load = *self.load.get_or_insert_with(|| gauge.0.sample());
            // Without a reading, each running cell is taken to keep a core busy.
            let busy = load.map_or(running as f64, |l| l.busy);
            let committed = busy + (recent + self.started) as f64;
            if committed > cores - HEADROOM {
                return Room::Busy;
            }
        }
        self.started += 1;
        Room::Start
    }
}
