//! Per-trainee and per-IP request limits, counted per clock minute, so the server answers 429 with
//! Retry-After before HRD would answer WE005. One SQLite instance counts in memory; instances
//! sharing a PostgreSQL store count there, so the limit holds whichever instance is asked.

use super::error::Result;
use super::trainee::Trainee;
use super::Gateway;
use crate::store::Engine;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// The configured limits, and the in-memory counts of a SQLite instance.
pub struct Limits {
    pub per_trainee_per_minute: u32,
    pub per_ip_per_minute: u32,
    window: RateLimiter,
}

impl Limits {
    pub fn new(per_trainee_per_minute: u32, per_ip_per_minute: u32) -> Limits {
        Limits {
            per_trainee_per_minute,
            per_ip_per_minute,
            window: RateLimiter::default(),
        }
    }
}

/// Counts one code check for the trainee and for the client's address; `Ok(Err(seconds))` to wait
/// when either is over its limit.
pub async fn admit_code_check(
    gw: &Gateway,
    trainee: &Trainee,
    ip: IpAddr,
    now: i64,
) -> Result<std::result::Result<(), u64>> {
    let (tenant, usrid) = trainee.key();
    let limits = &gw.limits;
    let trainee_key = format!("t\t{tenant}\t{usrid}");
    let by_trainee = check(gw, &trainee_key, limits.per_trainee_per_minute, now).await?;
    if by_trainee.is_err() {
        return Ok(by_trainee);
    }
    check(gw, &format!("ip\t{ip}"), limits.per_ip_per_minute, now).await
}

/// Counts one request for `key`; `Ok(Err(seconds))` until the next minute when over `limit`.
async fn check(
    gw: &Gateway,
    key: &str,
    limit: u32,
    now: i64,
) -> Result<std::result::Result<(), u64>> {
    let retry_after = (60 - now.rem_euclid(60)) as u64;
    match gw.store.engine {
        Engine::Sqlite => Ok(gw.limits.window.check(key, limit, now)),
        Engine::Postgres => {
            let count = gw.store.count_request(key, now.div_euclid(60)).await?;
            Ok(if count > i64::from(limit) {
                Err(retry_after)
            } else {
                Ok(())
            })
        }
    }
}

#[derive(Default)]
struct RateLimiter {
    window: Mutex<(i64, HashMap<String, u32>)>,
}

impl RateLimiter {
    /// Counts one request for `key`; `Err(seconds)` until the next minute when over `limit`.
    fn check(&self, key: &str, limit: u32, now: i64) -> Result<(), u64> {
        let minute = now.div_euclid(60);
        let mut w = self.window.lock().expect("rate lock");
        if w.0 != minute {
            *w = (minute, HashMap::new());
        }
        let n = w.1.entry(key.to_string()).or_insert(0);
        *n += 1;
        if *n > limit {
            Err((60 - now.rem_euclid(60)) as u64)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_per_key_per_minute() {
        let r = RateLimiter::default();
        assert!(r.check("a", 2, 120).is_ok());
        assert!(r.check("a", 2, 130).is_ok());
        assert_eq!(r.check("a", 2, 135), Err(45));
        assert!(r.check("b", 2, 135).is_ok());
        assert!(r.check("a", 2, 180).is_ok(), "a new minute starts afresh");
    }
}
