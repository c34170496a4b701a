//! Durable state: attempt counts, identity checks, receipts, the outbox and the audit trail. One
//! interface, two engines: SQLite (the embedded default, a file in WAL mode) and PostgreSQL (a
//! `postgres://` URL, for several gateway instances). The SQL is written once, in the dialect both
//! accept; each engine has its own migrations (`migrations/sqlite`, `migrations/postgres`). Updates
//! are single atomic statements or transactions, so concurrent requests cannot lose a count.

use crate::error::AppError;
use motp_protocol::MAX_FAILURES;
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::Executor;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Store {
    /// Queries that only read.
    reads: AnyPool,
    /// Everything that writes. On SQLite one connection, so writers queue here, in order, instead
    /// of meeting SQLite's lock and its busy handler's 1-100 ms sleeps; reads go on beside them
    /// (WAL). On PostgreSQL the same pool as `reads`.
    writes: AnyPool,
    pub engine: Engine,
    /// Outbox sends holding a PostgreSQL connection at once; the rest of the pool stays free for
    /// requests and for the sends' own bookkeeping.
    holds: std::sync::Arc<tokio::sync::Semaphore>,
}

/// SQLite connections for reads (writes have their one).
const SQLITE_READERS: u32 = 4;

/// How SQLite's WAL is checkpointed (see [`Store::spawn_checkpointer`]).
#[derive(Debug, Clone, Copy)]
pub struct Checkpoints {
    /// How often.
    pub every: std::time::Duration,
    /// How long the WAL may grow, in 4 KB frames, before the checkpoint that lets it start over.
    pub restart_frames: i64,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints {
            every: std::time::Duration::from_secs(1),
            restart_frames: 65_536, // 256 MB
        }
    }
}

/// PostgreSQL connections per instance, and how many of them outbox sends may hold.
const PG_POOL: u32 = 16;
const PG_HOLDS: usize = 4;

/// A trainee's consecutive wrong codes and lock, as last learnt from HRD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptState {
    pub failures: u32,
    pub locked: bool,
}

impl AttemptState {
    /// Attempts left before HRD locks the trainee.
    pub fn remaining(&self) -> u32 {
        if self.locked {
            0
        } else {
            MAX_FAILURES.saturating_sub(self.failures)
        }
    }
}

/// The columns of [`IdentityCheck`] and [`OutboxItem`], in their field order.
const CHECK_COLUMNS: &str = "state, tenant, usrid, provider, origin, purpose, status, created_at, \
     completed_at, sms_code, result_code, trnid, trndt, name, tel";
const OUTBOX_COLUMNS: &str =
    "id, kind, dedupe, tenant, usrid, payload, status, attempts, next_at, last_error, created_at";

/// A phone identity check, as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IdentityCheck {
    pub state: String,
    pub tenant: String,
    pub usrid: String,
    pub provider: String,
    pub origin: String,
    /// `reset` or `substitute`.
    pub purpose: String,
    pub status: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    pub sms_code: Option<String>,
    pub result_code: Option<String>,
    pub trnid: Option<String>,
    pub trndt: Option<String>,
    pub name: Option<String>,
    pub tel: Option<String>,
}

pub struct NewIdentityCheck<'a> {
    pub state: &'a str,
    pub tenant: &'a str,
    pub usrid: &'a str,
    pub provider: &'a str,
    pub origin: &'a str,
    pub purpose: &'a str,
}

/// What an identity provider says about one check: the record HRD's user_reset receives.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRecord {
    pub success: bool,
    /// The provider's own result code.
    pub result_code: String,
    /// The provider's own transaction id.
    pub trnid: String,
    /// When the check happened, `YYYY-MM-DD HH:MM:SS` KST.
    pub trndt: String,
    pub name: String,
    pub tel: String,
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

pub struct NewOutboxItem<'a> {
    /// `pAuthLog` or `pSubOtpLog`.
    pub kind: &'a str,
    pub dedupe: &'a str,
    pub tenant: &'a str,
    pub usrid: &'a str,
    /// The form fields, as a JSON object of strings.
    pub payload: &'a str,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: String,
    pub dedupe: String,
    pub tenant: String,
    pub usrid: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// One stored line of the audit trail.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub tenant: String,
    pub usrid: String,
    pub event: String,
    pub hrd_code: Option<String>,
    pub eval_cd: Option<String>,
    pub class_tme: Option<String>,
    pub detail: Option<String>,
}

