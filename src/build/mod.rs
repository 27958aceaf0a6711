//! Running the grid: which cells need building (prepare), the ready queue over the cell DAG
//! (scheduler), what each cell last did (state), one buildx child per cell (runner), engines
//! and registries that stop answering (outage), one run per matrix at a time (lock), and what
//! a failed build says, cause first (failure, read with buildkit_error).

pub mod buildkit_error;
pub mod failure;
pub mod lock;
pub mod outage;
pub mod prepare;
pub mod runner;
pub mod scheduler;
pub mod state;
pub mod wait;
