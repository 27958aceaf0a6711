//! How busy this machine's CPUs are, for `concurrency = "auto"`: cells start while the CPUs have
//! room, as `make -l` starts jobs while the load average is below a limit.
//!
//! The load average lags: its 1-minute figure takes about a minute to rise after a build
//! starts, longer than many cells take. So what is measured is the share of CPU time spent
//! busy between two readings of `/proc/stat`, a second or more apart, times the core count.
//! Builds on this machine's engine run in its containers, whose time `/proc/stat` counts.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// CPUs in use and the CPUs there are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Load {
    /// Cores' worth of busy time, from 0 to `cores`.
    pub busy: f64,
    pub cores: usize,
}

/// Where the scheduler reads the load from; tests give their own.
pub trait LoadSource: Send + Sync {
    /// The load now, or `None` when it cannot be told (no earlier reading yet, or no
    /// `/proc/stat`).
    fn sample(&self) -> Option<Load>;
    fn cores(&self) -> usize;
}

/// A shared [`LoadSource`], as the scheduler's settings carry it.
#[derive(Clone)]
pub struct Gauge(pub Arc<dyn LoadSource>);

impl std::fmt::Debug for Gauge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gauge({} cores)", self.0.cores())
    }
}

impl Gauge {
    pub fn this_machine() -> Gauge {
        Gauge(Arc::new(ProcStat::new()))
    }
}

/// Readings closer together than this say little: the kernel counts in 10 ms ticks.
const MIN_INTERVAL: Duration = Duration::from_millis(900);

/// This machine's CPU use, from `/proc/stat`.
pub struct ProcStat {
    cores: usize,
    last: Mutex<Last>,
}

#[derive(Default)]
struct Last {
    reading: Option<(Instant, Ticks)>,
    load: Option<Load>,
}

/// Busy and total ticks since boot, summed over all CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ticks {
    busy: u64,
    total: u64,
}

impl ProcStat {
    pub fn new() -> ProcStat {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let source = ProcStat {
            cores,
            last: Mutex::default(),
        };
        // The first reading is the baseline the first sample measures from.
        source.sample();
        source
    }
}

impl Default for ProcStat {
    fn default() -> Self {
        ProcStat::new()
    }
}

impl LoadSource for ProcStat {
    fn sample(&self) -> Option<Load> {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, _)) = last.reading {
            if now.duration_since(at) < MIN_INTERVAL {
                return last.load;
            }
        }
        let ticks = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|text| parse_cpu_line(&text))?;
        if let Some((_, before)) = last.reading {
            last.load = busy_between(before, ticks).map(|share| Load {
                busy: share * self.cores as f64,
                cores: self.cores,
            });
        }
        last.reading = Some((now, ticks));
        last.load
    }

    fn cores(&self) -> usize {
        self.cores
    }
}

/// The `cpu` line: user nice system idle iowait irq softirq steal [guest guest_nice]. Guest time
/// is already inside user and nice; waiting for I/O is idle for this purpose.
fn parse_cpu_line(text: &str) -> Option<Ticks> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    if fields.len() < 5 {
        return None;
    }
    let idle = fields[3] + fields[4];
    let total: u64 = fields.iter().sum();
    Some(Ticks {
        busy: total - idle,
        total,
    })
}

/// The busy share of the time between two readings.
fn busy_between(before: Ticks, after: Ticks) -> Option<f64> {
    let total = after.total.checked_sub(before.total)?;
    let busy = after.busy.checked_sub(before.busy)?;
    (total > 0).then(|| (busy as f64 / total as f64).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_line_counts_iowait_as_idle_and_guest_time_once() {
        let text = "cpu  100 5 50 800 40 3 2 0 20 0\ncpu0 50 2 25 400 20 1 1 0 10 0\nintr 1 2\n";
        let t = parse_cpu_line(text).unwrap();
        assert_eq!(t.total, 1000);
        assert_eq!(t.busy, 160);
        assert_eq!(parse_cpu_line("intr 1\n"), None);
    }

    #[test]
    fn busy_share_between_readings() {
        let a = Ticks {
            busy: 100,
            total: 1000,
        };
        let b = Ticks {
            busy: 400,
            total: 1400,
        };
        assert_eq!(busy_between(a, b), Some(0.75));
        assert_eq!(busy_between(a, a), None, "no time passed");
        assert_eq!(busy_between(b, a), None, "counters went backwards");
    }

    #[test]
    fn this_machine_reads_a_load_within_its_cores() {
        let source = ProcStat::new();
        std::thread::sleep(MIN_INTERVAL + Duration::from_millis(50));
        let load = source.sample().expect("a second reading a second apart");
        assert_eq!(load.cores, source.cores());
        assert!((0.0..=load.cores as f64).contains(&load.busy), "{load:?}");
    }
}
