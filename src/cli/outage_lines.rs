//! Headless lines about engines and registries that stopped answering, and about the doctor
//! run the first infra failure sets off: a person reading a CI log sees the run waiting, not
//! hanging.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use tokio::time::Instant;

use crate::build::outage::Resource;
use crate::doctor::{Level, Report};
use crate::model::format_duration;
use crate::model::sanitize::sanitize_line;
use crate::model::text::plural;

/// How often a line says the run is still waiting.
pub const REMIND_EVERY: Duration = Duration::from_secs(30);

pub struct OutageLines {
    started: Instant,
    engine_wait: Duration,
    waiting: BTreeMap<Resource, Instant>,
}

impl OutageLines {
    pub fn new(started: Instant, engine_wait: Duration) -> OutageLines {
        OutageLines {
            started,
            engine_wait,
            waiting: BTreeMap::new(),
        }
    }

    pub fn is_waiting(&self) -> bool {
        !self.waiting.is_empty()
    }

    pub fn unreachable(
        &mut self,
        out: &mut dyn Write,
        resource: Resource,
        since: Instant,
        reason: &str,
    ) {
        let _ = writeln!(
            out,
            "{resource} unreachable since {}, waiting (up to {}): {}",
            run_clock(since.saturating_duration_since(self.started)),
            format_duration(self.engine_wait),
            sanitize_line(reason)
        );
        self.waiting.insert(resource, since);
    }

    pub fn remind(&self, out: &mut dyn Write) {
        for (resource, since) in &self.waiting {
            let _ = writeln!(
                out,
                "{resource} unreachable since {}, waiting ({} so far)",
                run_clock(since.saturating_duration_since(self.started)),
                format_duration(since.elapsed())
            );
        }
    }

    pub fn answers(&mut self, out: &mut dyn Write, resource: Resource, after: Duration) {
        self.waiting.remove(&resource);
        let _ = writeln!(
            out,
            "{resource} answers again after {}; the cells that waited go on",
            format_duration(after)
        );
    }

    pub fn gave_up(
        &mut self,
        out: &mut dyn Write,
        resource: Resource,
        after: Duration,
        failed: usize,
    ) {
        if self.waiting.remove(&resource).is_none() && failed == 0 {
            return;
        }
        if failed == 0 {
            let _ = writeln!(out, "{resource}: no cell waits for it any more");
            return;
        }
        let _ = writeln!(
            out,
            "{resource} did not answer for {} ([retry] engine_wait); {failed} waiting cell{} failed",
            format_duration(after),
            plural(failed)
        );
    }
}

/// `00:12:40`: time since the run started, as the console's header clock counts it.
pub fn run_clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

/// The checks the first infra failure set off: the count, then every one that is not ok.
pub fn write_doctor(out: &mut dyn Write, report: &Report) {
    let _ = writeln!(
        out,
        "doctor (run after the first infra failure): {} ok, {} warn, {} fail",
        report.count(Level::Ok),
        report.count(Level::Warn),
        report.count(Level::Fail)
    );
    for check in report.checks.iter().filter(|c| c.level != Level::Ok) {
        for line in super::doctor::render_check(check) {
            let _ = writeln!(out, "    {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_reads_in_run_time() {
        let t0 = Instant::now();
        let mut lines = OutageLines::new(t0, Duration::from_secs(900));
        let mut out = Vec::new();
        lines.unreachable(
            &mut out,
            Resource::Engine(None),
            t0 + Duration::from_secs(760),
            "Cannot connect to the Docker daemon\x1b[31m",
        );
        assert!(lines.is_waiting());
        lines.answers(&mut out, Resource::Engine(None), Duration::from_secs(25));
        assert!(!lines.is_waiting());
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "engine unreachable since 00:12:40, waiting (up to 15m00s): Cannot connect to the Docker daemon\n\
             engine answers again after 25s; the cells that waited go on\n"
        );
    }

    #[test]
    fn the_run_clock_counts_hours_minutes_seconds() {
        assert_eq!(run_clock(Duration::from_secs(3723)), "01:02:03");
    }
}
