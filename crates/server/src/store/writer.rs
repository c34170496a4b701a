//! SQLite's writer for the code check: a thread of its own with its own connection, taking each
//! check's writes from a queue and committing all the checks that queued meanwhile in one
//! transaction (group commit), each in a savepoint of it, so a check whose writes fail undoes only
//! its own. A check is answered after COMMIT: its audit line and count are durable before the
//! trainee hears the verdict.
//!
//! Why a thread and not sqlx: through sqlx's `Any` driver a check's writes were four round trips
//! (BEGIN, insert, upsert, COMMIT) to the connection's worker thread, each two thread wake-ups, and
//! one commit per check; here a check costs one wake-up each way and shares its commit.

use super::{attempts, audit, receipts, StoreError, StoreResult};
use crate::model::{AttemptChange, AttemptState, CheckRecord};
use std::sync::mpsc;

/// Checks committed together at most (what queued while the previous commit ran).
const MAX_BATCH: usize = 256;

/// What the writer thread is asked to do.
enum Job {
    /// A check's writes, answered with the count after a failure.
    Check {
        record: CheckRecord,
        reply: tokio::sync::oneshot::Sender<StoreResult<Option<AttemptState>>>,
    },
    /// A WAL checkpoint from the writer's side, between two transactions (see `spawn_checkpointer`).
    Checkpoint {
        reply: tokio::sync::oneshot::Sender<StoreResult<()>>,
    },
    /// Tests only: the thread ends, as it would after a panic.
    #[cfg(test)]
    End {
        reply: tokio::sync::oneshot::Sender<()>,
    },
}

/// The queue to the writer thread; the thread ends once every clone is dropped and the queue is
/// empty.
#[derive(Clone)]
pub(super) struct Writer {
    queue: mpsc::Sender<Job>,
    /// The thread, to tell whether it still runs: if it ended (a panic), every code check would
    /// fail, and readiness says so (`domain::ready`) so the instance is taken out and restarted.
    thread: std::sync::Arc<std::thread::JoinHandle<()>>,
}

impl Writer {
    /// Opens its own connection to the SQLite file at `path` (already migrated) with the pragmas
    /// every connection has, and starts the thread.
    pub(super) fn start(path: &str) -> StoreResult<Writer> {
        let conn = rusqlite::Connection::open(path).map_err(StoreError::from)?;
        for pragma in super::sqlite::PRAGMAS {
            // Some pragmas answer a row (busy_timeout does): read and ignored.
            conn.query_row(pragma, [], |_| Ok(()))
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(()),
                    e => Err(e),
                })?;
        }
        let (queue, jobs) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("motp-sqlite-writer".into())
            .spawn(move || run(conn, jobs))
            .map_err(|e| StoreError::Writer(format!("the writer thread did not start: {e}")))?;
        Ok(Writer {
            queue,
            thread: std::sync::Arc::new(thread),
        })
    }

    /// Whether the thread still runs (it ends only once every `Writer` is dropped, or on a panic).
    pub(super) fn running(&self) -> bool {
        !self.thread.is_finished()
    }

    /// Tests only: ends the thread, as a panic would, and waits until it has.
    #[cfg(test)]
    pub(super) async fn end(&self) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue.send(Job::End { reply }).unwrap();
        answer.await.unwrap();
        while self.running() {
            std::thread::yield_now();
        }
    }

    pub(super) async fn record_check(
        &self,
        record: CheckRecord,
    ) -> StoreResult<Option<AttemptState>> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send(Job::Check { record, reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    pub(super) async fn checkpoint(&self) -> StoreResult<()> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.queue
            .send(Job::Checkpoint { reply })
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::Writer("the writer thread stopped".into())
}

fn run(conn: rusqlite::Connection, jobs: mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut checks = Vec::new();
        let mut checkpoints = Vec::new();
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Check { record, reply } => checks.push((record, reply)),
                Job::Checkpoint { reply } => checkpoints.push(reply),
                #[cfg(test)]
                Job::End { reply } => {
                    let _ = reply.send(());
                    return;
                }
            }
            if checks.len() < MAX_BATCH {
                next = jobs.try_recv().ok();
            }
        }
        if !checks.is_empty() {
            commit(&conn, checks);
        }
        for reply in checkpoints {
            let done = conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .map_err(StoreError::from);
            let _ = reply.send(done);
        }
    }
}

type Reply = tokio::sync::oneshot::Sender<StoreResult<Option<AttemptState>>>;

/// One transaction for `checks`, each in its savepoint; the answers go out after COMMIT.
fn commit(conn: &rusqlite::Connection, checks: Vec<(CheckRecord, Reply)>) {
    // IMMEDIATE: the write lock at BEGIN, so a busy database is waited for here (busy_timeout)
    // rather than failing half-way.
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let why = e.to_string();
        for (_, reply) in checks {
            let _ = reply.send(Err(StoreError::Writer(why.clone())));
        }
        return;
    }
    let mut answers = Vec::with_capacity(checks.len());
    for (record, reply) in checks {
        let done = conn
            .execute_batch("SAVEPOINT a_check")
            .and_then(|()| write(conn, &record))
            .and_then(|after| conn.execute_batch("RELEASE a_check").map(|()| after))
            .map_err(|e| {
                // Only this check's writes are undone.
                let _ = conn.execute_batch("ROLLBACK TO a_check; RELEASE a_check");
                StoreError::from(e)
            });
        answers.push((done, reply));
    }
    match conn.execute_batch("COMMIT") {
        Ok(()) => {
            for (done, reply) in answers {
                let _ = reply.send(done);
            }
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            let why = e.to_string();
            for (_, reply) in answers {
                let _ = reply.send(Err(StoreError::Writer(why.clone())));
            }
        }
    }
}

/// A check's writes: its audit lines, the change to its count, its receipt.
fn write(conn: &rusqlite::Connection, r: &CheckRecord) -> rusqlite::Result<Option<AttemptState>> {
    for line in &r.lines {
        audit::insert_check_line(conn, r, line)?;
    }
    let after = attempts::apply_change(conn, &r.tenant, &r.usrid, r.at, &r.change)?;
    if let AttemptChange::Passed { receipt_id, .. } = &r.change {
        receipts::insert_receipt(conn, receipt_id, &r.tenant, &r.usrid, r.at)?;
    }
    Ok(after)
}
