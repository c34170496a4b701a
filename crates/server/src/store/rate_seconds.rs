//! `rate_seconds`: requests per key per second, summed over a sliding minute by the limits; shared
//! by every instance on PostgreSQL.

use super::{Store, StoreResult};

impl Store {
    /// Counts one request for `key` at `second` and returns the key's counts after `since`
    /// (`(second, count)`, oldest first), this one included. The count is written before the sum
    /// is read, so concurrent instances can refuse one request too many, never admit one.
    pub(crate) async fn count_request(
        &self,
        key: &str,
        second: i64,
        since: i64,
    ) -> StoreResult<Vec<(i64, i64)>> {
        sqlx::query(
            "INSERT INTO rate_seconds (key, second, count) VALUES ($1, $2, 1)
             ON CONFLICT (key, second) DO UPDATE SET count = rate_seconds.count + 1",
        )
        .bind(key)
        .bind(second)
        .execute(&self.writes)
        .await?;
        self.requests_since(key, since).await
    }

    /// The counts of `key` after `since`, oldest first.
    pub(crate) async fn requests_since(
        &self,
        key: &str,
        since: i64,
    ) -> StoreResult<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT second, count FROM rate_seconds WHERE key = $1 AND second > $2 ORDER BY second",
        )
        .bind(key)
        .bind(since)
        .fetch_all(&self.writes)
        .await?)
    }

    /// Deletes every count at or before `until` (no limit looks that far back); how many.
    pub(crate) async fn purge_requests(&self, until: i64) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM rate_seconds WHERE second <= $1")
            .bind(until)
            .execute(&self.writes)
            .await?
            .rows_affected())
    }
}
