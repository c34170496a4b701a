//! Every door's limit, so the server answers 429 with Retry-After before anyone can flood a table,
//! HRD (which answers WE005 beyond its own) or a password:
//!
//! - every `/v1` request, by client address, before anything in it is parsed (IPv6 counted per
//!   /64: one host holds a whole /64);
//! - per trainee: code checks, identity check starts, resets, substitute completions and
//!   attestations, each against its own limit; and at most [`MAX_PENDING_CHECKS`] checks pending;
//! - failed HTTP Basic logins per tenant and address: beyond the limit even the right key waits;
//! - failed console logins per address and per login: beyond the limit even the right password
//!   waits.
//!
//! Counted over a sliding minute (requests per second, summed over the last 60 seconds): at most
//! the limit in any 60 seconds, never twice the limit across a clock minute's edge. One SQLite
//! instance counts in memory; instances sharing a PostgreSQL store count there (`rate_seconds`),
//! so a limit holds whichever instance is asked, and [`purge`] deletes what no limit looks at.

use super::error::{Error, Result};
use super::trainee::Trainee;
use super::Gateway;
use crate::model::CHECK_LIFETIME_SECS;
use crate::store::Engine;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

/// The sliding window every limit counts over.
pub const WINDOW_SECS: i64 = 60;
/// Identity check starts, resets, substitute completions and attestations per trainee per minute:
/// a person needs one or two; a script needs thousands.
pub const IDENTITY_PER_TRAINEE_PER_MINUTE: u32 = 5;
/// Checks a trainee may have pending at once (each is a row, and a popup nobody finished).
pub const MAX_PENDING_CHECKS: usize = 3;
/// Failed logins per minute: HTTP Basic per tenant and address; the console's per address and per
/// login.
pub const FAILED_LOGINS_PER_MINUTE: u32 = 10;

