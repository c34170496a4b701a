//! Durable state: attempt counts, identity checks, receipts, the outbox, the audit trail and the
//! console's staff and sessions, one file per table group. One interface, two engines: SQLite (the
//! embedded default, a file in WAL mode, [`sqlite`]) and PostgreSQL (a `postgres://` URL, for
//! several gateway instances). The SQL is written once, in the dialect both accept; each engine has
//! its own migrations (`migrations/sqlite`, `migrations/postgres`).
//!
//! Writes that belong to one use case go through one [`StoreTx`] and commit together, so a crash
//! leaves either all of them or none. Reads, and the few writes that are a use case of their own in
//! one statement, are on [`Store`].

mod attempts;
mod audit;
mod identity_checks;
mod nice;
mod outbox;
mod rate_seconds;
mod receipt_keys;
mod receipts;
mod sqlite;
mod staff;
mod writer;

pub use outbox::OutboxHold;
pub use receipts::Redemption;
pub use sqlite::Checkpoints;

use crate::model::{AttemptChange, AttemptState, AuditLine, CheckRecord, UnknownValue};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

/// What can go wrong in the store. The HTTP layer answers all of it as an internal error and logs
/// the detail.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database holds {0}")]
    UnknownValue(#[from] UnknownValue),
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// SQLite's writer thread could not write (its transaction failed, or it stopped).
    #[error("database writer: {0}")]
    Writer(String),
    #[error("unsupported database URL: use sqlite://… or postgres://…")]
    UnsupportedUrl,
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(e.into())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

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
    /// On SQLite, the code check's writes (nearly all of them under load) go to a thread of their
    /// own, committed in groups ([`writer`]); the rare other writes meet it at SQLite's lock.
    writer: Option<writer::Writer>,
    /// On SQLite, the code check's reads of one row, done in place ([`sqlite::InPlaceReads`]).
    in_place: Option<std::sync::Arc<sqlite::InPlaceReads>>,
    pub engine: Engine,
    /// Outbox sends holding a PostgreSQL connection at once; the rest of the pool stays free for
    /// requests and for the sends' own bookkeeping.
    holds: std::sync::Arc<tokio::sync::Semaphore>,
}

/// PostgreSQL connections per instance, and how many of them outbox sends may hold.
const PG_POOL: u32 = 16;
const PG_HOLDS: usize = 4;

impl Store {
    /// Opens (creating if needed) the database `url` names — `sqlite://path` or
    /// `postgres://…` — and applies that engine's migrations.
    pub async fn open(url: &str) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let holds = std::sync::Arc::new(tokio::sync::Semaphore::new(PG_HOLDS));
        if url.starts_with("sqlite://") {
            let (reads, writes, writer, in_place) = sqlite::open(url).await?;
            Ok(Store {
                reads,
                writes,
                writer: Some(writer),
                in_place: Some(std::sync::Arc::new(in_place)),
                engine: Engine::Sqlite,
                holds,
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
                writer: None,
                in_place: None,
                engine: Engine::Postgres,
                holds,
            })
        } else {
            Err(StoreError::UnsupportedUrl)
        }
    }

    /// A code check's writes, committed together: on SQLite by the writer thread (one round trip,
    /// the commit shared with the checks queued beside it), on PostgreSQL in a transaction of its
    /// own. Answers the count after a failure.
    pub(crate) async fn record_check(
        &self,
        record: CheckRecord,
    ) -> StoreResult<Option<AttemptState>> {
        if let Some(writer) = &self.writer {
            return writer.record_check(record).await;
        }
        let mut tx = self.begin().await?;
        for line in &record.lines {
            let line = AuditLine {
                hrd_code: line.hrd_code.as_deref(),
                eval_cd: line.eval_cd.as_deref(),
                class_tme: line.class_tme.as_deref(),
                ..AuditLine::new(&record.tenant, &record.usrid, line.event)
            };
            tx.audit(record.at, line).await?;
        }
        let (tenant, usrid, now) = (record.tenant.as_str(), record.usrid.as_str(), record.at);
        let after = match &record.change {
            AttemptChange::Unchanged => None,
            AttemptChange::Failure => Some(tx.record_failure(tenant, usrid, now).await?),
            AttemptChange::Passed {
                fingerprint,
                receipt_id,
            } => {
                tx.clear_attempts(tenant, usrid, now).await?;
                tx.record_accepted_code(tenant, usrid, fingerprint, now)
                    .await?;
                tx.save_receipt(receipt_id, tenant, usrid, now).await?;
                None
            }
            AttemptChange::Locked => {
                tx.record_lock(tenant, usrid, now).await?;
                None
            }
            AttemptChange::HrdDown => {
                tx.record_hrd_down(tenant, usrid, now).await?;
                None
            }
        };
        tx.commit().await?;
        Ok(after)
    }

    /// On SQLite, the code check's writer thread has stopped (a panic): no check can be recorded.
    pub(crate) fn writer_stopped(&self) -> bool {
        self.writer.as_ref().is_some_and(|w| !w.running())
    }

    /// A transaction for the writes of one use case.
    pub(crate) async fn begin(&self) -> StoreResult<StoreTx> {
        Ok(StoreTx {
            tx: self.writes.begin().await?,
        })
    }
}

/// The writes of one use case, committed together by [`StoreTx::commit`] (or none of them, if it
/// is dropped or the process dies first). Its methods live beside their table's SQL.
pub struct StoreTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
}

impl StoreTx {
    pub(crate) async fn commit(self) -> StoreResult<()> {
        Ok(self.tx.commit().await?)
    }
}
