//! Per-trainee and per-IP request limits, counted per clock minute, so the server answers 429 with
//! Retry-After before HRD would answer WE005. One SQLite instance counts in memory; instances
//! sharing a PostgreSQL store count there, so the limit holds whichever instance is asked.

use crate::error::AppError;
use crate::store::Engine;
use crate::AppState;
use std::collections::HashMap;
use std::sync::Mutex;

/// Counts one request for `key`; `Ok(Err(seconds))` until the next minute when over `limit`.
pub async fn check(
    state: &AppState,
    key: &str,
    limit: u32,
    now: i64,
) -> Result<Result<(), u64>, AppError> {
    let retry_after = (60 - now.rem_euclid(60)) as u64;
    match state.store.engine {
        Engine::Sqlite => Ok(state.limits.check(key, limit, now)),
        Engine::Postgres => {
            let count = state.store.count_request(key, now.div_euclid(60)).await?;
            Ok(if count > i64::from(limit) {
                Err(retry_after)
            } else {
                Ok(())
            })
        }
    }
}

#[derive(Default)]
pub struct RateLimiter {
    window: Mutex<(i64, HashMap<String, u32>)>,
}

impl RateLimiter {
    /// Counts one request for `key`; `Err(seconds)` until the next minute when over `limit`.
    pub fn check(&self, key: &str, limit: u32, now: i64) -> Result<(), u64> {
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
