//! Builds the same matrix with archgrid and with `docker buildx bake`, cold each time, and prints
//! the median time to green of each, their ratio, and both as multiples of the lower bound.
//! `scripts/bench-vs-bake` builds and runs it on the lab engine; docs/perf.md has the method and
//! the results.
//!
//! `bench_vs_bake [--archgrid PATH] [--runs N] [--out FILE] [a|b|c|d ...]`

mod bound;
mod engine;
#[path = "../../tests/support/fault_proxy.rs"]
mod fault_proxy;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use bound::{lower_bound, median, Alone, Bound};
use engine::{cold_start, must, timed};
use fault_proxy::{Fault, FaultProxy};
use serde_json::{json, Value};

struct Scenario {
    key: &'static str,
    title: &'static str,
    matrix: &'static str,
    /// Its registry is reached through the fault proxy.
    fault: bool,
    /// Runs of each tool; ai-infra takes long enough that one says enough.
    runs: Option<usize>,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        key: "a",
        title: "chain: each FROM the one before",
        matrix: "examples/bench/chain/matrix.toml",
        fault: false,
        runs: None,
    },
    Scenario {
        key: "b",
        title: "FROM base, COPY --from the dependency",
        matrix: "examples/bench/copy-from/matrix.toml",
        fault: false,
        runs: None,
    },
    Scenario {
        key: "c",
        title: "chain, one transient fault mid-run",
        matrix: "examples/bench/chain-fault/matrix.toml",
        fault: true,
        runs: None,
    },
    Scenario {
        key: "d",
        title: "examples/ai-infra",
        matrix: "examples/ai-infra/matrix.toml",
        fault: false,
        runs: Some(1),
    },
];

/// The fault scenario's registry port (its matrix names it): the proxy in front of the lab
/// registry, for every push and pull of both tools.
const PROXY_PORT: u16 = 5055;
/// When the blip comes: mid-run for both tools, past the checks either makes before it builds.
/// Bake pulls every image it needs when it starts, so only its pushes come later than this;
/// archgrid also pulls each dependency's image when a cell starts.
const BLIP_AT: Duration = Duration::from_secs(30);
/// How long new connections are reset, from the first one after [`BLIP_AT`]: a fixed window
/// could fall between two operations and fail nothing. The engine retries a failed push itself,
/// 1 s, 2 s and 4 s apart, and three reset connections alone were absorbed by that: the blip
/// must outlast those retries to fail an operation.
const BLIP_FOR: Duration = Duration::from_secs(15);

struct Args {
    archgrid: PathBuf,
    runs: usize,
    out: PathBuf,
    keys: Vec<String>,
}

fn args() -> Args {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut a = Args {
        archgrid: repo.join("target/release/archgrid"),
        runs: 3,
        out: PathBuf::from("/tmp/bench-vs-bake.json"),
        keys: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--archgrid" => a.archgrid = it.next().expect("--archgrid PATH").into(),
            "--runs" => a.runs = it.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--out" => a.out = it.next().expect("--out FILE").into(),
            key if SCENARIOS.iter().any(|s| s.key == key) => a.keys.push(key.to_string()),
            other => panic!("unknown argument {other:?}; scenarios are a b c d"),
        }
    }
    if a.keys.is_empty() {
        a.keys = SCENARIOS.iter().map(|s| s.key.to_string()).collect();
    }
    a
}

fn main() {
    let args = args();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut results = Vec::new();
    for s in SCENARIOS
        .iter()
        .filter(|s| args.keys.iter().any(|k| k == s.key))
    {
        let result = run_scenario(s, repo, &args, cores, &rt);
        println!("{}", serde_json::to_string(&result).unwrap());
        results.push(result);
        let all = json!({ "cores": cores, "scenarios": results });
        std::fs::write(&args.out, serde_json::to_string_pretty(&all).unwrap()).unwrap();
    }
    println!();
    print_table(&results);
    eprintln!("results: {}", args.out.display());
}

