//! Running the grid: which cells need building (prepare), the ready queue over the cell DAG
//! (scheduler), what each cell last did (state), how long its green attempts took (history)
//! and how long what is left will take (eta), one buildx child per cell (runner), engines and
//! registries that stop answering (outage), and one run per matrix at a time (lock).

pub mod eta;
pub mod history;
mod json_writer;
pub mod lock;
pub mod outage;
pub mod prepare;
pub mod runner;
pub mod scheduler;
pub mod state;
pub mod summary;
pub mod wait;
