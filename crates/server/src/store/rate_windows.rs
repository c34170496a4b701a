//! `rate_windows`: requests per key per clock minute, shared by every instance on PostgreSQL.

use super::{Store, StoreResult};

impl Store {
    /// Counts one request for `key` in clock minute `minute` and returns the count so far; one
    /// atomic statement, so concurrent instances never lose a count.
    pub(crate) async fn count_request(&self, key: &str, minute: i64) -> StoreResult<i64> {
        let (count,): (i64,) = sqlx::query_as(
            "INSERT INTO rate_windows (key, minute, count) VALUES ($1, $2, 1)
             ON CONFLICT (key, minute) DO UPDATE SET count = rate_windows.count + 1
             RETURNING count",
        )
        .bind(key)
        .bind(minute)
        .fetch_one(&self.writes)
        .await?;
        if count == 1 {
            // A new minute for this key: its old windows are of no use any more.
            sqlx::query("DELETE FROM rate_windows WHERE key = $1 AND minute < $2")
                .bind(key)
                .bind(minute)
                .execute(&self.writes)
                .await?;
        }
        Ok(count)
    }
}
