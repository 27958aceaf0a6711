//! The console under a synthetic flood, for docs/perf.md: 12 components × 3 platforms, every
//! cell printing log lines at a fixed total rate, drawn into a real terminal (run it in tmux:
//! scripts/bench-console does). A sampler thread writes its measurements as JSON to
//! ARCHGRID_BENCH_OUT once the flood has ended and the console has then sat idle.
//!
//! ARCHGRID_BENCH_RATE   total log lines per second across running cells (default 50000)
//! ARCHGRID_BENCH_LINES  lines in all before the cells go green (default 1000000)
//! ARCHGRID_BENCH_IDLE   seconds to stay idle after the flood, to measure idle CPU (default 10)

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use archgrid::build::runner::child::BoxFuture;
use archgrid::build::runner::{AttemptOutcome, BuildEvent, RunOpts, Runner, StepSummary};
use archgrid::plan::Cell;
use tokio::sync::{mpsc, watch};

const COMPONENTS: usize = 12;
const PLATFORMS: [&str; 3] = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
const BATCH_EVERY: Duration = Duration::from_millis(10);
const STEPS: u64 = 7;

#[derive(Clone)]
struct Flood {
    per_cell_rate: f64,
    per_cell_lines: u64,
    sent: Arc<AtomicU64>,
    /// Summed lateness of batches against their schedule, in microseconds: a console that keeps
    /// up lets every runner stay on schedule; one that falls behind makes `send` wait.
    lateness_us: Arc<AtomicU64>,
    batches: Arc<AtomicU64>,
}

