//! What of a build context goes into an image, and its content hash: the `.dockerignore` rules
//! as buildx applies them (ignore, pattern), the walk that hashes what they leave in (hasher),
//! the stat cache that spares reading unchanged files (stat_cache), and how a front end
//! follows and stops it (watch).

mod hasher;
mod ignore;
mod pattern;
mod stat_cache;
mod watch;

#[cfg(test)]
mod tests;

pub use hasher::ContextHasher;
pub use ignore::{ignore_file, IgnoreError, IgnoreRules, Matched};
pub use watch::{hashed_words, Cancelled, HashStats, Progress, Watch};
