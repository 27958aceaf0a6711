//! Running the grid: which cells need building (prepare), the ready queue over the cell DAG
//! (scheduler), what each cell last did (state), and one buildx child per cell (runner); one
//! run per matrix at a time (lock).

pub mod lock;
pub mod prepare;
pub mod runner;
pub mod scheduler;
pub mod state;
pub mod wait;
