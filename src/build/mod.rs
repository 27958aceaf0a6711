//! Running the grid: which cells need building (prepare, from what buildx would send of each
//! build context: context), the ready queue over the cell DAG (scheduler), what each cell last
//! did (state), how long its green attempts took (history) and how long what is left will take
//! (eta), one buildx child per cell (runner), engines and registries that stop answering
//! (outage), one run per matrix at a time (lock), what a failed build says, cause first
//! (failure, read with buildkit_error), and how a run ended (summary).

pub mod buildkit_error;
pub mod context;
pub mod eta;
pub mod failure;
pub mod history;
mod json_writer;
pub mod load;
pub mod lock;
pub mod outage;
pub mod prepare;
pub mod runner;
pub mod scheduler;
pub mod state;
pub mod summary;
pub mod wait;
