//! Everything the console shows, in one value that `update` changes and `view` reads.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tui_logger::TuiWidgetState;

use super::export_state::{ExportState, TextInput};
use super::keymap::{Context, Keymap};
use super::log_ring::LogRing;
use super::log_view::LogView;
use super::publish_state::PublishState;
use super::row_filter::RowFilter;
use super::Ending;
use crate::build::eta::{Estimate, Finish};
use crate::build::failure::FailureSummary;
use crate::build::history::{AttemptSteps, History};
use crate::build::outage::Resource;
use crate::build::runner::StepSummary;
use crate::config::Notify;
use crate::doctor::Report;
use crate::model::{CellStatus, FailureClass, InfraCause, Platform};
use crate::plan::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Log,
    Failures,
    Builder,
    Console,
}

impl Pane {
    pub const ALL: [Pane; 4] = [Pane::Log, Pane::Failures, Pane::Builder, Pane::Console];

    pub fn index(self) -> usize {
        Pane::ALL.iter().position(|&p| p == self).unwrap_or(0)
    }

    pub fn next(self) -> Pane {
        Pane::ALL[(self.index() + 1) % Pane::ALL.len()]
    }

    pub fn prev(self) -> Pane {
        Pane::ALL[(self.index() + Pane::ALL.len() - 1) % Pane::ALL.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Log => "Log",
            Pane::Failures => "Failures",
            Pane::Builder => "Builder",
            Pane::Console => "Console",
        }
    }

    /// Contexts whose bindings apply while this pane is shown, before the global ones.
    pub fn contexts(self) -> &'static [Context] {
        match self {
            Pane::Log | Pane::Console => &[Context::Scroll],
            Pane::Failures => &[Context::Failures],
            Pane::Builder => &[Context::Builder, Context::Scroll],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    Quit,
    /// Building a green cell again throws away a possibly hour-long result.
    Rebuild {
        cell: usize,
        no_cache: bool,
    },
    /// The lists to create are in `App::publish.pending`.
    Publish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    Help,
    Confirm(Confirm),
    /// Asks for the export directory; the text is in `App::input`.
    ExportDir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Running,
    /// Everything was canceled; waiting for the scheduler to settle so no buildx is left.
    Canceling,
    /// Quit was sent; the loop ends when the scheduler's task is over.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineState {
    Checking,
    Up { version: String },
    Down { error: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub level: Level,
    pub text: String,
}

/// One failed attempt, as the failures pane lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub cell: usize,
    pub attempt: u32,
    pub class: Option<FailureClass>,
    /// What outside the build broke, which names the doctor check that looks at it.
    pub cause: Option<InfraCause>,
    /// The cause, first: `exit 3 in RUN make`, or the engine's own sentence.
    pub reason: String,
    /// The failure text read cause first: the failing step's last output, the Dockerfile
    /// excerpt BuildKit printed, the command; every line sanitized.
    pub summary: FailureSummary,
    /// A transient failure the scheduler retried.
    pub retried: bool,
    /// An outage ended it and the attempt did not count.
    pub given_back: bool,
    /// App clock when it was reported.
    pub at: Duration,
}

#[derive(Debug, Clone)]
pub struct CellView {
    /// As the scheduler reported it, with its texts sanitized.
    pub status: CellStatus,
    pub steps: StepSummary,
    /// App clock when the current attempt started.
    pub started: Option<Duration>,
    /// App clock when the next attempt is due.
    pub retry_at: Option<Duration>,
    pub log: LogRing,
    /// The step the last header in the log named, so a header is written once per change.
    pub last_header: Option<String>,
    /// The raw step name of the last log line while `last_header` is its sanitized form: a
    /// run of lines from one step has its name sanitized once, not once per line.
    pub last_step_raw: Option<String>,
    /// This attempt's steps and their times, for the estimate.
    pub attempt_steps: AttemptSteps,
    /// App clock when the current step (`steps.current`) became current.
    pub step_since: Option<Duration>,
    /// Each step's header line in the log, which gains the step's time when it ends.
    pub step_headers: HashMap<String, u64>,
    /// The last output line of each step of this attempt, sanitized.
    pub last_lines: HashMap<String, String>,
    /// What is left of the running attempt, as of the last tick.
    pub estimate: Option<Estimate>,
}

impl CellView {
    pub fn new(status: CellStatus) -> CellView {
        CellView {
            status,
            steps: StepSummary::default(),
            started: None,
            retry_at: None,
            log: LogRing::default(),
            last_header: None,
            last_step_raw: None,
            attempt_steps: AttemptSteps::default(),
            step_since: None,
            step_headers: HashMap::new(),
            last_lines: HashMap::new(),
            estimate: None,
        }
    }

