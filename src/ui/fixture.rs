//! Hand-made plans and apps for tests: no docker, no matrix file, no clock.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::App;
use super::keymap::Keymap;
use super::msg::{Effect, Msg};
use super::update::update;
use crate::engine::{BuildEvent, FailureClass};
use crate::plan::{Cell, Plan};
use crate::platform::Platform;
use crate::scheduler::{CellStatus, Event};
use crate::state::AttemptRecord;

/// Components as (name, dependencies, platforms it is not built for).
pub type Component<'a> = (&'a str, &'a [&'a str], &'a [&'a str]);

pub fn plan(components: &[Component], platforms: &[&str]) -> Plan {
    let platforms: Vec<Platform> = platforms
        .iter()
        .map(|p| p.parse().expect("platform"))
        .collect();
    let state_dir = PathBuf::from("/project/.archgrid");
    let mut cells: Vec<Cell> = Vec::new();
    for (name, deps, skip) in components {
        for platform in &platforms {
            if skip.contains(&platform.to_string().as_str()) {
                continue;
            }
            let arch = platform.arch_tag();
            let deps = deps
                .iter()
                .filter_map(|d| {
                    cells
                        .iter()
                        .find(|c| c.component == *d && &c.platform == platform)
                        .map(|c| c.index)
                })
                .collect();
            cells.push(Cell {
                index: cells.len(),
                component: name.to_string(),
                platform: platform.clone(),
                image: format!("localhost:5000/demo/{name}:v1-{arch}"),
                argv: [
                    "buildx",
                    "build",
                    "--network",
                    "host",
                    "--allow",
                    "network.host",
                    ".",
                ]
                .map(String::from)
                .to_vec(),
                deps,
                context: PathBuf::from(format!("/project/{name}")),
                dockerfile: PathBuf::from(format!("/project/{name}/Dockerfile")),
                builder: None,
                metadata_file: state_dir.join(format!("meta/{name}-{arch}.json")),
                log_file: state_dir.join(format!("logs/{name}-{arch}.log")),
                chain: 0,
            });
        }
    }
    Plan {
        project: "demo".into(),
        tag: "v0.1.0".into(),
        registry: Some("localhost:5000/demo".into()),
        components: components.iter().map(|c| c.0.to_string()).collect(),
        platforms,
        order: (0..cells.len()).collect(),
        cells,
        state_dir,
    }
}

/// base ← app, worker, frontend ← gateway; gateway is not built for riscv64.
pub fn demo_plan() -> Plan {
    plan(
        &[
            ("base", &[], &[]),
            ("app", &["base"], &[]),
            ("worker", &["base"], &[]),
            ("frontend", &["base"], &[]),
            ("gateway", &["frontend"], &["linux/riscv64"]),
        ],
        &["linux/amd64", "linux/arm64", "linux/riscv64"],
    )
}

pub fn app_for(plan: Plan, width: u16, height: u16) -> App {
    let n = plan.cells.len();
    let mut app = App::new(
        Arc::new(plan),
        vec![CellStatus::Queued; n],
        Keymap::default(),
    );
    app.size = (width, height);
    app
}

pub fn demo_app() -> App {
    app_for(demo_plan(), 120, 40)
}

pub fn cell(app: &App, component: &str, platform: &str) -> usize {
    let platform: Platform = platform.parse().expect("platform");
    app.plan.find(component, &platform).expect("cell").index
}

pub fn select(app: &mut App, component: &str, platform: &str) {
    let i = cell(app, component, platform);
    app.sel = app.position_of(i).expect("in the grid");
}

pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

pub fn key(app: &mut App, c: char) -> Vec<Effect> {
    press(app, KeyCode::Char(c))
}

pub fn event(app: &mut App, event: Event) -> Vec<Effect> {
    update(app, Msg::Scheduler(event))
}

pub fn set(app: &mut App, cell: usize, status: CellStatus) {
    event(app, Event::Status { cell, status });
}

pub fn running(attempt: u32) -> CellStatus {
    CellStatus::Running { attempt, of: 3 }
}

pub fn green(secs: u64) -> CellStatus {
    CellStatus::Green {
        digest: Some(
            "sha256:3f2a9c0d11e4b5a6c7d8e9f00112233445566778899aabbccddeeff001122334".into(),
        ),
        duration: Duration::from_secs(secs),
        cached: false,
    }
}

pub fn failed(reason: &str, class: FailureClass) -> CellStatus {
    CellStatus::Failed {
        class,
        reason: reason.into(),
        attempts: 1,
    }
}

pub fn log(app: &mut App, cell: usize, step: &str, line: &str) {
    event(
        app,
        Event::Build {
            cell,
            event: BuildEvent::Log {
                step: step.into(),
                stream: 1,
                line: line.into(),
            },
        },
    );
}

pub fn failed_attempt(
    attempt: u32,
    class: FailureClass,
    reason: &str,
    text: &str,
) -> AttemptRecord {
    AttemptRecord {
        attempt,
        started: UNIX_EPOCH,
        duration: Duration::from_secs(42),
        outcome: "failed".into(),
        class: Some(class),
        reason: Some(reason.into()),
        text: Some(text.into()),
        retried: false,
    }
}

pub fn reference(name: &str) -> String {
    crate::samples::text(name)
}

/// A digest that differs per cell and stays the same from run to run.
pub fn digest_of(app: &App, cell: usize) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(app.cell_id(cell).as_bytes());
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Every cell green with its own digest, as after a whole run.
pub fn all_green(app: &mut App) {
    for i in 0..app.cells.len() {
        let status = CellStatus::Green {
            digest: Some(digest_of(app, i)),
            duration: Duration::from_secs(60 + i as u64 * 7),
            cached: false,
        };
        set(app, i, status);
    }
}
