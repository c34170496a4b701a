//! `attempts`: each trainee's consecutive wrong codes and lock, mirrored from HRD's answers, and
//! when HRD last failed to answer them.

use super::{AnyQuery, Store, StoreResult, StoreTx};
use crate::model::{AttemptChange, AttemptState};
use motp_protocol::MAX_FAILURES;
use rusqlite::OptionalExtension;

// The writes, shared by the sqlx transactions and SQLite's writer thread (`writer.rs`): their
// parameters are numbered in the order they first appear, which both bind by.
const RECORD_FAILURE: &str = "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at) VALUES ($1, $2, 1, 0, $3)
    ON CONFLICT (tenant, usrid) DO UPDATE SET failures = attempts.failures + 1, updated_at = excluded.updated_at
    RETURNING failures, locked";
const RECORD_HRD_DOWN: &str = "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at, hrd_down_at) VALUES ($1, $2, 0, 0, $3, $4)
    ON CONFLICT (tenant, usrid) DO UPDATE SET hrd_down_at = excluded.hrd_down_at, updated_at = excluded.updated_at";
const RECORD_LOCK: &str = "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at) VALUES ($1, $2, $3, 1, $4)
    ON CONFLICT (tenant, usrid) DO UPDATE SET failures = CASE WHEN attempts.failures > excluded.failures THEN attempts.failures ELSE excluded.failures END, locked = 1, updated_at = excluded.updated_at";
// HRD accepted a code: the count starts again and the code's fingerprint is remembered, in one
// write (one statement may change a row once: see `Store::record_check` on PostgreSQL).
const RECORD_PASSED: &str = "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at, last_code, last_code_at) VALUES ($1, $2, 0, 0, $3, $4, $5)
    ON CONFLICT (tenant, usrid) DO UPDATE SET failures = 0, locked = 0, last_code = excluded.last_code, last_code_at = excluded.last_code_at, updated_at = excluded.updated_at";
const CLEAR_ATTEMPTS: &str = "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at) VALUES ($1, $2, 0, 0, $3)
    ON CONFLICT (tenant, usrid) DO UPDATE SET failures = 0, locked = 0, updated_at = excluded.updated_at";

// The code check's reads, shared by the in-place reads and the pool.
const ATTEMPTS: &str = "SELECT failures, locked FROM attempts WHERE tenant = $1 AND usrid = $2";
const LAST_ACCEPTED_CODE: &str =
    "SELECT last_code, last_code_at FROM attempts WHERE tenant = $1 AND usrid = $2";

pub(super) fn attempt_state((failures, locked): (i64, i64)) -> AttemptState {
    AttemptState {
        failures: failures as u32,
        locked: locked != 0,
    }
}

impl Store {
    /// Whether the gateway has a record of this trainee at all (a code checked, a lock).
    pub(crate) async fn attempts_known(&self, tenant: &str, usrid: &str) -> StoreResult<bool> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT failures FROM attempts WHERE tenant = $1 AND usrid = $2")
                .bind(tenant)
                .bind(usrid)
                .fetch_optional(&self.reads)
                .await?;
        Ok(row.is_some())
    }

    /// `tenant`'s trainees locked now, with when their record last changed, by USRID.
    pub(crate) async fn locked_trainees(&self, tenant: &str) -> StoreResult<Vec<(String, i64)>> {
        Ok(sqlx::query_as(
            "SELECT usrid, updated_at FROM attempts WHERE tenant = $1 AND locked = 1 ORDER BY usrid",
        )
        .bind(tenant)
        .fetch_all(&self.reads)
        .await?)
    }

    pub(crate) async fn attempts(&self, tenant: &str, usrid: &str) -> StoreResult<AttemptState> {
        let row: Option<(i64, i64)> = self.trainee_row(ATTEMPTS, tenant, usrid).await?;
        Ok(row.map(attempt_state).unwrap_or_default())
    }

    /// The fingerprint of the code HRD last accepted for this trainee, and when, if any.
    pub(crate) async fn last_accepted_code(
        &self,
        tenant: &str,
        usrid: &str,
    ) -> StoreResult<Option<(String, i64)>> {
        let row: Option<(Option<String>, Option<i64>)> =
            self.trainee_row(LAST_ACCEPTED_CODE, tenant, usrid).await?;
        Ok(row.and_then(|(code, at)| Some((code?, at?))))
    }

    /// Two columns of the trainee's row, by `sql` (bound to tenant and USRID): read in place on
    /// SQLite when it answers at once, else from the pool.
    async fn trainee_row<A, B>(
        &self,
        sql: &'static str,
        tenant: &str,
        usrid: &str,
    ) -> StoreResult<Option<(A, B)>>
    where
        A: rusqlite::types::FromSql + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
        A: Send + Unpin,
        B: rusqlite::types::FromSql + for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
        B: Send + Unpin,
    {
        let in_place = self.in_place.as_ref().and_then(|reads| {
            reads.read(|conn| {
                conn.prepare_cached(sql)?
                    .query_row(rusqlite::params![tenant, usrid], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })
                    .optional()
            })
        });
        match in_place {
            Some(row) => Ok(row),
            None => Ok(sqlx::query_as(sql)
                .bind(tenant)
                .bind(usrid)
                .fetch_optional(&self.reads)
                .await?),
        }
    }

    /// When HRD last failed this trainee, if ever.
    pub(crate) async fn hrd_down_at(&self, tenant: &str, usrid: &str) -> StoreResult<Option<i64>> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT hrd_down_at FROM attempts WHERE tenant = $1 AND usrid = $2")
                .bind(tenant)
                .bind(usrid)
                .fetch_optional(&self.reads)
                .await?;
        Ok(row.and_then(|r| r.0))
    }
}

