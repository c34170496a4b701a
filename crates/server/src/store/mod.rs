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

use crate::model::{AttemptChange, AttemptState, CheckRecord, UnknownValue};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Row};

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
        self.record_check_in_one_statement(&record).await
    }

    /// PostgreSQL: a code check's writes as one statement, each write but the last a data-modifying
    /// `WITH` part: committed together (a statement is atomic) in one round trip, where BEGIN, each
    /// write and COMMIT were one each. The SQL is the tables' own, as the writer thread runs it,
    /// its parameters renumbered.
    async fn record_check_in_one_statement(
        &self,
        r: &CheckRecord,
    ) -> StoreResult<Option<AttemptState>> {
        // The audit lines in one INSERT, one row each in their order: the WITH parts of a
        // statement run in no set order, and the lines' ids must follow the order they happened in.
        let lines = audit::insert_lines_sql(r.lines.len());
        let mut writes: Vec<&str> = Vec::new();
        if !r.lines.is_empty() {
            writes.push(&lines);
        }
        if let AttemptChange::Passed { .. } = r.change {
            writes.push(receipts::SAVE_RECEIPT);
        }
        writes.extend(attempts::change_sql(&r.change));
        let Some((last, parts)) = writes.split_last() else {
            return Ok(None);
        };
        let mut sql = String::new();
        let mut bound = 0;
        for (i, write) in parts.iter().enumerate() {
            sql.push_str(if i == 0 { "WITH " } else { ", " });
            sql.push_str(&format!("w{i} AS ({})", renumbered(write, bound)));
            bound += parameters(write);
        }
        sql.push(' ');
        sql.push_str(&renumbered(last, bound));

        // Bound in the order of `writes`.
        let mut q = sqlx::query(&sql);
        for line in &r.lines {
            q = audit::bind_check_line(q, r, line);
        }
        if let AttemptChange::Passed { receipt_id, .. } = &r.change {
            q = receipts::bind_receipt(q, receipt_id, &r.tenant, &r.usrid, r.at);
        }
        q = attempts::bind_change(q, &r.tenant, &r.usrid, r.at, &r.change);
        let row = q.fetch_optional(&self.writes).await?;
        Ok(match (&r.change, row) {
            (AttemptChange::Failure, Some(row)) => {
                Some(attempts::attempt_state((row.try_get(0)?, row.try_get(1)?)))
            }
            _ => None,
        })
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

/// A query through sqlx's `Any` driver, as the tables' modules bind their parameters onto it.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// How many parameters `sql` takes: its highest `$n`.
fn parameters(sql: &str) -> usize {
    sql.split('$')
        .skip(1)
        .filter_map(|after| {
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            after[..digits].parse().ok()
        })
        .max()
        .unwrap_or(0)
}

/// `sql` with each `$n` written `$(n + by)`: one write's parameters after those of the writes
/// before it in one statement.
fn renumbered(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
mod tests {
    use super::{parameters, renumbered};

    #[test]
    fn a_writes_parameters_are_renumbered_after_the_ones_before_it() {
        assert_eq!(
            renumbered("VALUES ($1, $2, $10) WHERE x = $3", 8),
            "VALUES ($9, $10, $18) WHERE x = $11"
        );
        assert_eq!(
            renumbered("no parameters, a lone $", 4),
            "no parameters, a lone $"
        );
        assert_eq!(renumbered("$1", 0), "$1");
        assert_eq!(parameters("VALUES ($1, $2, $10) WHERE x = $3"), 10);
        assert_eq!(parameters("no parameters, a lone $"), 0);
        assert!(super::audit::insert_lines_sql(2).ends_with(
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8), ($9, $10, $11, $12, $13, $14, $15, $16)"
        ));
    }
}
