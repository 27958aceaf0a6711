//! archgrid: builds every component of a project for every platform with `docker buildx`, one
//! child process per cell, and publishes multi-arch manifest lists.
//!
//! The core (config, plan, engine, scheduler, docker, state) knows nothing of terminals; the
//! console (`ui`) and the headless reporter are two front ends on the same scheduler.

pub mod cli;
pub mod cli_builder;
pub mod cli_doctor;
pub mod config;
pub mod docker;
pub mod doctor;
pub mod engine;
pub mod headless;
pub mod headless_publish;
pub mod plan;
pub mod platform;
pub mod prepare;
pub mod publish;
#[cfg(test)]
mod samples;
pub mod sanitize;
pub mod scheduler;
pub mod state;
pub mod ui;
