//! archgrid: builds every component of a project for every platform with `docker buildx`, one
//! child process per cell, and publishes multi-arch manifest lists.
//!
//! The modules, bottom-up; each uses only those listed before it.

/// `Plan` → an equivalent docker-bake JSON file; pure.
pub mod bake_file;
/// Prepare, scheduler, state and the per-cell buildx runner.
pub mod build;
/// clap, dispatch, exit codes and the headless commands.
pub mod cli;
/// `matrix.toml` → `Matrix`, validated with file:line:column; BuildKit's entitlement rules.
pub mod config;
/// The terminal front end; the only module that draws, reads keys or owns the terminal.
pub mod console;
/// Every short-lived docker/buildx child and the Engine API: facts, builders, routes.
pub mod docker;
/// Dockerfile → the images one build of it reads: FROM, `COPY --from`, `RUN --mount=from=`.
pub mod dockerfile;
/// Checks of the engine, buildx, bridge, emulation, registry, disk and builder, with what to do;
/// probe builds prove what inspection can only suggest.
pub mod doctor;
/// `import` and `init`: a matrix.toml proposed from compose and bake files or Dockerfiles.
pub mod import;
/// Platforms, cell statuses, outcomes, failure classes and text helpers; no I/O.
pub mod model;
/// `Matrix` plus facts about the host → cells with their exact argv; pure.
pub mod plan;
/// Manifest lists, verification and export of green cells.
pub mod publish;
/// JUnit XML and JSON reports of a run, for CI.
pub mod report;

#[cfg(test)]
mod samples;
