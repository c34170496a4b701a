//! What is deleted because nothing needs it any more, on a timer: the shared limit counts no window
//! looks at (PostgreSQL's `rate_seconds` grew forever before), the name and mobile of identity
//! checks that expired unused, console sessions idle past their end, and — once a day — audit lines past the retention period. Each
//! round is one call, [`run_once`], which the tests call directly rather than wait for the timer.

use super::error::Result;
use super::{limits, Gateway};
use crate::model::CHECK_LIFETIME_SECS;
use std::time::Duration;

/// How often the worker runs a round.
pub const INTERVAL: Duration = Duration::from_secs(60);
/// How often the audit is purged.
pub const AUDIT_PURGE_EVERY_SECS: i64 = 24 * 3600;
const DAY_SECS: i64 = 24 * 3600;

/// What one round deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    /// Limit counts older than any window.
    pub rate_counts: u64,
    /// Identity checks that expired unused and had a name, mobile or SMS code erased.
    pub expired_checks: u64,
    /// Audit lines past the retention period.
    pub audit_lines: u64,
    /// Console sessions idle past their end.
    pub staff_sessions: u64,
}

/// One round at `now`; the audit too when `audit_retention_days` is given (0: kept for good).
pub async fn run_once(gw: &Gateway, now: i64, audit_retention_days: Option<u64>) -> Result<Swept> {
    let audit_lines = match audit_retention_days {
        Some(days) if days > 0 => {
            let days = i64::try_from(days).unwrap_or(i64::MAX);
            let before = now.saturating_sub(days.saturating_mul(DAY_SECS));
            gw.store.purge_audit(before).await?
        }
        _ => 0,
    };
    Ok(Swept {
        rate_counts: limits::purge(gw, now).await?,
        expired_checks: gw
            .store
            .erase_expired_checks(now - CHECK_LIFETIME_SECS)
            .await?,
        audit_lines,
        staff_sessions: super::staff::purge(gw, now).await?,
    })
}

/// The background worker: a round every `interval` until `shutdown`, the audit's purge in the
/// first round and then once a day.
pub fn spawn_worker(
    gw: std::sync::Arc<Gateway>,
    interval: Duration,
    audit_retention_days: u64,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut audit_purged: Option<i64> = None;
        loop {
            let now = gw.now();
            let audit_due = audit_purged.is_none_or(|at| now - at >= AUDIT_PURGE_EVERY_SECS);
            let retention = audit_due.then_some(audit_retention_days);
            match run_once(&gw, now, retention).await {
                Ok(swept) => {
                    if audit_due {
                        audit_purged = Some(now);
                    }
                    if swept != Swept::default() {
                        tracing::info!(
                            rate_counts = swept.rate_counts,
                            expired_checks = swept.expired_checks,
                            audit_lines = swept.audit_lines,
                            staff_sessions = swept.staff_sessions,
                            "housekeeping"
                        );
                    }
                }
                Err(e) => tracing::error!(error = %e, "housekeeping"),
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}
