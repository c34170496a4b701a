//! Fault injection: make the next N calls to HRD's endpoints misbehave, so the gateway's handling of
//! a failing HRD can be tested.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultMode {
    /// Hold the request without answering (for the configured hold time).
    Timeout,
    /// Answer HTTP 500 with an HTML error page.
    Http500,
    /// Answer HRD's internal-error codes.
    Ie001,
    Ce001,
    Ce002,
    Ce003,
    /// Answer HTTP 200 with a body that is not JSON.
    Garbage,
}

#[derive(Debug, Default)]
pub struct Faults(Mutex<Option<(FaultMode, u32)>>);

impl Faults {
    /// The next `count` calls fail with `mode`; `count` 0 clears.
    pub fn set(&self, mode: FaultMode, count: u32) {
        *self.0.lock().expect("faults lock") = (count > 0).then_some((mode, count));
    }

    /// The armed fault and how many calls it still applies to.
    pub fn peek(&self) -> Option<(FaultMode, u32)> {
        *self.0.lock().expect("faults lock")
    }

    /// Consumes one call of the armed fault, if any.
    pub fn take(&self) -> Option<FaultMode> {
        let mut slot = self.0.lock().expect("faults lock");
        let (mode, left) = (*slot)?;
        *slot = (left > 1).then_some((mode, left - 1));
        Some(mode)
    }
}