/// What is counted: each door with its own key and limit.
#[derive(Debug, Clone, Copy)]
pub enum Door<'a> {
    /// Any `/v1` request from this address.
    Address(IpAddr),
    /// A code sent to HRD for this trainee.
    CodeCheck(&'a Trainee),
    /// An identity check started by this trainee.
    IdentityStart(&'a Trainee),
    /// A lock reset asked for by this trainee.
    LockReset(&'a Trainee),
    /// A substitute check completed by this trainee.
    Substitute(&'a Trainee),
    /// An attestation posted for this tenant's trainee (USRID).
    Attestation { tenant: &'a str, usrid: &'a str },
    /// A wrong HTTP Basic login naming this tenant, from this address.
    FailedLogin { tenant: &'a str, ip: IpAddr },
    /// A wrong console login from this address.
    ConsoleAddress(IpAddr),
    /// A wrong console login naming this login.
    ConsoleLogin { login: &'a str },
}

/// The part of an address that is one client's: IPv4 as it is, IPv6 by its /64.
fn network(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

impl Door<'_> {
    fn key(&self) -> String {
        let trainee = |door: &str, t: &Trainee| format!("{door}\t{}\t{}", t.tenant.id, t.usrid);
        match self {
            Door::Address(ip) => format!("ip\t{}", network(*ip)),
            Door::CodeCheck(t) => trainee("t", t),
            Door::IdentityStart(t) => trainee("start", t),
            Door::LockReset(t) => trainee("reset", t),
            Door::Substitute(t) => trainee("substitute", t),
            Door::Attestation { tenant, usrid } => format!("attest\t{tenant}\t{usrid}"),
            Door::FailedLogin { tenant, ip } => format!("basic\t{tenant}\t{}", network(*ip)),
            Door::ConsoleAddress(ip) => format!("console\t{}", network(*ip)),
            Door::ConsoleLogin { login } => format!("console-login\t{login}"),
        }
    }

    fn limit(&self, limits: &Limits) -> u32 {
        match self {
            Door::Address(_) => limits.per_ip_per_minute,
            Door::CodeCheck(_) => limits.per_trainee_per_minute,
            Door::IdentityStart(_)
            | Door::LockReset(_)
            | Door::Substitute(_)
            | Door::Attestation { .. } => IDENTITY_PER_TRAINEE_PER_MINUTE,
            Door::FailedLogin { .. } | Door::ConsoleAddress(_) | Door::ConsoleLogin { .. } => {
                FAILED_LOGINS_PER_MINUTE
            }
        }
    }
}

/// The configured limits, and the in-memory counts of a SQLite instance.
pub struct Limits {
    pub per_trainee_per_minute: u32,
    pub per_ip_per_minute: u32,
    counts: SlidingCounts,
}

impl Limits {
    pub fn new(per_trainee_per_minute: u32, per_ip_per_minute: u32) -> Limits {
        Limits {
            per_trainee_per_minute,
            per_ip_per_minute,
            counts: SlidingCounts::default(),
        }
    }
}

/// Counts one request at `door`: `Err(Error::RateLimited)` with the seconds to wait when it is
/// one too many. Refused requests count too: hammering keeps the door shut.
pub async fn admit(gw: &Gateway, door: Door<'_>, now: i64) -> Result<()> {
    let counts = counts(gw, &door, now, true).await?;
    judge(&counts, now, door.limit(&gw.limits), 0)
}

/// Whether one more request at `door` would be admitted, without counting it (failed logins are
/// counted only when they fail).
pub async fn check(gw: &Gateway, door: Door<'_>, now: i64) -> Result<()> {
    let counts = counts(gw, &door, now, false).await?;
    judge(&counts, now, door.limit(&gw.limits), 1)
}

/// The trainee may start another identity check: under [`MAX_PENDING_CHECKS`] pending, else
/// `RateLimited` until the oldest pending one expires.
pub async fn admit_pending_check(gw: &Gateway, trainee: &Trainee, now: i64) -> Result<()> {
    let (tenant, usrid) = trainee.key();
    let since = now - CHECK_LIFETIME_SECS;
    let pending = gw
        .store
        .pending_identity_checks(tenant, usrid, since)
        .await?;
    if pending.len() < MAX_PENDING_CHECKS {
        return Ok(());
    }
    let oldest = pending[pending.len() - MAX_PENDING_CHECKS];
    Err(Error::RateLimited {
        retry_after: u64::try_from(oldest - since).unwrap_or(1).max(1),
    })
}

/// Deletes the shared counts no limit looks at any more (PostgreSQL; memory prunes itself).
pub async fn purge(gw: &Gateway, now: i64) -> Result<u64> {
    match gw.store.engine {
        Engine::Sqlite => Ok(0),
        Engine::Postgres => Ok(gw.store.purge_requests(now - WINDOW_SECS).await?),
    }
}

/// `door`'s counts in the window ending `now`, oldest first, after counting one if `count`.
async fn counts(gw: &Gateway, door: &Door<'_>, now: i64, count: bool) -> Result<Vec<(i64, i64)>> {
    let key = door.key();
    let since = now - WINDOW_SECS;
    Ok(match (gw.store.engine, count) {
        (Engine::Sqlite, _) => gw.limits.counts.count(&key, now, count),
        (Engine::Postgres, true) => gw.store.count_request(&key, now, since).await?,
        (Engine::Postgres, false) => gw.store.requests_since(&key, since).await?,
    })
}

/// Whether `counts` (the window's, oldest first) plus `extra` stay within `limit`; if not, the
/// seconds until enough of them have left the window for one more request.
fn judge(counts: &[(i64, i64)], now: i64, limit: u32, extra: i64) -> Result<()> {
    let limit = i64::from(limit);
    let mut total: i64 = counts.iter().map(|(_, n)| n).sum::<i64>() + extra;
    if total <= limit {
        return Ok(());
    }
    // Requests leave the window oldest first; one more fits once `total - left + 1 <= limit`.
    total -= extra;
    for (second, n) in counts {
        total -= n;
        if total < limit {
            let wait = second + WINDOW_SECS - now;
            return Err(Error::RateLimited {
                retry_after: u64::try_from(wait).unwrap_or(1).max(1),
            });
        }
    }
    Err(Error::RateLimited {
        retry_after: WINDOW_SECS as u64,
    })
}

/// A SQLite instance's counts: per key, requests per second over the last minute.
#[derive(Default)]
struct SlidingCounts {
    inner: Mutex<Windows>,
}

#[derive(Default)]
struct Windows {
    /// When keys with nothing in their window were last forgotten.
    swept: i64,
    /// Per key, `(second, requests)` within the window, oldest first.
    by_key: HashMap<String, VecDeque<(i64, i64)>>,
}

impl SlidingCounts {
    /// Counts one (if `count`) for `key` at `now` and returns its window, oldest first.
    fn count(&self, key: &str, now: i64, count: bool) -> Vec<(i64, i64)> {
        let since = now - WINDOW_SECS;
        let mut guard = self.inner.lock().expect("limits lock");
        let Windows { swept, by_key: map } = &mut *guard;
        // Once a window: forget keys with nothing left in it, so memory follows the traffic.
        if now - *swept >= WINDOW_SECS {
            map.retain(|_, q| q.back().is_some_and(|(s, _)| *s > since));
            *swept = now;
        }
        let q = map.entry(key.to_string()).or_default();
        while q.front().is_some_and(|(s, _)| *s <= since) {
            q.pop_front();
        }
        if count {
            match q.back_mut() {
                Some((s, n)) if *s == now => *n += 1,
                _ => q.push_back((now, 1)),
            }
        }
        q.iter().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(r: Result<()>) -> Option<u64> {
        match r {
            Ok(()) => None,
            Err(Error::RateLimited { retry_after }) => Some(retry_after),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn at_most_the_limit_in_any_minute_even_across_a_minute_edge() {
        let c = SlidingCounts::default();
        let hit = |now| retry(judge(&c.count("a", now, true), now, 3, 0));
        // Three at the end of one clock minute…
        assert_eq!([hit(118), hit(119), hit(119)], [None, None, None]);
        // …and the next minute starts: a fixed window let three more through here.
        assert_eq!(
            hit(120),
            Some(59),
            "refused ones count: two must leave, at 179"
        );
        assert_eq!(hit(150), Some(29));
        // Refused requests count: a minute after the last of them, all have left.
        assert_eq!(hit(211), None);
        assert_eq!(hit(212), None);
    }

    #[test]
    fn keys_are_counted_apart_and_forgotten_when_quiet() {
        let c = SlidingCounts::default();
        assert_eq!(c.count("a", 100, true).len(), 1);
        assert_eq!(c.count("b", 100, true), vec![(100, 1)]);
        assert_eq!(c.count("a", 100, true), vec![(100, 2)]);
        assert_eq!(c.count("a", 200, false), vec![]);
        assert!(!c.inner.lock().unwrap().by_key.contains_key("b"), "swept");
    }

    #[test]
    fn a_check_does_not_count() {
        assert_eq!(retry(judge(&[(100, 2)], 110, 3, 1)), None);
        assert_eq!(retry(judge(&[(100, 3)], 110, 3, 1)), Some(50));
    }

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(network(a), network(b));
        assert_ne!(network(a), network(c));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(network(mapped), "203.0.113.7");
    }
}
