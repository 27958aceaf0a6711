//! Facts from the Docker engine and buildx.

pub mod engine;
