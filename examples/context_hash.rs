//! The skip-if-green benchmark: how long `prepare` takes to decide that a cell whose context is
//! a large work tree is up to date. `scripts/bench-context-hash` runs it; docs/perf.md has the
//! method and the results.
//!
//! ```text
//! context_hash make DIR BIG_GIB   a project whose one component's context is DIR/app:
//!                                 a few thousand small sources, a .git and a target/ with
//!                                 BIG_GIB GiB of sparse files and thousands of small ones,
//!                                 .dockerignore excluding target and .git
//! context_hash decide DIR         one prepare, as a run starts: prints JSON
//! context_hash whole DIR          every file of the context read, no ignore file and no stat
//!                                 cache (what deciding cost before): prints JSON
//! ```
//!
//! Each phase is its own process so that its peak RSS (VmHWM) is its own.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use archgrid::build::context::{ContextHasher, IgnoreRules, Watch};
use archgrid::build::prepare::{prepare, Selection};
use archgrid::config::Matrix;
use archgrid::model::CellStatus;
use archgrid::plan::Facts;

const SOURCES: usize = 3000;
const TARGET_SMALL: usize = 10_000;
const GIT_OBJECTS: usize = 2000;
const BIG_FILES: u64 = 14;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    match (arg(0), arg(1)) {
        (Some("make"), Some(dir)) => {
            let gib: f64 = arg(2).and_then(|s| s.parse().ok()).unwrap_or(3.5);
            make(Path::new(dir), gib);
        }
        (Some("decide"), Some(dir)) => decide(Path::new(dir)),
        (Some("whole"), Some(dir)) => whole(Path::new(dir)),
        _ => {
            eprintln!("usage: context_hash make DIR [GIB] | decide DIR | whole DIR");
            std::process::exit(2);
        }
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn make(dir: &Path, gib: f64) {
    write(
        &dir.join("matrix.toml"),
        b"[project]\nname = \"bench\"\ntag = \"t\"\nplatforms = [\"linux/amd64\"]\n\n\
          [[component]]\nname = \"app\"\ncontext = \"app\"\n",
    );
    let app = dir.join("app");
    write(&app.join("Dockerfile"), b"FROM scratch\nCOPY . /src\n");
    write(&app.join(".dockerignore"), b"target\n.git\n");
    // Sources: 30 folders of 100 files, 1-8 KiB each.
    for i in 0..SOURCES {
        let size = 1024 * (1 + i % 8);
        let text: Vec<u8> = format!("// file {i}\n")
            .bytes()
            .cycle()
            .take(size)
            .collect();
        write(&app.join(format!("src/m{:02}/f{i:04}.rs", i / 100)), &text);
    }
    for i in 0..GIT_OBJECTS {
        write(
            &app.join(format!(".git/objects/{:02x}/{i:038x}", i % 256)),
            &[i as u8; 512],
        );
    }
    for i in 0..TARGET_SMALL {
        write(
            &app.join(format!("target/debug/.fingerprint/p{:03}/f{i:05}", i / 100)),
            format!("{i}\n").as_bytes(),
        );
    }
    // Sparse: no blocks on disk, but reading one returns all its zeros.
    let total = (gib * (1u64 << 30) as f64) as u64;
    for i in 0..BIG_FILES {
        let path = app.join(format!("target/debug/deps/libbig{i:02}.rlib"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(total / BIG_FILES).unwrap();
    }
    println!(
        "{{\"made\": {:?}, \"sources\": {SOURCES}, \"git_files\": {GIT_OBJECTS}, \"target_small\": {TARGET_SMALL}, \"target_sparse_bytes\": {}}}",
        dir.display(),
        total / BIG_FILES * BIG_FILES
    );
}

fn decide(dir: &Path) {
    let started = Instant::now();
    let matrix = Matrix::load(&dir.join("matrix.toml")).unwrap_or_else(|e| panic!("{e}"));
    let select = Selection::default();
    let mut prep = prepare(matrix, &Facts::default(), &select).unwrap();
    let took = started.elapsed();
    let up_to_date = prep
        .initial
        .iter()
        .all(|s| matches!(s, CellStatus::UpToDate { .. }));
    // The run that follows a first decision records its cells green, as a build would.
    let plan = prep.plan.clone();
    for cell in &plan.cells {
        if prep.initial[cell.index] == CellStatus::Queued {
            prep.state.set_status(
                cell,
                &CellStatus::Green {
                    digest: Some(format!("sha256:{}", "0".repeat(64))),
                    duration: Duration::from_secs(1),
                    cached: false,
                },
            );
        }
    }
    prep.state.flush();
    report("decide", took, up_to_date, prep.hashed);
}

fn whole(dir: &Path) {
    let state = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut hasher = ContextHasher::open(state.path());
    let context: PathBuf = dir.join("app");
    hasher
        .hash(&context, &IgnoreRules::default(), &Watch::default())
        .unwrap();
    report("whole", started.elapsed(), false, hasher.stats());
}

fn report(
    phase: &str,
    took: Duration,
    up_to_date: bool,
    stats: archgrid::build::context::HashStats,
) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default();
    let mut out = std::io::stdout();
    let _ = writeln!(
        out,
        "{{\"phase\": {phase:?}, \"seconds\": {:.3}, \"up_to_date\": {up_to_date}, \"files\": {}, \"read_files\": {}, \"read_bytes\": {}, \"peak_rss\": {hwm:?}}}",
        took.as_secs_f64(),
        stats.files,
        stats.read_files,
        stats.read_bytes
    );
}