    /// A new attempt starts with nothing done.
    pub fn start_attempt(&mut self, now: Duration) {
        self.started = Some(now);
        self.steps = StepSummary::default();
        self.last_header = None;
        self.last_step_raw = None;
        self.attempt_steps = AttemptSteps::default();
        self.step_since = None;
        self.step_headers.clear();
        self.last_lines.clear();
        self.estimate = None;
    }

    /// The last line the current step printed.
    pub fn current_line(&self) -> Option<&str> {
        let step = self.steps.current.as_ref()?;
        self.last_lines.get(step).map(String::as_str)
    }
}

pub struct App {
    pub plan: Arc<Plan>,
    pub cells: Vec<CellView>,
    /// `grid[row][col]`: the rows shown, `plan.components[grid_rows[row]]`; columns are
    /// `plan.platforms`; `None` where a component is not built for a platform.
    pub grid: Vec<Vec<Option<usize>>>,
    /// The component of each row shown.
    pub grid_rows: Vec<usize>,
    /// Every component's row, whether the filter shows it or not.
    pub full_grid: Vec<Vec<Option<usize>>>,
    pub filter: RowFilter,
    /// (row, column) of the selected slot.
    pub sel: (usize, usize),
    /// First visible (row, column) of the grid.
    pub scroll: (usize, usize),
    pub pane: Pane,
    pub popup: Option<Popup>,
    pub phase: Phase,
    pub paused: bool,
    pub interrupted: bool,
    pub scheduler_gone: bool,
    pub status: Option<StatusLine>,
    /// Newest first.
    pub failures: Vec<Failure>,
    pub failure_sel: usize,
    pub engine: EngineState,
    /// Engines and registries that stopped answering, with the grid clock when they were
    /// first seen not answering and their own words.
    pub outages: std::collections::BTreeMap<Resource, (Duration, String)>,
    /// The doctor already ran once by itself for an infra failure.
    pub infra_doctor_asked: bool,
    /// The doctor's checks and builder facts, sanitized; `None` until the first run answers.
    pub doctor: Option<Report>,
    pub doctor_running: bool,
    /// The checks were asked for while a run was under way: run them once more after it.
    pub doctor_again: bool,
    /// App clock when the doctor last answered.
    pub doctor_at: Duration,
    pub builder_scroll: u16,
    pub keymap: Keymap,
    /// Time since the console started. Views read this, never the wall clock, so a test can
    /// set it.
    pub now: Duration,
    /// Time the grid has spent with something running or waiting to run, up to `busy_since`.
    pub worked: Duration,
    /// App clock when the grid last became busy; `None` while it is settled.
    pub busy_since: Option<Duration>,
    /// Terminal size in columns and rows; `update` needs it to hit-test clicks and to page.
    pub size: (u16, u16),
    /// Number of the first log line shown; `None` follows the newest.
    pub log_top: Option<u64>,
    pub help_scroll: u16,
    pub logger: TuiWidgetState,
    /// Builds pass `--allow network.host`, so the builder's daemon must permit it.
    pub wants_network_host: bool,
    /// The builders the plan's cells name (`None`: the current builder).
    pub builder_names: Vec<Option<String>>,
    /// `[platforms."…"] builder` routes: each routed builder with the columns sent to it.
    pub routes: Vec<(String, Vec<Platform>)>,
    /// `[project] tags`: published beside the tag.
    pub extra_tags: Vec<String>,
    pub publish: PublishState,
    pub export: ExportState,
    /// The text field of an open input popup.
    pub input: Option<TextInput>,
    pub log_view: LogView,
    /// Green attempts of this and earlier runs; `None` where nothing is kept (tests).
    pub history: Option<Arc<History>>,
    /// The scheduler's limits, to lay out what is left.
    pub concurrency: usize,
    pub platform_limits: std::collections::BTreeMap<Platform, usize>,
    /// When the grid will be done, as of the last tick.
    pub finish: Option<Finish>,
    /// The wall clock when the console started: `now` after it is a time of day. Tests fix it.
    pub started_at: std::time::SystemTime,
    /// Where timestamps are read; tests fix it.
    pub tz: jiff::tz::TimeZone,
    /// `[console] notify`.
    pub notify: Notify,
    /// Cells whose failure was notified, with its cause: the same failure again is not news.
    pub notified: HashMap<usize, String>,
}

/// Failures kept for the failures pane; each one's full text is in state.json.
pub const MAX_FAILURES: usize = 500;

impl App {
    pub fn new(plan: Arc<Plan>, initial: Vec<CellStatus>, keymap: Keymap) -> App {
        let cells = plan
            .cells
            .iter()
            .map(|c| CellView::new(initial.get(c.index).cloned().unwrap_or(CellStatus::Queued)))
            .collect();
        let full_grid: Vec<Vec<Option<usize>>> = plan
            .components
            .iter()
            .map(|comp| {
                plan.platforms
                    .iter()
                    .map(|p| {
                        plan.cells
                            .iter()
                            .find(|c| &c.component == comp && &c.platform == p)
                            .map(|c| c.index)
                    })
                    .collect()
            })
            .collect();
        let wants_network_host = plan.cells.iter().any(|c| {
            c.argv
                .windows(2)
                .any(|w| w[0] == "--allow" && w[1] == "network.host")
        });
        let mut builder_names: Vec<Option<String>> = Vec::new();
        for cell in &plan.cells {
            if !builder_names.contains(&cell.builder) {
                builder_names.push(cell.builder.clone());
            }
        }
        App {
            plan,
            cells,
            grid: full_grid.clone(),
            grid_rows: (0..full_grid.len()).collect(),
            full_grid,
            filter: RowFilter::All,
            sel: (0, 0),
            scroll: (0, 0),
            pane: Pane::Log,
            popup: None,
            phase: Phase::Running,
            paused: false,
            interrupted: false,
            scheduler_gone: false,
            status: None,
            failures: Vec::new(),
            failure_sel: 0,
            engine: EngineState::Checking,
            outages: Default::default(),
            infra_doctor_asked: false,
            doctor: None,
            doctor_running: false,
            doctor_again: false,
            doctor_at: Duration::ZERO,
            builder_scroll: 0,
            keymap,
            now: Duration::ZERO,
            worked: Duration::ZERO,
            busy_since: Some(Duration::ZERO),
            size: (80, 24),
            log_top: None,
            help_scroll: 0,
            logger: TuiWidgetState::new(),
            wants_network_host,
            builder_names,
            routes: Vec::new(),
            extra_tags: Vec::new(),
            publish: PublishState::default(),
            export: ExportState::default(),
            input: None,
            log_view: LogView::default(),
            history: None,
            concurrency: 1,
            platform_limits: Default::default(),
            finish: None,
            started_at: std::time::SystemTime::now(),
            tz: jiff::tz::TimeZone::system(),
            notify: Notify::default(),
            notified: HashMap::new(),
        }
    }