impl Runner for Flood {
    fn run(
        &self,
        cell: Arc<Cell>,
        _attempt: u32,
        _opts: RunOpts,
        events: mpsc::Sender<BuildEvent>,
        _cancel: watch::Receiver<bool>,
    ) -> BoxFuture<AttemptOutcome> {
        let this = self.clone();
        Box::pin(async move {
            let per_batch =
                ((this.per_cell_rate * BATCH_EVERY.as_secs_f64()).round() as u64).max(1);
            let total = this.per_cell_lines;
            let start = tokio::time::Instant::now();
            let (mut n, mut batch, mut step) = (0u64, 0u32, u64::MAX);
            while n < total {
                let due = start + BATCH_EVERY * batch;
                tokio::time::sleep_until(due).await;
                let late = tokio::time::Instant::now().saturating_duration_since(due);
                this.lateness_us
                    .fetch_add(late.as_micros() as u64, Ordering::Relaxed);
                this.batches.fetch_add(1, Ordering::Relaxed);
                let now_step = n * STEPS / total;
                let name = format!(
                    "[{} {}/{STEPS}] RUN make -j2 part-{now_step}",
                    cell.component,
                    now_step + 1
                );
                if now_step != step {
                    step = now_step;
                    let summary = StepSummary {
                        total: STEPS as usize,
                        done: now_step as usize,
                        cached: 0,
                        internal_done: 0,
                        current: Some(name.clone()),
                    };
                    let _ = events.send(BuildEvent::Steps(summary)).await;
                }
                let k = per_batch.min(total - n);
                for _ in 0..k {
                    // Colour codes, a tab and a carriage return, as real compiler output has.
                    let line =
                        format!("\x1b[32mcc\x1b[0m -O2 -c src/file_{n}.c -o obj/file_{n}.o\tok\r");
                    let ev = BuildEvent::Log {
                        step: name.clone(),
                        stream: 1,
                        line,
                    };
                    if events.send(ev).await.is_err() {
                        return AttemptOutcome::Canceled;
                    }
                    n += 1;
                }
                this.sent.fetch_add(k, Ordering::Relaxed);
                batch += 1;
            }
            AttemptOutcome::Green {
                digest: Some(format!("sha256:{:064x}", cell.index)),
                cached: false,
            }
        })
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// User and system time of every thread of this process, as getrusage(RUSAGE_SELF) adds up.
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    let started = Instant::now();
    let rate: f64 = env_or("ARCHGRID_BENCH_RATE", 50_000.0);
    let lines: u64 = env_or("ARCHGRID_BENCH_LINES", 1_000_000);
    let idle_for = Duration::from_secs(env_or("ARCHGRID_BENCH_IDLE", 10));
    let out_path: String = env_or("ARCHGRID_BENCH_OUT", "/tmp/archgrid-bench.json".to_string());
    let cells = (COMPONENTS * PLATFORMS.len()) as u64;

    let dir = tempfile::tempdir().unwrap();
    let mut toml = format!(
        "[project]\nname = \"flood\"\ntag = \"bench\"\nplatforms = {PLATFORMS:?}\nconcurrency = {cells}\n\n[retry]\nattempts = 1\n"
    );
    for i in 0..COMPONENTS {
        let name = format!("component{i:02}");
        std::fs::create_dir_all(dir.path().join(&name)).unwrap();
        std::fs::write(dir.path().join(&name).join("Dockerfile"), "FROM scratch\n").unwrap();
        toml.push_str(&format!(
            "\n[[component]]\nname = \"{name}\"\ncontext = \"{name}\"\n"
        ));
    }
    let matrix_path = dir.path().join("matrix.toml");
    std::fs::write(&matrix_path, toml).unwrap();
    let matrix = archgrid::config::Matrix::load(&matrix_path).unwrap();
    let select = archgrid::build::prepare::Selection {
        force: true,
        ..Default::default()
    };
    let facts = archgrid::plan::Facts::default();
    let prep = archgrid::build::prepare::prepare(matrix, &facts, &select).unwrap();

    let flood = Flood {
        per_cell_rate: rate / cells as f64,
        per_cell_lines: lines / cells,
        sent: Arc::new(AtomicU64::new(0)),
        lateness_us: Arc::new(AtomicU64::new(0)),
        batches: Arc::new(AtomicU64::new(0)),
    };
    let total = flood.per_cell_lines * cells;
    let probe = flood.clone();
    std::thread::spawn(move || {
        // Flood phase: from the first line sent to the last.
        while probe.sent.load(Ordering::Relaxed) == 0 {
            std::thread::sleep(Duration::from_millis(5));
        }
        let (t0, cpu0, f0) = (
            Instant::now(),
            cpu_time(),
            archgrid::console::stats().frames,
        );
        let mut peak_rss = 0;
        while probe.sent.load(Ordering::Relaxed) < total {
            std::thread::sleep(Duration::from_millis(50));
            peak_rss = peak_rss.max(rss_kib("VmRSS:"));
        }
        let (flood_s, flood_cpu, flood_frames) = (
            t0.elapsed(),
            cpu_time() - cpu0,
            archgrid::console::stats().frames - f0,
        );
        // Let the last events drain, then measure a stretch with nothing changing.
        std::thread::sleep(Duration::from_secs(2));
        let (t1, cpu1, f1) = (
            Instant::now(),
            cpu_time(),
            archgrid::console::stats().frames,
        );
        std::thread::sleep(idle_for);
        let (idle_s, idle_cpu, idle_frames) = (
            t1.elapsed(),
            cpu_time() - cpu1,
            archgrid::console::stats().frames - f1,
        );
        let stats = archgrid::console::stats();
        let report = serde_json::json!({
            "rate_target": rate,
            "lines_sent": probe.sent.load(Ordering::Relaxed),
            "flood_s": flood_s.as_secs_f64(),
            "lines_per_s": total as f64 / flood_s.as_secs_f64(),
            "mean_batch_lateness_ms": probe.lateness_us.load(Ordering::Relaxed) as f64
                / probe.batches.load(Ordering::Relaxed).max(1) as f64 / 1000.0,
            "flood_cpu_percent_of_one_core": 100.0 * flood_cpu.as_secs_f64() / flood_s.as_secs_f64(),
            "flood_frames_per_s": flood_frames as f64 / flood_s.as_secs_f64(),
            "idle_s": idle_s.as_secs_f64(),
            "idle_cpu_percent_of_one_core": 100.0 * idle_cpu.as_secs_f64() / idle_s.as_secs_f64(),
            "idle_frames_per_s": idle_frames as f64 / idle_s.as_secs_f64(),
            "first_frame_ms": stats.first_frame.map(|f| (f - started).as_secs_f64() * 1000.0),
            "peak_rss_during_flood_kib": peak_rss,
            "rss_after_flood_kib": rss_kib("VmRSS:"),
            "max_rss_kib": rss_kib("VmHWM:"),
        });
        std::fs::write(&out_path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    });
    let mut record = archgrid::report::Recorder::new(prep.plan.clone(), &prep.initial);
    let code = match archgrid::console::run(prep, flood, &mut record) {
        Ok(archgrid::console::Ending::AllGreen) => 0,
        Ok(_) => 1,
        Err(e) => {
            eprintln!("error: {e:?}");
            2
        }
    };
    std::process::exit(code);
}
