//! `outbox`: everything HRD or e-mon must receive, stored before it is sent, with its retries and
//! the hold a sender takes on an item.

use super::{Engine, Store, StoreError, StoreResult, StoreTx};
use crate::model::{NewOutboxItem, OutboxItem, OutboxKind, OutboxStatus};

const COLUMNS: &str =
    "id, kind, dedupe, tenant, usrid, payload, status, attempts, next_at, last_error, created_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    dedupe: String,
    tenant: String,
    usrid: String,
    payload: String,
    status: String,
    attempts: i64,
    next_at: i64,
    last_error: Option<String>,
    created_at: i64,
}

impl TryFrom<Row> for OutboxItem {
    type Error = StoreError;
    fn try_from(r: Row) -> StoreResult<OutboxItem> {
        Ok(OutboxItem {
            id: r.id,
            kind: r.kind.parse()?,
            dedupe: r.dedupe,
            tenant: r.tenant,
            usrid: r.usrid,
            payload: r.payload,
            status: r.status.parse()?,
            attempts: r.attempts,
            next_at: r.next_at,
            last_error: r.last_error,
            created_at: r.created_at,
        })
    }
}

/// A sender's hold on one outbox item (see [`Store::hold_outbox`]).
pub enum OutboxHold {
    Lease,
    Advisory(
        sqlx::pool::PoolConnection<sqlx::Any>,
        i64,
        tokio::sync::OwnedSemaphorePermit,
    ),
}

// The one state the queries below select on.
const QUEUED: &str = OutboxStatus::Queued.as_str();

