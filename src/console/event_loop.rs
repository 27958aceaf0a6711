//! The console's loop: terminal input, scheduler events, docker answers, a slow tick and
//! signals become messages; `update` turns them into effects; the screen is drawn when
//! something changed, at most once a frame. Nothing here waits on docker or the scheduler.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::app::{App, Phase};
use super::keymap::Keymap;
use super::msg::{Effect, Msg};
use super::terminal::Term;
use super::update::update;
use super::view::view;
use super::{tasks, Ending};
use crate::build::prepare::Prepared;
use crate::build::runner::Runner;
use crate::build::scheduler::{self, Command};
use crate::build::summary;
use crate::build::wait::sleep_until;
use crate::docker::{engine, routes};
use crate::report::Recorder;

const FRAME: Duration = Duration::from_millis(16);
const TICK: Duration = Duration::from_millis(250);
const PING_EVERY: Duration = Duration::from_secs(10);
/// Scheduler events handled per wake-up before the loop looks at input and the clock again.
const EVENT_BATCH: usize = 1024;

pub async fn run<R: Runner>(
    prep: Prepared,
    runner: R,
    keymap: Keymap,
    terminal: &mut Term,
    record: &mut Recorder,
) -> (Ending, String) {
    let Prepared {
        plan,
        initial,
        state,
        history,
        settings,
        matrix,
        // The runner masks secrets at the source; nothing the console draws needs the values.
        redactor: _,
        // Logged into the log pane before the loop starts.
        notes: _,
        // Shown while the contexts were hashed, before the grid.
        hashed: _,
    } = prep;
    let matrix = Arc::new(matrix);
    let (concurrency, platform_limits) = (
        settings.concurrency.width(),
        settings.platform_limits.clone(),
    );
    let scheduler::Handle {
        commands,
        mut events,
        task,
    } = scheduler::spawn(
        plan.clone(),
        Arc::new(runner),
        settings,
        initial.clone(),
        Some(state),
        Some(history.clone()),
    );
    let mut commands = Some(commands);

    let mut app = App::new(plan, initial, keymap);
    app.routes = routes::routed(&matrix);
    app.extra_tags = matrix.project.tags.clone();
    app.notify = matrix.console.notify;
    app.history = Some(history);
    app.concurrency = concurrency;
    app.platform_limits = platform_limits;
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let (tx, mut docker_rx) = mpsc::unbounded_channel::<Msg>();
    let pinger = tokio::spawn(ping_engine(tx.clone()));
    app.doctor_running = true;
    tasks::run_doctor(matrix.clone(), &tx);

    let mut input = EventStream::new();
    let mut input_open = true;
    let mut scheduler_open = true;
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut signals = Signals::new();
    let started = Instant::now();
    let mut last_draw: Option<Instant> = None;
    let mut dirty = true;
    let mut draw_failed = false;

    loop {
        if dirty && last_draw.is_none_or(|t| t.elapsed() >= FRAME) {
            app.now = started.elapsed();
            if let Err(e) = terminal.draw(|f| view(&app, f)) {
                // After SIGHUP the terminal is gone; the loop still has to wind down.
                if !draw_failed {
                    tracing::error!("cannot draw: {e}");
                    draw_failed = true;
                }
            }
            super::frame_drawn();
            last_draw = Some(Instant::now());
            dirty = false;
        }
        if app.phase == Phase::Done && !scheduler_open {
            break;
        }
        let redraw_at = dirty.then(|| last_draw.map_or_else(Instant::now, |t| t + FRAME));
        let msg = tokio::select! {
            ev = input.next(), if input_open => match ev {
                Some(Ok(TermEvent::Key(key))) => Msg::Key(key),
                Some(Ok(TermEvent::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(TermEvent::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    tracing::error!("terminal input failed: {e}");
                    input_open = false;
                    continue;
                }
                None => {
                    input_open = false;
                    continue;
                }
            },
            ev = events.recv(), if scheduler_open => match ev {
                Some(event) => {
                    record.observe(&event);
                    Msg::Scheduler(event)
                }
                None => {
                    scheduler_open = false;
                    Msg::SchedulerClosed
                }
            },
            Some(msg) = docker_rx.recv() => msg,
            _ = tick.tick() => Msg::Tick,
            _ = signals.next() => Msg::Terminate,
            _ = sleep_until(redraw_at), if redraw_at.is_some() => continue,
        };
        let before = app.now;
        app.now = started.elapsed();
        let is_tick = matches!(msg, Msg::Tick);
        let is_event = matches!(msg, Msg::Scheduler(_));
        let mut effects = update(&mut app, msg);
        // A flood of build output arrives as many small events: taking what is already queued
        // in one go keeps the channel from filling (where senders contend for its lock) and
        // costs one pass of the loop per batch instead of per line.
        if is_event {
            for _ in 0..EVENT_BATCH {
                match events.try_recv() {
                    Ok(event) => {
                        record.observe(&event);
                        effects.extend(update(&mut app, Msg::Scheduler(event)));
                    }
                    Err(_) => break,
                }
            }
        }
        // At rest only the header clock changes, once a second; spinners need every tick.
        dirty |= !is_tick || app.animating() || before.as_secs() != app.now.as_secs();
        for effect in effects {
            match effect {
                Effect::Send(command) => send(&mut commands, command),
                Effect::RunDoctor => tasks::run_doctor(matrix.clone(), &tx),
                Effect::Publish(lists) => tasks::publish(lists, matrix.retry.clone(), &tx),
                Effect::Export(plan) => tasks::export(plan, &tx),
                Effect::Notify(notice) => super::notice::send(&mut std::io::stdout(), &notice),
                // Dropping the sender tells the scheduler to cancel what runs and stop; its
                // events are still drained until its channel closes.
                Effect::Quit => commands = None,
            }
        }
    }
    pinger.abort();
    if let Err(e) = task.await {
        tracing::error!("the scheduler task failed: {e}");
    }
    (app.ending(), farewell(&app, &matrix.root))
}

/// What the grid showed when the console closed, for the normal screen: the alternate one
/// goes away with everything on it.
fn farewell(app: &App, root: &std::path::Path) -> String {
    let statuses: Vec<_> = app.cells.iter().map(|c| c.status.clone()).collect();
    let mut out = summary::table(&app.plan, &statuses);
    out.push_str(&summary::green_line(&statuses));
    out.push('\n');
    let failures = summary::failures(&app.plan, &statuses, root);
    if !failures.is_empty() {
        out.push('\n');
        out.push_str(&failures);
    }
    out
}

fn send(commands: &mut Option<mpsc::UnboundedSender<Command>>, command: Command) {
    if let Some(tx) = commands {
        if tx.send(command).is_err() {
            tracing::warn!("the scheduler is gone; a command was dropped");
        }
    }
}

async fn ping_engine(tx: mpsc::UnboundedSender<Msg>) {
    loop {
        let result = engine::ping().await;
        if tx.send(Msg::Engine(result)).is_err() {
            return;
        }
        tokio::time::sleep(PING_EVERY).await;
    }
}

/// SIGTERM, SIGHUP and SIGINT (raw mode turns Ctrl-C into a key, but `kill -INT` still comes).
struct Signals(Vec<Signal>);

impl Signals {
    fn new() -> Signals {
        let kinds = [
            SignalKind::terminate(),
            SignalKind::hangup(),
            SignalKind::interrupt(),
        ];
        Signals(
            kinds
                .into_iter()
                .filter_map(|k| match signal(k) {
                    Ok(s) => Some(s),
                    Err(e) => {
                        tracing::warn!("cannot watch signal {k:?}: {e}");
                        None
                    }
                })
                .collect(),
        )
    }

    async fn next(&mut self) {
        if self.0.is_empty() {
            return std::future::pending().await;
        }
        let waits = self.0.iter_mut().map(|s| Box::pin(s.recv()));
        futures::future::select_all(waits).await;
    }
}
