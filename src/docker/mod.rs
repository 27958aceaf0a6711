//! Facts from the Docker engine and buildx.

pub mod base_images;
pub mod builder;
pub mod builder_facts;
pub mod buildx;
pub mod cache_export;
pub mod command;
pub mod container;
pub mod contexts;
pub mod drift;
pub mod engine;
pub mod entitlement;
pub mod host;
pub mod preflight;
pub mod registry_probe;
pub mod routes;
