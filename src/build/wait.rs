//! Waiting for a moment that may not come: a `select!` arm with no deadline never fires.

use tokio::time::Instant;

pub async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