impl StoreTx {
    /// HRD accepted a code, or a reset lifted the lock: the count starts again.
    pub(crate) async fn clear_attempts(
        &mut self,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(CLEAR_ATTEMPTS)
            .bind(tenant)
            .bind(usrid)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// A code check's change to `attempts`, on SQLite's writer thread: the count after it for a
/// failure.
pub(super) fn apply_change(
    conn: &rusqlite::Connection,
    tenant: &str,
    usrid: &str,
    now: i64,
    change: &AttemptChange,
) -> rusqlite::Result<Option<AttemptState>> {
    match change {
        AttemptChange::Unchanged => Ok(None),
        AttemptChange::Failure => conn
            .prepare_cached(RECORD_FAILURE)?
            .query_row(rusqlite::params![tenant, usrid, now], |r| {
                Ok(Some(attempt_state((r.get(0)?, r.get(1)?))))
            }),
        AttemptChange::Passed { fingerprint, .. } => {
            conn.prepare_cached(RECORD_PASSED)?
                .execute(rusqlite::params![tenant, usrid, now, fingerprint, now])?;
            Ok(None)
        }
        AttemptChange::Locked => {
            conn.prepare_cached(RECORD_LOCK)?
                .execute(rusqlite::params![tenant, usrid, MAX_FAILURES as i64, now])?;
            Ok(None)
        }
        AttemptChange::HrdDown => {
            conn.prepare_cached(RECORD_HRD_DOWN)?
                .execute(rusqlite::params![tenant, usrid, now, now])?;
            Ok(None)
        }
    }
}

/// A code check's change to `attempts` as the last write of its one statement on PostgreSQL
/// (`Store::record_check`), or `None` for no change.
pub(super) fn change_sql(change: &AttemptChange) -> Option<&'static str> {
    match change {
        AttemptChange::Unchanged => None,
        AttemptChange::Failure => Some(RECORD_FAILURE),
        AttemptChange::Passed { .. } => Some(RECORD_PASSED),
        AttemptChange::Locked => Some(RECORD_LOCK),
        AttemptChange::HrdDown => Some(RECORD_HRD_DOWN),
    }
}

/// [`change_sql`]'s parameters, bound onto `q` in its order (the writer thread's, above).
pub(super) fn bind_change<'q>(
    q: AnyQuery<'q>,
    tenant: &'q str,
    usrid: &'q str,
    now: i64,
    change: &'q AttemptChange,
) -> AnyQuery<'q> {
    match change {
        AttemptChange::Unchanged => q,
        AttemptChange::Failure => q.bind(tenant).bind(usrid).bind(now),
        AttemptChange::Passed { fingerprint, .. } => q
            .bind(tenant)
            .bind(usrid)
            .bind(now)
            .bind(fingerprint.as_str())
            .bind(now),
        AttemptChange::Locked => q
            .bind(tenant)
            .bind(usrid)
            .bind(MAX_FAILURES as i64)
            .bind(now),
        AttemptChange::HrdDown => q.bind(tenant).bind(usrid).bind(now).bind(now),
    }
}
