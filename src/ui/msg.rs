//! What flows into `update` and what comes out of it.

use crossterm::event::{KeyEvent, MouseEvent};

use crate::docker::buildx::Facts;
use crate::docker::engine::EngineInfo;
use crate::scheduler::{Command, Event};

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    Resize(u16, u16),
    Scheduler(Event),
    /// The scheduler's event channel closed: its task is over.
    SchedulerClosed,
    Engine(Result<EngineInfo, String>),
    Builders(Facts),
    /// Spinners and clocks move on.
    Tick,
    /// SIGTERM or SIGHUP: cancel everything and leave.
    Terminate,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Send(Command),
    QueryBuilders,
    /// Stop sending commands and leave once the scheduler is done.
    Quit,
}