impl Store {
    /// One trainee's items of `kind`, oldest first (the console's timeline).
    pub(crate) async fn outbox_of(
        &self,
        tenant: &str,
        usrid: &str,
        kind: OutboxKind,
    ) -> StoreResult<Vec<OutboxItem>> {
        sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE tenant = $1 AND usrid = $2 AND kind = $3 ORDER BY id"
        ))
        .bind(tenant)
        .bind(usrid)
        .bind(kind.as_str())
        .fetch_all(&self.reads)
        .await?
        .into_iter()
        .map(OutboxItem::try_from)
        .collect()
    }

    /// `tenant`'s items of `kind` in `status` created since `since`, oldest first.
    pub(crate) async fn outbox_in_status(
        &self,
        tenant: &str,
        kind: OutboxKind,
        status: OutboxStatus,
        since: i64,
    ) -> StoreResult<Vec<OutboxItem>> {
        sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE tenant = $1 AND kind = $2 AND status = $3
             AND created_at >= $4 ORDER BY id"
        ))
        .bind(tenant)
        .bind(kind.as_str())
        .bind(status.as_str())
        .bind(since)
        .fetch_all(&self.reads)
        .await?
        .into_iter()
        .map(OutboxItem::try_from)
        .collect()
    }

    /// Queued items whose time has come, oldest first; only `tenant`'s if one is named.
    pub(crate) async fn due_outbox(
        &self,
        now: i64,
        limit: i64,
        tenant: Option<&str>,
    ) -> StoreResult<Vec<OutboxItem>> {
        sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE status = $1 AND next_at <= $2
             AND ($3 IS NULL OR tenant = $4) ORDER BY id LIMIT $5"
        ))
        .bind(QUEUED)
        .bind(now)
        .bind(tenant)
        .bind(tenant)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?
        .into_iter()
        .map(OutboxItem::try_from)
        .collect()
    }

    pub(crate) async fn outbox_item(&self, id: i64) -> StoreResult<Option<OutboxItem>> {
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM outbox WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.reads)
            .await?
            .map(OutboxItem::try_from)
            .transpose()
    }

    pub(crate) async fn outbox_by_dedupe(&self, dedupe: &str) -> StoreResult<Option<OutboxItem>> {
        sqlx::query_as::<_, Row>(&format!("SELECT {COLUMNS} FROM outbox WHERE dedupe = $1"))
            .bind(dedupe)
            .fetch_optional(&self.reads)
            .await?
            .map(OutboxItem::try_from)
            .transpose()
    }

    /// Takes item `id` for one send, so no other sender (another worker, another instance) sends
    /// it at the same time; `None` if it is not due or someone else has it. On SQLite the hold is a
    /// lease in the row (voided at start-up: one process per file); on PostgreSQL it is an advisory
    /// lock held by this connection, which the server drops the moment a killed process's
    /// connection closes. Give it back with [`Store::release_outbox`].
    pub(crate) async fn hold_outbox(
        &self,
        id: i64,
        now: i64,
        lease_until: i64,
    ) -> StoreResult<Option<OutboxHold>> {
        match self.engine {
            Engine::Sqlite => {
                let done = sqlx::query(
                    "UPDATE outbox SET leased_until = $1
                     WHERE id = $2 AND status = $3 AND next_at <= $4 AND (leased_until IS NULL OR leased_until <= $5)",
                )
                .bind(lease_until)
                .bind(id)
                .bind(QUEUED)
                .bind(now)
                .bind(now)
                .execute(&self.writes)
                .await?;
                Ok((done.rows_affected() == 1).then_some(OutboxHold::Lease))
            }
            Engine::Postgres => {
                let permit = self
                    .holds
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("never closed");
                let mut conn = self.writes.acquire().await?;
                let (locked,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1)")
                    .bind(id)
                    .fetch_one(&mut *conn)
                    .await?;
                if !locked {
                    return Ok(None);
                }
                // Another instance may have finished it between our look and our lock.
                let due: Option<(i64,)> = sqlx::query_as(
                    "SELECT id FROM outbox WHERE id = $1 AND status = $2 AND next_at <= $3",
                )
                .bind(id)
                .bind(QUEUED)
                .bind(now)
                .fetch_optional(&mut *conn)
                .await?;
                let hold = OutboxHold::Advisory(conn, id, permit);
                if due.is_none() {
                    self.release_outbox(hold).await?;
                    return Ok(None);
                }
                Ok(Some(hold))
            }
        }
    }

    pub(crate) async fn release_outbox(&self, hold: OutboxHold) -> StoreResult<()> {
        if let OutboxHold::Advisory(mut conn, id, _permit) = hold {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// The send failed in a way worth retrying: try again at `next_at`.
    pub(crate) async fn outbox_retry(&self, id: i64, error: &str, next_at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_at = $2, leased_until = NULL WHERE id = $3 AND status = $4")
            .bind(error)
            .bind(next_at)
            .bind(id)
            .bind(QUEUED)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// How many items wait, and since when (the oldest's creation time); only `tenant`'s if one
    /// is named.
    pub(crate) async fn outbox_depth(
        &self,
        tenant: Option<&str>,
    ) -> StoreResult<(i64, Option<i64>)> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = $1
             AND ($2 IS NULL OR tenant = $3)",
        )
        .bind(QUEUED)
        .bind(tenant)
        .bind(tenant)
        .fetch_one(&self.reads)
        .await?)
    }

    /// At start-up: everything queued is due at once. On SQLite (one server process) holds taken
    /// by the previous process, killed mid-send, are void; on PostgreSQL they run out after the
    /// lease, since other instances may still be sending.
    pub(crate) async fn outbox_resume(&self, now: i64) -> StoreResult<u64> {
        let sql = match self.engine {
            Engine::Sqlite => {
                "UPDATE outbox SET next_at = $1, leased_until = NULL WHERE status = $2"
            }
            // Other instances may be sending right now: their holds expire by themselves.
            Engine::Postgres => "UPDATE outbox SET next_at = $1 WHERE status = $2",
        };
        Ok(sqlx::query(sql)
            .bind(now)
            .bind(QUEUED)
            .execute(&self.writes)
            .await?
            .rows_affected())
    }

    /// Everything `tenant` still has queued becomes due at once (an operator's flush); items
    /// another sender holds stay with it.
    pub(crate) async fn outbox_all_due(&self, now: i64, tenant: &str) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE outbox SET next_at = $1 WHERE status = $2 AND next_at > $3 AND tenant = $4",
        )
        .bind(now)
        .bind(QUEUED)
        .bind(now)
        .bind(tenant)
        .execute(&self.writes)
        .await?
        .rows_affected())
    }
}

impl StoreTx {
    /// Queues `item` unless the same record (`dedupe`) is queued already; `false` for a duplicate.
    /// Returns the item's id either way.
    pub(crate) async fn enqueue(
        &mut self,
        item: &NewOutboxItem<'_>,
        now: i64,
    ) -> StoreResult<(i64, bool)> {
        let inserted = sqlx::query(
            "INSERT INTO outbox (kind, dedupe, tenant, usrid, payload, status, next_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (dedupe) DO NOTHING",
        )
        .bind(item.kind.as_str())
        .bind(item.dedupe)
        .bind(item.tenant)
        .bind(item.usrid)
        .bind(item.payload)
        .bind(QUEUED)
        .bind(now)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM outbox WHERE dedupe = $1")
            .bind(item.dedupe)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok((id, inserted.rows_affected() == 1))
    }

    /// HRD answered for good: `done` or `refused`, with its answer. The payload (name, mobile, the
    /// provider's record as sent) is erased: it was for HRD, and HRD has answered.
    pub(crate) async fn outbox_finished(
        &mut self,
        id: i64,
        status: OutboxStatus,
        answer: &str,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2, done_at = $3, payload = '{}' WHERE id = $4 AND status = $5")
            .bind(status.as_str())
            .bind(answer)
            .bind(now)
            .bind(id)
            .bind(QUEUED)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