    pub fn rows(&self) -> usize {
        self.grid.len()
    }

    /// The component shown in grid row `row`.
    pub fn row_component(&self, row: usize) -> &str {
        &self.plan.components[self.grid_rows[row]]
    }

    /// Shows the rows `filter` keeps, and the selected row whatever it holds: a row does not
    /// vanish from under the person reading it. The same component stays selected.
    pub fn refilter(&mut self) {
        let selected = self.grid_rows.get(self.sel.0).copied();
        self.show_rows_keeping(selected);
    }

    /// The rows `filter` keeps and `selected`'s row, with `selected` the selected row.
    fn show_rows_keeping(&mut self, selected: Option<usize>) {
        if self.filter == RowFilter::All && self.grid_rows.len() == self.full_grid.len() {
            self.sel.0 = selected.unwrap_or(self.sel.0);
            return;
        }
        let rows: Vec<usize> = (0..self.full_grid.len())
            .filter(|&r| {
                Some(r) == selected
                    || self.filter.keeps(
                        self.full_grid[r]
                            .iter()
                            .flatten()
                            .map(|&c| &self.cells[c].status),
                    )
            })
            .collect();
        if rows != self.grid_rows {
            self.grid = rows.iter().map(|&r| self.full_grid[r].clone()).collect();
            self.grid_rows = rows;
        }
        self.sel.0 = selected
            .and_then(|s| self.grid_rows.iter().position(|&r| r == s))
            .unwrap_or(0);
        self.scroll.0 = self.scroll.0.min(self.sel.0);
    }

