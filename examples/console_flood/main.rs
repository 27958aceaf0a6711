//! The console under a synthetic flood, for docs/perf.md: 12 components × 3 platforms, every
//! cell printing log lines at a fixed total rate, drawn into a real terminal (run it in tmux:
//! scripts/bench-console does). Each cell's runner writes what buildx would print with
//! `--progress=rawjson` and reads it back through the runner's own decoding path
//! (`StderrEvents`), so decoding is part of what is measured. A sampler thread writes its
//! measurements as JSON to ARCHGRID_BENCH_OUT once the flood has ended and the console has then
//! sat idle.
//!
//! ARCHGRID_BENCH_RATE   total log lines per second across running cells (default 50000)
//! ARCHGRID_BENCH_LINES  lines in all before the cells go green (default 1000000)
//! ARCHGRID_BENCH_IDLE   seconds to stay idle after the flood, to measure idle CPU (default 10)
//! ARCHGRID_BENCH_FRAMING  `indented` (buildx 0.12 to 0.14, the default) or `lines` (0.15+)

mod solve_stream;

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use archgrid::build::runner::child::BoxFuture;
use archgrid::build::runner::stderr_events::StderrEvents;
use archgrid::build::runner::{AttemptOutcome, BuildEvent, RunOpts, Runner};
use archgrid::plan::Cell;
use solve_stream::{Framing, SolveStream};
use tokio::sync::{mpsc, watch};

const COMPONENTS: usize = 12;
const PLATFORMS: [&str; 3] = ["linux/amd64", "linux/arm64", "linux/arm/v7"];
const BATCH_EVERY: Duration = Duration::from_millis(10);
const STEPS: u64 = 7;
/// The CPU clock of a thread is a system call (near a microsecond on the project's VM), so
/// only one batch in this many is timed, and counted this many times.
const TIME_ONE_IN: u32 = 16;

#[derive(Clone)]
struct Flood {
    per_cell_rate: f64,
    per_cell_lines: u64,
    framing: Framing,
    sent: Arc<AtomicU64>,
    /// Summed lateness of batches against their schedule, in microseconds: a console that keeps
    /// up lets every runner stay on schedule; one that falls behind makes `send` wait.
    lateness_us: Arc<AtomicU64>,
    batches: Arc<AtomicU64>,
    /// CPU time spent writing the rawjson, which in a real build is buildx's, in another
    /// process; the report gives it so that it can be told apart from archgrid's own.
    /// Estimated from one batch in [`TIME_ONE_IN`].
    generate_ns: Arc<AtomicU64>,
    /// CPU time of the runner's decoding path, part of archgrid's own; estimated likewise.
    decode_ns: Arc<AtomicU64>,
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
            let names = (0..STEPS)
                .map(|s| {
                    format!(
                        "[{} {}/{STEPS}] RUN make -j2 part-{s}",
                        cell.component,
                        s + 1
                    )
                })
                .collect();
            let mut build = SolveStream::new(cell.index, names, this.framing);
            let mut progress = StderrEvents::new(Arc::default());
            // What one read of buildx's stderr returns, and the events decoded from it.
            let mut stderr = Vec::new();
            let mut decoded = Vec::new();
            let mut line = Vec::new();
            build.steps_listed(&mut stderr);
            let start = tokio::time::Instant::now();
            let (mut n, mut batch, mut step) = (0u64, 0u32, None);
            while n < total {
                let due = start + BATCH_EVERY * batch;
                tokio::time::sleep_until(due).await;
                let late = tokio::time::Instant::now().saturating_duration_since(due);
                this.lateness_us
                    .fetch_add(late.as_micros() as u64, Ordering::Relaxed);
                this.batches.fetch_add(1, Ordering::Relaxed);
                let timed = (batch + cell.index as u32) % TIME_ONE_IN == 0;
                let clock = || timed.then(thread_cpu_time).unwrap_or_default();
                let t0 = clock();
                let at = jiff::Timestamp::now().to_string();
                let now_step = (n * STEPS / total) as usize;
                if step != Some(now_step) {
                    if let Some(done) = step {
                        build.step_completed(done, &at, &mut stderr);
                    }
                    build.step_started(now_step, &at, &mut stderr);
                    step = Some(now_step);
                }
                let k = per_batch.min(total - n);
                for _ in 0..k {
                    // Colour codes, a tab and a CRLF ending, as real compiler output has; the
                    // decoder takes the CR of the ending off, as it does for a real build.
                    line.clear();
                    let _ = write!(
                        line,
                        "\x1b[32mcc\x1b[0m -O2 -c src/file_{n}.c -o obj/file_{n}.o\tok\r\n"
                    );
                    build.output(now_step, &line, &at, &mut stderr);
                    n += 1;
                }
                if n == total {
                    build.step_completed(now_step, &at, &mut stderr);
                }
                let t1 = clock();
                progress.push(&stderr, &mut decoded);
                if n == total {
                    // buildx exits and its stderr closes.
                    progress.finish(&mut decoded);
                }
                let t2 = clock();
                let scaled = |d: Duration| (d * TIME_ONE_IN).as_nanos() as u64;
                this.generate_ns
                    .fetch_add(scaled(t1 - t0), Ordering::Relaxed);
                this.decode_ns.fetch_add(scaled(t2 - t1), Ordering::Relaxed);
                stderr.clear();
                for ev in decoded.drain(..) {
                    if events.send(ev).await.is_err() {
                        return AttemptOutcome::Canceled;
                    }
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

/// User and system time of the calling thread; a runner's future does not move between
/// threads where it does not await.
fn thread_cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
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
    let framing = match std::env::var("ARCHGRID_BENCH_FRAMING").as_deref() {
        Ok("lines") => Framing::Lines,
        Ok("indented") | Err(_) => Framing::Indented,
        Ok(other) => panic!("ARCHGRID_BENCH_FRAMING: {other}? indented or lines"),
    };

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
        framing,
        sent: Arc::new(AtomicU64::new(0)),
        lateness_us: Arc::new(AtomicU64::new(0)),
        batches: Arc::new(AtomicU64::new(0)),
        generate_ns: Arc::new(AtomicU64::new(0)),
        decode_ns: Arc::new(AtomicU64::new(0)),
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
        let generate0 = probe.generate_ns.load(Ordering::Relaxed);
        let decode0 = probe.decode_ns.load(Ordering::Relaxed);
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
        let generate = Duration::from_nanos(probe.generate_ns.load(Ordering::Relaxed) - generate0);
        let decode = Duration::from_nanos(probe.decode_ns.load(Ordering::Relaxed) - decode0);
        let share = |cpu: Duration| 100.0 * cpu.as_secs_f64() / flood_s.as_secs_f64();
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
            "framing": format!("{framing:?}"),
            "lines_sent": probe.sent.load(Ordering::Relaxed),
            "flood_s": flood_s.as_secs_f64(),
            "lines_per_s": total as f64 / flood_s.as_secs_f64(),
            "mean_batch_lateness_ms": probe.lateness_us.load(Ordering::Relaxed) as f64
                / probe.batches.load(Ordering::Relaxed).max(1) as f64 / 1000.0,
            "flood_cpu_percent_of_one_core": share(flood_cpu),
            "flood_cpu_without_generating_rawjson_percent": share(flood_cpu.saturating_sub(generate)),
            "generating_rawjson_cpu_percent": share(generate),
            "decoding_cpu_percent": share(decode),
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