fn run_scenario(
    s: &Scenario,
    repo: &Path,
    args: &Args,
    cores: usize,
    rt: &tokio::runtime::Runtime,
) -> Value {
    let matrix = repo.join(s.matrix);
    let dir = matrix.parent().unwrap().to_path_buf();
    // Logs, reports and the bake file stay here for a look afterwards.
    let work_dir = std::env::temp_dir().join(format!("bench-vs-bake-{}", s.key));
    let _ = std::fs::remove_dir_all(&work_dir);
    std::fs::create_dir_all(&work_dir).unwrap();
    let work = work_dir.as_path();
    let ag = args.archgrid.to_str().unwrap();
    let m = matrix.to_str().unwrap();
    let plan: Value =
        serde_json::from_str(&must(ag, &["--matrix", m, "plan", "--json"], &dir)).unwrap();
    let registry = plan["registry"].as_str().unwrap_or_default().to_string();
    let bake = work.join("docker-bake.json");
    must(
        ag,
        &["--matrix", m, "bake-file", "-o", bake.to_str().unwrap()],
        &dir,
    );
    let log = |name: &str| work.join(format!("{}-{name}.log", s.key));
    let proxy = |armed: bool| -> Option<Proxy> {
        if !s.fault {
            return None;
        }
        let upstream = "127.0.0.1:5000".parse().unwrap();
        let p = Arc::new(
            rt.block_on(FaultProxy::start_on(PROXY_PORT, upstream, 0, Fault::Reset))
                .expect("the fault proxy's port"),
        );
        let blip = armed.then(|| {
            let armed = p.clone();
            rt.spawn(async move {
                tokio::time::sleep(BLIP_AT).await;
                let cut = armed.cut_and_arm(usize::MAX);
                while armed.faulted() == 0 {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                tokio::time::sleep(BLIP_FOR).await;
                armed.disarm();
                cut
            })
        });
        Some(Proxy { proxy: p, blip })
    };

    // Each cell alone, one at a time and without faults: the bound, and the history archgrid
    // plans from afterwards, as it would after any earlier build.
    let alone_matrix = dir.join(".bench-alone.toml");
    let text = std::fs::read_to_string(&matrix).unwrap();
    std::fs::write(&alone_matrix, one_at_a_time(&text)).unwrap();
    cold_start(&registry, &dir);
    let p = proxy(false);
    let alone_report = work.join("alone.json");
    let (code, alone_secs) = timed(
        ag,
        &[
            "--matrix",
            alone_matrix.to_str().unwrap(),
            "build",
            "--force",
            "--report-json",
            alone_report.to_str().unwrap(),
        ],
        &dir,
        &log("alone"),
    );
    drop(p);
    std::fs::remove_file(&alone_matrix).ok();
    assert_eq!(
        code,
        0,
        "the one-at-a-time run failed: {}",
        log("alone").display()
    );
    let alone = alone_cells(&plan, &read_json(&alone_report));
    let bound = lower_bound(&alone, cores);

    let mut archgrid_runs = Vec::new();
    let mut bake_runs = Vec::new();
    for r in 0..s.runs.unwrap_or(args.runs) {
        cold_start(&registry, &dir);
        let p = proxy(true);
        let report = work.join(format!("run{r}.json"));
        let (code, secs) = timed(
            ag,
            &[
                "--matrix",
                m,
                "build",
                "--force",
                "--report-json",
                report.to_str().unwrap(),
            ],
            &dir,
            &log(&format!("archgrid{r}")),
        );
        let fault = p.map(|p| p.end(rt));
        assert_eq!(
            code,
            0,
            "archgrid run {r} failed: {}",
            log(&format!("archgrid{r}")).display()
        );
        let retried = retried_cells(&read_json(&report));
        archgrid_runs.push(json!({ "secs": secs, "fault": fault, "retried": retried }));

        cold_start(&registry, &dir);
        let p = proxy(true);
        let bake_args = [
            "buildx",
            "bake",
            "-f",
            bake.to_str().unwrap(),
            "--progress=plain",
        ];
        let (code, mut secs) = timed("docker", &bake_args, &dir, &log(&format!("bake{r}")));
        let mut reruns = 0;
        let mut code = code;
        // What a user does when bake fails on a network error: run it again.
        while code != 0 && s.fault && reruns < 5 {
            reruns += 1;
            let (c, again) = timed(
                "docker",
                &bake_args,
                &dir,
                &log(&format!("bake{r}-again{reruns}")),
            );
            code = c;
            secs += again;
        }
        let fault = p.map(|p| p.end(rt));
        assert_eq!(
            code,
            0,
            "bake run {r} failed: {}",
            log(&format!("bake{r}")).display()
        );
        bake_runs.push(json!({ "secs": secs, "fault": fault, "reruns": reruns }));
    }
    let med = |runs: &[Value]| median(runs.iter().map(|r| r["secs"].as_f64().unwrap()).collect());
    let (a, b) = (med(&archgrid_runs), med(&bake_runs));
    json!({
        "scenario": s.key,
        "title": s.title,
        "cells": alone.len(),
        "alone_total_secs": alone_secs,
        "bound": { "critical_path": bound.critical_path, "cpu_over_cores": bound.cpu_over_cores, "secs": bound.secs() },
        "alone": alone.iter().map(|c| json!({ "id": c.id, "secs": c.secs })).collect::<Vec<_>>(),
        "archgrid": { "runs": archgrid_runs, "median": a, "over_bound": a / bound.secs() },
        "bake": { "runs": bake_runs, "median": b, "over_bound": b / bound.secs() },
        "ratio": a / b,
        "logs": work,
    })
}

/// The fault proxy of one run, and the blip it will have.
struct Proxy {
    proxy: Arc<FaultProxy>,
    blip: Option<tokio::task::JoinHandle<usize>>,
}

impl Proxy {
    /// Stops the proxy; what the run met: connections cut by the blip and new ones reset.
    /// A run that ended before the blip met none.
    fn end(self, rt: &tokio::runtime::Runtime) -> Value {
        let cut = self.blip.and_then(|blip| {
            if blip.is_finished() {
                rt.block_on(blip).ok()
            } else {
                blip.abort();
                None
            }
        });
        json!({ "blip": cut.is_some(), "cut": cut.unwrap_or(0), "reset": self.proxy.faulted() })
    }
}

/// The matrix with `concurrency = 1` in its `[project]`, replacing any it had.
fn one_at_a_time(text: &str) -> String {
    let mut out = String::new();
    let mut in_project = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_project = trimmed == "[project]";
        }
        if in_project && trimmed.starts_with("concurrency") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if trimmed == "[project]" {
            out.push_str("concurrency = 1\n");
        }
    }
    out
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every cell's time in the one-at-a-time run, with its dependencies from the plan.
fn alone_cells(plan: &Value, report: &Value) -> Vec<Alone> {
    let cells = plan["cells"].as_array().unwrap();
    cells
        .iter()
        .map(|c| {
            let id = c["id"].as_str().unwrap().to_string();
            let r = report["cells"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == c["id"])
                .unwrap_or_else(|| panic!("{id} is not in the report"));
            let ms = r["attempts"]
                .as_array()
                .and_then(|a| a.last())
                .map_or(0, |a| a["duration_ms"].as_u64().unwrap());
            Alone {
                id,
                secs: ms as f64 / 1000.0,
                deps: c["depends_on"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_str().unwrap().to_string())
                    .collect(),
            }
        })
        .collect()
}

fn retried_cells(report: &Value) -> Vec<String> {
    report["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["attempts"].as_array().is_some_and(|a| a.len() > 1))
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

fn print_table(results: &[Value]) {
    println!("| scenario | archgrid (median) | bake (median) | ratio | lower bound | archgrid ÷ bound | bake ÷ bound |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for r in results {
        let bound: Bound = Bound {
            critical_path: r["bound"]["critical_path"].as_f64().unwrap(),
            cpu_over_cores: r["bound"]["cpu_over_cores"].as_f64().unwrap(),
        };
        println!(
            "| ({}) {} | {:.1} s | {:.1} s | {:.2} | {:.1} s | {:.2} | {:.2} |",
            r["scenario"].as_str().unwrap(),
            r["title"].as_str().unwrap(),
            r["archgrid"]["median"].as_f64().unwrap(),
            r["bake"]["median"].as_f64().unwrap(),
            r["ratio"].as_f64().unwrap(),
            bound.secs(),
            r["archgrid"]["over_bound"].as_f64().unwrap(),
            r["bake"]["over_bound"].as_f64().unwrap(),
        );
    }
}