    /// Selects `cell`, showing its row if the filter hid it.
    pub fn select_cell(&mut self, cell: usize) -> bool {
        let Some((row, col)) = self.full_grid.iter().enumerate().find_map(|(r, row)| {
            row.iter()
                .position(|&c| c == Some(cell))
                .map(|col| (r, col))
        }) else {
            return false;
        };
        self.sel.1 = col;
        self.show_rows_keeping(Some(row));
        true
    }

    pub fn cols(&self) -> usize {
        self.plan.platforms.len()
    }

    /// The selected cell; `None` on a slot no cell fills.
    pub fn selected(&self) -> Option<usize> {
        self.grid
            .get(self.sel.0)?
            .get(self.sel.1)
            .copied()
            .flatten()
    }

    pub fn status_of(&self, cell: usize) -> &CellStatus {
        &self.cells[cell].status
    }

    /// Cells running or about to: what quitting would interrupt.
    pub fn busy(&self) -> bool {
        self.cells.iter().any(|c| {
            c.status.is_active() || (!self.paused && matches!(c.status, CellStatus::Queued))
        })
    }

    /// Starts or stops the grid's clock as work comes and goes, so a settled grid shows how long
    /// its run took rather than how long the console has been open.
    pub fn note_busy(&mut self) {
        match (self.busy(), self.busy_since) {
            (true, None) => self.busy_since = Some(self.now),
            (false, Some(since)) => {
                self.worked += self.now.saturating_sub(since);
                self.busy_since = None;
            }
            _ => {}
        }
    }

    /// How long the grid has been building, in all.
    pub fn grid_clock(&self) -> Duration {
        self.worked
            + self
                .busy_since
                .map_or(Duration::ZERO, |s| self.now.saturating_sub(s))
    }

    /// Something on screen moves with time alone: a spinner, an elapsed time, a countdown.
    pub fn animating(&self) -> bool {
        self.phase == Phase::Canceling
            || !self.outages.is_empty()
            || self.cells.iter().any(|c| c.status.is_active())
    }

    pub fn green_count(&self) -> usize {
        self.cells.iter().filter(|c| c.status.is_green()).count()
    }

    pub fn selected_count(&self) -> usize {
        self.cells
            .iter()
            .filter(|c| !matches!(c.status, CellStatus::NotSelected))
            .count()
    }

    pub fn all_green(&self) -> bool {
        self.green_count() == self.selected_count()
    }

    /// A publish or an export is under way; quitting would stop it half done.
    pub fn task_running(&self) -> bool {
        self.publish.running || self.export.running
    }

    pub fn statuses(&self) -> Vec<CellStatus> {
        self.cells.iter().map(|c| c.status.clone()).collect()
    }

    /// Selected cells that are not green, in grid order.
    pub fn not_green(&self) -> Vec<usize> {
        self.grid
            .iter()
            .flatten()
            .flatten()
            .copied()
            .filter(|&i| {
                let s = &self.cells[i].status;
                !s.is_green() && !matches!(s, CellStatus::NotSelected)
            })
            .collect()
    }

    /// Every warning the last doctor report has about the builders in use.
    pub fn builder_warnings(&self) -> Vec<String> {
        match &self.doctor {
            Some(report) => {
                crate::doctor::findings::warnings(&self.plan, self.wants_network_host, report)
            }
            None => Vec::new(),
        }
    }

    pub fn ending(&self) -> Ending {
        if self.interrupted {
            Ending::Interrupted
        } else if self.all_green() {
            Ending::AllGreen
        } else {
            Ending::NotAllGreen
        }
    }

    /// Bindings consulted for a key press, most specific first.
    pub fn contexts(&self) -> Vec<Context> {
        match self.popup {
            Some(Popup::Help) => vec![Context::Help, Context::Global, Context::Scroll],
            Some(Popup::Confirm(_)) => vec![Context::Confirm],
            Some(Popup::ExportDir) => vec![Context::Input],
            None if self.log_view.typing.is_some() => vec![Context::Search],
            None => {
                let mut out = Vec::new();
                if self.pane == Pane::Log {
                    if !self.log_view.wrap {
                        out.push(Context::Sideways);
                    }
                    out.push(Context::Log);
                }
                out.extend(self.pane.contexts());
                out.push(Context::Global);
                out
            }
        }
    }

    pub fn say(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(StatusLine {
            level,
            text: text.into(),
        });
    }

    /// `app@linux/arm64`.
    pub fn cell_id(&self, cell: usize) -> String {
        self.plan.cells[cell].id()
    }
}
