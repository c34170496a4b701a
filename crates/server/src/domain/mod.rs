//! The gateway's decisions, with no HTTP in sight: each use case is a function of a [`Gateway`]
//! and what the request carried, and returns a typed outcome (or an [`Error`]) for the HTTP layer
//! to answer with. Each use case writes in one store transaction.
//!
//! - [`jwt`]: launch tokens, receipts and attestations; [`trainee`]: who a request is about;
//! - [`code_check`]: the 6-digit code, decided by HRD's answer alone;
//! - [`identity`]: the phone identity check (providers, start, status, results); [`nice`]: NICE
//!   본인확인 run by the gateway itself;
//! - [`lock_reset`]: lifting a lock with a check; [`substitute`]: a check standing in for the code;
//! - [`receipts`]: an LMS redeeming a receipt; [`receipt_keys`]: the keys that sign receipts;
//! - [`outbox`]: sending what HRD must receive;
//! - [`audit`]: the institution's export; [`limits`]: every door's limit (address, trainee, login);
//! - [`housekeeping`]: deleting on a timer what nothing needs any more; [`ready`]: whether this
//!   instance can take code checks;
//! - the help desk's console: [`staff`] (accounts, sign-in, sessions), [`help_desk`] (a trainee's
//!   page, today), built on [`timeline`] (what happened to a trainee) and [`advice`] (what to tell
//!   them, by the FAQ's rules).

pub mod advice;
pub mod audit;
pub mod code_check;
pub mod error;
pub mod help_desk;
pub mod housekeeping;
pub mod identity;
pub mod jwt;
pub mod limits;
pub mod lock_reset;
pub mod nice;
pub mod outbox;
pub mod receipt_keys;
pub mod receipts;
pub mod staff;
pub mod substitute;
pub mod timeline;
pub mod trainee;

pub use error::{Error, Result};

use crate::store::Store;
use crate::tenant::Tenants;
use crate::upstream::emon::EmonClient;
use crate::upstream::hrd::HrdClient;
use crate::upstream::nice::NiceClient;
use motp_protocol::clock::SharedClock;

/// Everything a use case may touch: the tenants, the store, HRD and e-mon, the clock and the
/// limits. Built once at start-up; shared by every request.
pub struct Gateway {
    pub tenants: Tenants,
    pub store: Store,
    pub hrd: HrdClient,
    pub emon: EmonClient,
    /// NICE's token endpoints, for tenants with their own NICE contract.
    pub nice: NiceClient,
    pub clock: SharedClock,
    pub limits: limits::Limits,
    /// Wakes the outbox worker when something is queued.
    pub outbox_wakeup: tokio::sync::Notify,
    /// The receipt-signing keys this instance has loaded.
    pub receipt_keys: receipt_keys::ReceiptKeys,
}

impl Gateway {
    pub fn now(&self) -> i64 {
        self.clock.now_unix()
    }
}

/// Whether this instance can take code checks: the database answers and, on SQLite, the code
/// check's writer thread runs (if it stopped, on a panic, every check would fail: not ready, so the
/// load balancer or the supervisor takes the instance out). Answers the outbox's depth and its
/// oldest item's age, for the operations listener.
pub async fn ready(gw: &Gateway) -> Result<(i64, Option<i64>)> {
    if gw.store.writer_stopped() {
        tracing::error!("the SQLite writer thread has stopped: no code check can be recorded until the server restarts");
        return Err(Error::Internal(
            "the SQLite writer thread has stopped".into(),
        ));
    }
    outbox::depth(gw).await
}