/// One line of the audit trail.
pub struct AuditEvent<'a> {
    pub tenant: &'a str,
    pub usrid: &'a str,
    pub event: &'a str,
    pub hrd_code: Option<&'a str>,
    pub eval_cd: Option<&'a str>,
    pub class_tme: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl Store {
    /// Opens (creating if needed) the database `url` names — `sqlite://path` or
    /// `postgres://…` — and applies that engine's migrations.
    pub async fn open(url: &str) -> Result<Store, sqlx::Error> {
        sqlx::any::install_default_drivers();
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(path).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
                }
            }
            let url = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            let sqlite_pool = |connections: u32| {
                AnyPoolOptions::new()
                    .max_connections(connections)
                    // Another process's writer (or the checkpointer) is waited for, not an error.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA busy_timeout = 5000").await?;
                            // WAL + NORMAL: a commit survives the process crashing (what the
                            // outbox and the audit trail promise); only a power cut may lose the
                            // last ones.
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            // Checkpoints (the WAL copied back into the database, with an fsync)
                            // run in the background (`spawn_checkpointer`), not in whichever
                            // request's commit crossed the threshold.
                            conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                            // The WAL file is cut back to 256 MB when it starts over: the most it
                            // grows to (see `Checkpoints`). Cutting it further on every restart
                            // stalled writes (p99 30 → 55 ms at full load, measured).
                            conn.execute("PRAGMA journal_size_limit = 268435456")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
            };
            let writes = sqlite_pool(1).await?;
            writes.execute("PRAGMA journal_mode = WAL").await?;
            sqlx::migrate!("./migrations/sqlite").run(&writes).await?;
            let reads = sqlite_pool(SQLITE_READERS).await?;
            Ok(Store {
                reads,
                writes,
                engine: Engine::Sqlite,
                holds: std::sync::Arc::new(tokio::sync::Semaphore::new(PG_HOLDS)),
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = AnyPoolOptions::new()
                .max_connections(PG_POOL)
                .connect(url)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Ok(Store {
                reads: pool.clone(),
                writes: pool,
                engine: Engine::Postgres,
                holds: std::sync::Arc::new(tokio::sync::Semaphore::new(PG_HOLDS)),
            })
        } else {
            Err(sqlx::Error::Configuration(
                format!("unsupported database URL {url:?}: use sqlite://… or postgres://…").into(),
            ))
        }
    }

    /// On SQLite, checkpoints the WAL as `policy` says until `stop`, and once more then.
    /// (Without it the WAL still ends in the database when the last connection closes.)
    ///
    /// Two kinds, because under steady load a checkpoint beside the writer never catches up: the
    /// frames written while it copies are left over, so the WAL never starts over and grows without
    /// bound (measured: 430 MB for a 2.5 MB database after 30 s at 3,500 verifies/s). So each second
    /// a checkpoint from a reader connection copies what it can without holding anyone up, and when
    /// the WAL has grown past `restart_frames` one more runs through the writer connection:
    /// with no write half-done it copies the little that is left, and the next write starts the
    /// WAL from the beginning. Writes wait for that one, so it is kept rare.
    pub fn spawn_checkpointer(
        &self,
        policy: Checkpoints,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if self.engine != Engine::Sqlite {
            return None;
        }
        let (reads, writes) = (self.reads.clone(), self.writes.clone());
        Some(tokio::spawn(async move {
            loop {
                let stopping = tokio::select! {
                    _ = tokio::time::sleep(policy.every) => false,
                    _ = stop.changed() => true,
                };
                // PASSIVE: waits for no one; answers (busy, frames in the WAL, frames copied).
                let beside: Result<(i64, i64, i64), _> =
                    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                        .fetch_one(&reads)
                        .await;
                let restart = match beside {
                    Ok((_, frames, _)) => stopping || frames > policy.restart_frames,
                    Err(e) => {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                        true
                    }
                };
                if restart {
                    if let Err(e) = writes.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
                if stopping || *stop.borrow() {
                    return;
                }
            }
        }))
    }

    /// A transaction for writes that belong together.
    pub async fn begin(&self) -> Result<StoreTx, AppError> {
        Ok(StoreTx {
            tx: self.writes.begin().await?,
        })
    }

    pub async fn attempts(&self, tenant: &str, usrid: &str) -> Result<AttemptState, AppError> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT failures, locked FROM attempts WHERE tenant = $1 AND usrid = $2",
        )
        .bind(tenant)
        .bind(usrid)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row
            .map(|(f, l)| AttemptState {
                failures: f as u32,
                locked: l != 0,
            })
            .unwrap_or_default())
    }

    /// When HRD last failed this trainee, if ever.
    pub async fn hrd_down_at(&self, tenant: &str, usrid: &str) -> Result<Option<i64>, AppError> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT hrd_down_at FROM attempts WHERE tenant = $1 AND usrid = $2")
                .bind(tenant)
                .bind(usrid)
                .fetch_optional(&self.reads)
                .await?;
        Ok(row.and_then(|r| r.0))
    }

    /// HRD accepted a code, or a reset lifted the lock: the count starts again.
    pub async fn clear_attempts(
        &self,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sql::clear_attempts(&self.writes, tenant, usrid, now).await
    }

    pub async fn save_receipt(
        &self,
        id: &str,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sql::save_receipt(&self.writes, id, tenant, usrid, now).await
    }

    /// Marks a receipt redeemed; `false` if it was unknown or already redeemed. One statement, so two
    /// concurrent redemptions cannot both succeed.
    pub async fn redeem_receipt(&self, id: &str, tenant: &str, now: i64) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE receipts SET redeemed_at = $1 WHERE id = $2 AND tenant = $3 AND redeemed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(tenant)
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn audit(&self, now: i64, e: AuditEvent<'_>) -> Result<(), AppError> {
        sql::audit(&self.writes, now, e).await
    }

    pub async fn create_identity_check(
        &self,
        c: &NewIdentityCheck<'_>,
        now: i64,
    ) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO identity_checks (state, tenant, usrid, provider, origin, purpose, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
        )
        .bind(c.state)
        .bind(c.tenant)
        .bind(c.usrid)
        .bind(c.provider)
        .bind(c.origin)
        .bind(c.purpose)
        .bind(now)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub async fn identity_check(&self, state: &str) -> Result<Option<IdentityCheck>, AppError> {
        Ok(sqlx::query_as::<_, IdentityCheck>(&format!(
            "SELECT {CHECK_COLUMNS} FROM identity_checks WHERE state = $1"
        ))
        .bind(state)
        .fetch_optional(&self.reads)
        .await?)
    }

    /// The sandbox provider's "SMS" code for a pending check.
    pub async fn set_sms_code(&self, state: &str, code: &str) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE identity_checks SET sms_code = $1 WHERE state = $2 AND status = 'pending'",
        )
        .bind(code)
        .bind(state)
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the provider's answer on a pending check; `false` if it was not pending (answered
    /// already), so a check completes once.
    pub async fn complete_identity_check(
        &self,
        state: &str,
        r: &ProviderRecord,
        now: i64,
    ) -> Result<bool, AppError> {
        let done = sqlx::query(
            "UPDATE identity_checks SET status = $1, completed_at = $2, result_code = $3, trnid = $4, trndt = $5, name = $6, tel = $7
             WHERE state = $8 AND status = 'pending'",
        )
        .bind(if r.success { "succeeded" } else { "failed" })
        .bind(now)
        .bind(&r.result_code)
        .bind(&r.trnid)
        .bind(&r.trndt)
        .bind(&r.name)
        .bind(&r.tel)
        .bind(state)
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes a succeeded, fresh check of this trainee for a reset: one statement, so a check can
    /// be taken by one reset only.
    pub async fn claim_identity_check(
        &self,
        state: &str,
        tenant: &str,
        usrid: &str,
        purpose: &str,
        completed_after: i64,
    ) -> Result<Option<IdentityCheck>, AppError> {
        Ok(sqlx::query_as::<_, IdentityCheck>(&format!(
            "UPDATE identity_checks SET status = 'resetting'
             WHERE state = $1 AND tenant = $2 AND usrid = $3 AND purpose = $4 AND status = 'succeeded' AND completed_at >= $5
             RETURNING {CHECK_COLUMNS}"
        ),
        )
        .bind(state)
        .bind(tenant)
        .bind(usrid)
        .bind(purpose)
        .bind(completed_after)
        .fetch_optional(&self.writes)
        .await?)
    }

    /// Takes a succeeded, fresh reset check of this trainee and queues its `user_reset` in one
    /// transaction: after a crash either both happened or neither did. `None` if the check was not
    /// (or no longer) usable.
    pub async fn claim_and_enqueue(
        &self,
        state: &str,
        tenant: &str,
        usrid: &str,
        completed_after: i64,
        item: &NewOutboxItem<'_>,
        now: i64,
    ) -> Result<Option<i64>, AppError> {
        let mut tx = self.writes.begin().await?;
        let claimed = sqlx::query(
            "UPDATE identity_checks SET status = 'resetting'
             WHERE state = $1 AND tenant = $2 AND usrid = $3 AND purpose = 'reset' AND status = 'succeeded' AND completed_at >= $4",
        )
        .bind(state)
        .bind(tenant)
        .bind(usrid)
        .bind(completed_after)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            return Ok(None);
        }
        sqlx::query(
            "INSERT INTO outbox (kind, dedupe, tenant, usrid, payload, status, next_at, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)
             ON CONFLICT (dedupe) DO NOTHING",
        )
        .bind(item.kind)
        .bind(item.dedupe)
        .bind(item.tenant)
        .bind(item.usrid)
        .bind(item.payload)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM outbox WHERE dedupe = $1")
            .bind(item.dedupe)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    pub async fn outbox_by_dedupe(&self, dedupe: &str) -> Result<Option<OutboxItem>, AppError> {
        Ok(sqlx::query_as::<_, OutboxItem>(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE dedupe = $1"
        ))
        .bind(dedupe)
        .fetch_optional(&self.reads)
        .await?)
    }

    /// At start-up: everything queued is due at once. On SQLite (one server process) holds taken
    /// by the previous process, killed mid-send, are void; on PostgreSQL they run out after the
    /// lease, since other instances may still be sending.
    pub async fn outbox_resume(&self, now: i64) -> Result<u64, AppError> {
        let sql = match self.engine {
            Engine::Sqlite => {
                "UPDATE outbox SET next_at = $1, leased_until = NULL WHERE status = 'queued'"
            }
            // Other instances may be sending right now: their holds expire by themselves.
            Engine::Postgres => "UPDATE outbox SET next_at = $1 WHERE status = 'queued'",
        };
        Ok(sqlx::query(sql)
            .bind(now)
            .execute(&self.writes)
            .await?
            .rows_affected())
    }

    /// Everything still queued becomes due at once (after a restart, or an operator's flush);
    /// items another sender holds stay with it.
    pub async fn outbox_all_due(&self, now: i64) -> Result<u64, AppError> {
        Ok(
            sqlx::query("UPDATE outbox SET next_at = $1 WHERE status = 'queued' AND next_at > $2")
                .bind(now)
                .bind(now)
                .execute(&self.writes)
                .await?
                .rows_affected(),
        )
    }

    /// Ends a reset attempt: `used` (HRD lifted the lock; personal data is dropped, the provider's
    /// record stays), `succeeded` (HRD unreachable: the check may be tried again) or `refused`.
    pub async fn finish_identity_reset(
        &self,
        state: &str,
        status: &str,
        now: i64,
    ) -> Result<(), AppError> {
        let forget_person = status != "succeeded";
        sqlx::query(
            "UPDATE identity_checks SET status = $1, reset_at = $2,
                name = CASE WHEN $3 THEN NULL ELSE name END, tel = CASE WHEN $4 THEN NULL ELSE tel END
             WHERE state = $5 AND status = 'resetting'",
        )
        .bind(status)
        .bind(now)
        .bind(forget_person)
        .bind(forget_person)
        .bind(state)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Remembers an attestation's id; `false` if it was seen before (a replay).
    pub async fn use_attestation(
        &self,
        jti: &str,
        tenant: &str,
        now: i64,
    ) -> Result<bool, AppError> {
        let done = sqlx::query("INSERT INTO used_attestations (jti, tenant, used_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING")
            .bind(jti)
            .bind(tenant)
            .bind(now)
            .execute(&self.writes)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The audit trail of `tenant` between two instants (inclusive), optionally for one USRID, oldest
    /// first.
    pub async fn audit_range(
        &self,
        tenant: &str,
        from: i64,
        to: i64,
        usrid: Option<&str>,
    ) -> Result<Vec<AuditRow>, AppError> {
        Ok(sqlx::query_as::<_, AuditRow>(
            "SELECT id, at, tenant, usrid, event, hrd_code, eval_cd, class_tme, detail FROM audit
             WHERE tenant = $1 AND at BETWEEN $2 AND $3 AND ($4 IS NULL OR usrid = $5) ORDER BY id",
        )
        .bind(tenant)
        .bind(from)
        .bind(to)
        .bind(usrid)
        .bind(usrid)
        .fetch_all(&self.reads)
        .await?)
    }

    /// Counts one request for `key` in clock minute `minute` and returns the count so far; one
    /// atomic statement, so concurrent instances never lose a count.
    pub async fn count_request(&self, key: &str, minute: i64) -> Result<i64, AppError> {
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

    /// Queues `payload` for HRD/e-mon unless the same record (`dedupe`) is queued already; `false`
    /// for a duplicate. Returns the item's id either way.
    pub async fn enqueue(
        &self,
        item: &NewOutboxItem<'_>,
        now: i64,
    ) -> Result<(i64, bool), AppError> {
        let inserted = sqlx::query(
            "INSERT INTO outbox (kind, dedupe, tenant, usrid, payload, status, next_at, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)
             ON CONFLICT (dedupe) DO NOTHING",
        )
        .bind(item.kind)
        .bind(item.dedupe)
        .bind(item.tenant)
        .bind(item.usrid)
        .bind(item.payload)
        .bind(now)
        .bind(now)
        .execute(&self.writes)
        .await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM outbox WHERE dedupe = $1")
            .bind(item.dedupe)
            .fetch_one(&self.writes)
            .await?;
        Ok((id, inserted.rows_affected() == 1))
    }

    /// Queued items whose time has come, oldest first.
    pub async fn due_outbox(&self, now: i64, limit: i64) -> Result<Vec<OutboxItem>, AppError> {
        Ok(sqlx::query_as::<_, OutboxItem>(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox
             WHERE status = 'queued' AND next_at <= $1 ORDER BY id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.reads)
        .await?)
    }

    pub async fn outbox_item(&self, id: i64) -> Result<Option<OutboxItem>, AppError> {
        Ok(sqlx::query_as::<_, OutboxItem>(&format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.reads)
        .await?)
    }

    /// Takes item `id` for one send, so no other sender (another worker, another instance) sends
    /// it at the same time; `None` if it is not due or someone else has it. On SQLite the hold is a
    /// lease in the row (voided at start-up: one process per file); on PostgreSQL it is an advisory
    /// lock held by this connection, which the server drops the moment a killed process's
    /// connection closes. Give it back with [`Store::release_outbox`].
    pub async fn hold_outbox(
        &self,
        id: i64,
        now: i64,
        lease_until: i64,
    ) -> Result<Option<OutboxHold>, AppError> {
        match self.engine {
            Engine::Sqlite => {
                let done = sqlx::query(
                    "UPDATE outbox SET leased_until = $1
                     WHERE id = $2 AND status = 'queued' AND next_at <= $3 AND (leased_until IS NULL OR leased_until <= $4)",
                )
                .bind(lease_until)
                .bind(id)
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
                    "SELECT id FROM outbox WHERE id = $1 AND status = 'queued' AND next_at <= $2",
                )
                .bind(id)
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

    pub async fn release_outbox(&self, hold: OutboxHold) -> Result<(), AppError> {
        if let OutboxHold::Advisory(mut conn, id, _permit) = hold {
            sqlx::query("SELECT pg_advisory_unlock($1)")
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    /// HRD answered for good: `done` or `refused`.
    pub async fn outbox_finished(
        &self,
        id: i64,
        status: &str,
        answer: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sqlx::query("UPDATE outbox SET status = $1, attempts = attempts + 1, last_error = $2, done_at = $3 WHERE id = $4 AND status = 'queued'")
            .bind(status)
            .bind(answer)
            .bind(now)
            .bind(id)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// The send failed in a way worth retrying: try again at `next_at`.
    pub async fn outbox_retry(&self, id: i64, error: &str, next_at: i64) -> Result<(), AppError> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_at = $2, leased_until = NULL WHERE id = $3 AND status = 'queued'")
            .bind(error)
            .bind(next_at)
            .bind(id)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// How many items wait, and since when (the oldest's creation time).
    pub async fn outbox_depth(&self) -> Result<(i64, Option<i64>), AppError> {
        Ok(
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM outbox WHERE status = 'queued'")
                .fetch_one(&self.reads)
                .await?,
        )
    }

    /// Audit lines for one trainee, oldest first: (event, hrd_code).
    pub async fn audit_for(
        &self,
        tenant: &str,
        usrid: &str,
    ) -> Result<Vec<(String, Option<String>)>, AppError> {
        Ok(sqlx::query_as(
            "SELECT event, hrd_code FROM audit WHERE tenant = $1 AND usrid = $2 ORDER BY id",
        )
        .bind(tenant)
        .bind(usrid)
        .fetch_all(&self.reads)
        .await?)
    }
}

/// Several writes that stand or fall together (`Store::begin`), committed with one `commit`: the
/// verify path records its audit line and the attempt count in one transaction.
pub struct StoreTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl StoreTx {
    /// HRD said AP001: one more consecutive failure.
    pub async fn record_failure(
        &mut self,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<AttemptState, AppError> {
        sql::record_failure(&mut *self.tx, tenant, usrid, now).await
    }

    /// HRD failed to answer this trainee's code (timeout, 5xx, IE/CE): remembered so the substitute
    /// check can be offered on the server's own evidence.
    pub async fn record_hrd_down(
        &mut self,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sql::record_hrd_down(&mut *self.tx, tenant, usrid, now).await
    }

    /// HRD said AP009.
    pub async fn record_lock(
        &mut self,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sql::record_lock(&mut *self.tx, tenant, usrid, now).await
    }

    pub async fn clear_attempts(
        &mut self,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sql::clear_attempts(&mut *self.tx, tenant, usrid, now).await
    }

    pub async fn save_receipt(
        &mut self,
        id: &str,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sql::save_receipt(&mut *self.tx, id, tenant, usrid, now).await
    }

    pub async fn audit(&mut self, now: i64, e: AuditEvent<'_>) -> Result<(), AppError> {
        sql::audit(&mut *self.tx, now, e).await
    }

    pub async fn commit(self) -> Result<(), AppError> {
        Ok(self.tx.commit().await?)
    }
}

/// The SQL of the writes, once, for the pool and for a transaction alike.
mod sql {
    use super::*;

    pub async fn record_failure<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        ex: E,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<AttemptState, AppError> {
        let (f, l): (i64, i64) = sqlx::query_as(
            "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at) VALUES ($1, $2, 1, 0, $3)
             ON CONFLICT (tenant, usrid) DO UPDATE SET failures = attempts.failures + 1, updated_at = excluded.updated_at
             RETURNING failures, locked",
        )
        .bind(tenant)
        .bind(usrid)
        .bind(now)
        .fetch_one(ex)
        .await?;
        Ok(AttemptState {
            failures: f as u32,
            locked: l != 0,
        })
    }

    pub async fn record_hrd_down<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        ex: E,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at, hrd_down_at) VALUES ($1, $2, 0, 0, $3, $4)
             ON CONFLICT (tenant, usrid) DO UPDATE SET hrd_down_at = excluded.hrd_down_at, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(usrid)
        .bind(now)
        .bind(now)
        .execute(ex)
        .await?;
        Ok(())
    }

    pub async fn record_lock<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        ex: E,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at) VALUES ($1, $2, $3, 1, $4)
             ON CONFLICT (tenant, usrid) DO UPDATE SET failures = CASE WHEN attempts.failures > excluded.failures THEN attempts.failures ELSE excluded.failures END, locked = 1, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(usrid)
        .bind(MAX_FAILURES as i64)
        .bind(now)
        .execute(ex)
        .await?;
        Ok(())
    }

    pub async fn clear_attempts<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        ex: E,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO attempts (tenant, usrid, failures, locked, updated_at) VALUES ($1, $2, 0, 0, $3)
             ON CONFLICT (tenant, usrid) DO UPDATE SET failures = 0, locked = 0, updated_at = excluded.updated_at",
        )
        .bind(tenant)
        .bind(usrid)
        .bind(now)
        .execute(ex)
        .await?;
        Ok(())
    }

    pub async fn save_receipt<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        ex: E,
        id: &str,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> Result<(), AppError> {
        sqlx::query("INSERT INTO receipts (id, tenant, usrid, issued_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(tenant)
            .bind(usrid)
            .bind(now)
            .execute(ex)
            .await?;
        Ok(())
    }

    pub async fn audit<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
        ex: E,
        now: i64,
        e: AuditEvent<'_>,
    ) -> Result<(), AppError> {
        sqlx::query(
            "INSERT INTO audit (at, tenant, usrid, event, hrd_code, eval_cd, class_tme, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(now)
        .bind(e.tenant)
        .bind(e.usrid)
        .bind(e.event)
        .bind(e.hrd_code)
        .bind(e.eval_cd)
        .bind(e.class_tme)
        .bind(e.detail)
        .execute(ex)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The requests' commits leave the WAL alone; the checkpointer copies it into the database,
    /// at the latest when the server stops.
    #[tokio::test]
    async fn the_checkpointer_moves_the_wal_into_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("motp.db");
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let db_size = || std::fs::metadata(&path).unwrap().len();
        let before = db_size();
        for i in 0..2_000 {
            let usrid = format!("u{i}");
            let event = AuditEvent {
                tenant: "t",
                usrid: &usrid,
                event: "verify",
                hrd_code: Some("AP001"),
                eval_cd: Some("01"),
                class_tme: Some("1"),
                detail: None,
            };
            store.audit(i, event).await.unwrap();
        }
        assert_eq!(db_size(), before, "no commit checkpointed");

        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let checkpointer = store
            .spawn_checkpointer(Checkpoints::default(), stop_rx)
            .expect("SQLite");
        stop_tx.send(true).unwrap();
        checkpointer.await.unwrap();
        assert!(db_size() > before, "the WAL reached the database");
    }

    /// Under writes without a pause, the WAL still starts over: it stays near `restart_frames`
    /// instead of growing with every commit (it did, before the writer-side checkpoint).
    #[tokio::test]
    async fn the_wal_stays_bounded_under_steady_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("motp.db");
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let policy = Checkpoints {
            every: std::time::Duration::from_millis(5),
            restart_frames: 256,
        };
        let checkpointer = store.spawn_checkpointer(policy, stop_rx).unwrap();
        let wal = path.with_extension("db-wal");
        let mut largest = 0;
        for i in 0..3_000 {
            let usrid = format!("u{}", i % 50);
            // As the verify path writes: in a transaction of its own.
            let mut tx = store.begin().await.unwrap();
            tx.record_failure("t", &usrid, i).await.expect("a write");
            tx.commit().await.unwrap();
            largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        }
        stop_tx.send(true).unwrap();
        checkpointer.await.unwrap();
        // 3,000 commits are 3,000+ frames (12 MB and more) in a WAL that never starts over.
        assert!(largest < 4 * 1024 * 1024, "the WAL grew to {largest} bytes");
    }
}
