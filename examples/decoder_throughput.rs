//! Throughput of the rawjson progress path, for docs/perf.md: the real buildx 0.13.1 streams in
//! tests/fixtures/buildx-0.13.1/rawjson-*.txt replayed at full speed through
//! `StderrEvents`, the code the runner runs on every read of a build's stderr (JSON framing,
//! SolveStatus decoding, base64 of log data, splitting into lines, step tracking, masking).
//! Each replay of a stream is a new build: a fresh decoder and tracker, fed in reads of
//! CHUNK bytes, then finished as at the end of the pipe. Prints one JSON object per
//! configuration.
//!
//!   cargo run --release --example decoder_throughput [SECONDS [CHUNK]]
//!
//! SECONDS per configuration (default 3); CHUNK is the read size (default 65536, the runner's
//! stderr buffer). Configurations: the captured streams whole, and only their output objects
//! (the `logs` objects of the one-object-per-line captures, 100 times over as one build that
//! prints a lot, which is what a flood of output is made of); each with no secrets and with
//! two secret values to mask.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use archgrid::build::runner::rawjson::RawJsonDecoder;
use archgrid::build::runner::stderr_events::StderrEvents;
use archgrid::build::runner::BuildEvent;
use archgrid::model::redact::Redactor;

struct Stream {
    name: String,
    bytes: Vec<u8>,
    objects: usize,
}

fn streams(dir: &Path) -> Vec<Stream> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("rawjson-") && name.ends_with(".txt")
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            let mut decoder = RawJsonDecoder::new();
            let objects = decoder.push(&bytes).len() + decoder.finish().0.len();
            Stream {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
                objects,
            }
        })
        .collect()
}

/// The objects of the line-framed captures that carry output, one after another, `times`
/// times.
fn output_only(streams: &[Stream], times: usize) -> Stream {
    let mut bytes = Vec::new();
    let mut objects = 0;
    for stream in streams
        .iter()
        .filter(|s| s.name.starts_with("rawjson-sample"))
    {
        for line in stream.bytes.split(|&b| b == b'\n') {
            if line.starts_with(b"{\"logs\":") {
                bytes.extend_from_slice(line);
                bytes.push(b'\n');
                objects += 1;
            }
        }
    }
    Stream {
        name: format!("{objects} output objects x {times}"),
        bytes: bytes.repeat(times),
        objects: objects * times,
    }
}

#[derive(Default)]
struct Tally {
    replays: u64,
    objects: u64,
    bytes: u64,
    events: u64,
    log_lines: u64,
    /// Keeps the work from being optimised away.
    checksum: u64,
}

fn replay(stream: &Stream, chunk: usize, secrets: &Arc<Redactor>, tally: &mut Tally) {
    let mut progress = StderrEvents::new(secrets.clone());
    let mut events = Vec::new();
    let take = |events: &mut Vec<BuildEvent>, tally: &mut Tally| {
        for ev in events.drain(..) {
            tally.events += 1;
            if let BuildEvent::Log { lines, .. } = &ev {
                for line in lines.iter() {
                    tally.log_lines += 1;
                    tally.checksum = tally.checksum.wrapping_add(line.len() as u64);
                }
            }
        }
    };
    for piece in stream.bytes.chunks(chunk) {
        progress.push(piece, &mut events);
        take(&mut events, tally);
    }
    let trailer = progress.finish(&mut events);
    take(&mut events, tally);
    tally.checksum = tally.checksum.wrapping_add(trailer.len() as u64);
    tally.replays += 1;
    tally.objects += stream.objects as u64;
    tally.bytes += stream.bytes.len() as u64;
}

/// This thread's CPU time: on a shared machine the wall clock also counts other programs.
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: f64 = args.next().map_or(3.0, |s| s.parse().expect("SECONDS"));
    let chunk: usize = args.next().map_or(64 * 1024, |s| s.parse().expect("CHUNK"));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/buildx-0.13.1");
    let captured = streams(&dir);
    assert!(
        !captured.is_empty(),
        "no rawjson-*.txt in {}",
        dir.display()
    );
    let output = vec![output_only(&captured, 100)];
    for s in captured.iter().chain(&output) {
        eprintln!("{}: {} objects, {} bytes", s.name, s.objects, s.bytes.len());
    }
    let no_secrets = Arc::new(Redactor::default());
    let two_secrets = Arc::new(Redactor::new([
        "npm_4f9a1c2e7b3d5f60".to_string(),
        "hunter2-registry-password".to_string(),
    ]));
    let configurations = [
        ("captured streams, no secrets", &captured, &no_secrets),
        ("captured streams, two secrets", &captured, &two_secrets),
        ("output objects, no secrets", &output, &no_secrets),
        ("output objects, two secrets", &output, &two_secrets),
    ];
    for (label, streams, redactor) in configurations {
        // One pass first, so allocator and caches are warm.
        for s in streams {
            replay(s, chunk, redactor, &mut Tally::default());
        }
        let mut tally = Tally::default();
        let (start, cpu0) = (Instant::now(), cpu_time());
        while start.elapsed() < Duration::from_secs_f64(seconds) {
            for s in streams {
                replay(s, chunk, redactor, &mut tally);
            }
        }
        let secs = start.elapsed().as_secs_f64();
        let cpu = (cpu_time() - cpu0).as_secs_f64();
        let report = serde_json::json!({
            "configuration": label,
            "chunk_bytes": chunk,
            "seconds": secs,
            "cpu_seconds": cpu,
            "objects_per_cpu_s": tally.objects as f64 / cpu,
            "stream_replays": tally.replays,
            "objects": tally.objects,
            "objects_per_s": tally.objects as f64 / secs,
            "mb_per_s": tally.bytes as f64 / secs / 1e6,
            "events_per_s": tally.events as f64 / secs,
            "log_lines_per_s": tally.log_lines as f64 / secs,
            "checksum": tally.checksum,
        });
        println!("{report}");
    }
}
