//! What flows into `update` and what comes out of it.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::build::scheduler::{Command, Event};
use crate::docker::engine::EngineInfo;
use crate::doctor::Report;
use crate::publish::create::{ListPlan, PublishProgress};
use crate::publish::export::{ExportPlan, ExportProgress, ExportReport};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Scheduler(Event),
    /// The scheduler's event channel closed: its task is over.
    SchedulerClosed,
    Engine(Result<EngineInfo, String>),
    /// The doctor's checks and what it found out about each builder in use.
    Doctor(Report),
    Publish(PublishProgress),
    /// The publish task is over; `Some` when it ended without finishing every list.
    PublishEnded(Option<String>),
    Export(ExportProgress),
    /// The export task is over: its report, or why it ended without one.
    ExportEnded(Result<ExportReport, String>),
    /// Spinners and clocks move on.
    Tick,
    /// SIGTERM or SIGHUP: cancel everything and leave.
    Terminate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(Command),
    RunDoctor,
    /// Create these manifest lists and verify them, reporting progress as `Msg::Publish`.
    Publish(Vec<ListPlan>),
    /// Write these tarballs, reporting progress as `Msg::Export`.
    Export(ExportPlan),
    /// Ring the bell and ask the terminal for a desktop notification.
    Notify(Notice),
    /// Stop sending commands and leave once the scheduler is done.
    Quit,
}

/// A desktop notification; both texts are already sanitized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}
