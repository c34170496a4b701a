//! What is deleted because nothing needs it any more, on a timer: the shared limit counts no window
//! looks at (PostgreSQL's `rate_seconds` grew forever before). Each round is one call, [`run_once`],
//! which the tests call directly rather than wait for the timer.

use super::error::Result;
use super::{limits, Gateway};
use std::time::Duration;

/// How often the worker runs a round.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// What one round deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Limit counts older than any window.
    pub rate_counts: u64,
}

/// One round at `now`.
pub async fn run_once(gw: &Gateway, now: i64) -> Result<Swept> {
    Ok(Swept {
        rate_counts: limits::purge(gw, now).await?,
    })
}

/// The background worker: a round every `interval` until `shutdown`.
pub fn spawn_worker(
    gw: std::sync::Arc<Gateway>,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match run_once(&gw, gw.now()).await {
                Ok(swept) if swept != Swept::default() => {
                    tracing::info!(rate_counts = swept.rate_counts, "housekeeping");
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "housekeeping"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}
