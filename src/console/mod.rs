//! The console: `archgrid` with no subcommand. A grid of cells (component × platform) over a
//! pane with the selected cell's log, the failures, the builder or the console's own log.
//!
//! Elm-ish: `update::update` changes `app::App` for each `msg::Msg` and returns effects,
//! `view::view` draws it; `event_loop` connects them to the terminal and the scheduler.

pub mod app;
pub mod clean;
mod event_loop;
pub mod export_state;
pub mod keymap;
pub mod keys_file;
pub mod layout;
pub mod log_ring;
pub mod log_view;
pub mod msg;
mod notice;
pub mod publish_state;
pub mod row_filter;
mod tasks;
pub mod terminal;
pub mod update;
pub mod view;
pub mod waiting;

#[cfg(test)]
mod fixture;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;

use crate::build::prepare::Prepared;
use crate::build::runner::Runner;
use crate::report::Recorder;

/// How the console ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Every selected cell was green when the user quit.
    AllGreen,
    NotAllGreen,
    /// SIGTERM, SIGHUP or SIGINT.
    Interrupted,
}

/// Why the console could not run at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The key bindings in matrix.toml or the user's keys file are not usable.
    Keys(String),
    /// No runtime or no terminal.
    Start(String),
}

/// Runs the console until the user quits or a signal arrives, telling `record` every scheduler
/// event for the run's reports. Call it outside any tokio runtime; it starts its own.
pub fn run(prep: Prepared, runner: impl Runner, record: &mut Recorder) -> Result<Ending, Error> {
    let user_keys = keys_file::user_keys_path();
    let keymap = keys_file::load_keymap(&prep.matrix.keys, user_keys.as_deref())
        .map_err(|e| Error::Keys(e.to_string()))?;
    init_console_log();
    // Printed before the console too, but the alternate screen hides that.
    for warning in &prep.matrix.warnings {
        tracing::warn!("{warning}");
    }
    for note in &prep.notes {
        tracing::info!("{note}");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Start(format!("cannot start the async runtime: {e}")))?;
    let mut guard = terminal::TerminalGuard::enter()
        .map_err(|e| Error::Start(format!("cannot set up the terminal: {e}")))?;
    let (ending, farewell) = runtime.block_on(event_loop::run(
        prep,
        runner,
        keymap,
        &mut guard.terminal,
        record,
    ));
    drop(guard);
    // After SIGHUP there is no terminal left to print to; that is no reason to panic.
    let mut out = std::io::stdout();
    let _ = out
        .write_all(farewell.as_bytes())
        .and_then(|()| out.flush());
    Ok(ending)
}

static FRAMES: AtomicU64 = AtomicU64::new(0);
static FIRST_FRAME: OnceLock<Instant> = OnceLock::new();

/// Counters the benchmark in examples/console_flood.rs reads; cheap enough to keep always on.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub frames: u64,
    pub first_frame: Option<Instant>,
}

pub fn stats() -> Stats {
    Stats {
        frames: FRAMES.load(Ordering::Relaxed),
        first_frame: FIRST_FRAME.get().copied(),
    }
}

pub(crate) fn frame_drawn() {
    FRAMES.fetch_add(1, Ordering::Relaxed);
    FIRST_FRAME.get_or_init(Instant::now);
}

/// The console pane shows archgrid's own `tracing` events. Debug and trace from the HTTP
/// stack underneath bollard would drown everything else.
fn init_console_log() {
    let _ = tui_logger::init_logger(tui_logger::LevelFilter::Info);
    tui_logger::set_default_level(tui_logger::LevelFilter::Info);
    let subscriber = tracing_subscriber::registry()
        .with(LevelFilter::INFO)
        .with(tui_logger::TuiTracingSubscriberLayer);
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        tracing::warn!("a tracing subscriber was already set; the console pane stays empty");
    }
}
