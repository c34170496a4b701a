//! SQLite's settings (WAL, pragmas, one writer connection) and its background checkpointer.

use super::writer::Writer;
use super::{Engine, Store, StoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

/// SQLite connections for reads (writes have their one).
const SQLITE_READERS: u32 = 4;

/// Opens the file `url` names (creating it and its folder), applies the migrations; returns the
/// pool for reads, the one-connection pool for writes, the code check's writer thread and the
/// in-place reads.
pub(super) async fn open(url: &str) -> StoreResult<(AnyPool, AnyPool, Writer, InPlaceReads)> {
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
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
    let writes = pool(&url, 1).await?;
    writes.execute("PRAGMA journal_mode = WAL").await?;
    sqlx::migrate!("./migrations/sqlite").run(&writes).await?;
    let reads = pool(&url, SQLITE_READERS).await?;
    let writer = Writer::start(path)?;
    Ok((reads, writes, writer, InPlaceReads::new(path)))
}

/// What every connection is set to, sqlx's and the writer thread's (`writer.rs`).
pub(super) const PRAGMAS: [&str; 4] = [
    // Another connection's write (or the checkpointer) is waited for, not an error.
    "PRAGMA busy_timeout = 5000",
    // WAL + NORMAL: a commit survives the process crashing (what the outbox and the audit trail
    // promise); only a power cut may lose the last ones.
    "PRAGMA synchronous = NORMAL",
    // Checkpoints (the WAL copied back into the database, with an fsync) run in the background
    // (`spawn_checkpointer`), not in whichever request's commit crossed the threshold.
    "PRAGMA wal_autocheckpoint = 0",
    // The WAL file is cut back to 256 MB when it starts over: the most it grows to (see
    // `Checkpoints`). Cutting it further on every restart stalled writes (p99 30 → 55 ms at full
    // load, measured).
    "PRAGMA journal_size_limit = 268435456",
];

async fn pool(url: &str, connections: u32) -> Result<AnyPool, sqlx::Error> {
    AnyPoolOptions::new()
        .max_connections(connections)
        .after_connect(|conn, _| {
            Box::pin(async move {
                for pragma in PRAGMAS {
                    conn.execute(pragma).await?;
                }
                Ok(())
            })
        })
        .connect(url)
        .await
}

/// Reads of one row by its key, done where they are asked for instead of on a pool's worker
/// thread: from the page cache they take microseconds, less than the two thread wake-ups of a
/// round trip to the worker (which perf showed to be most of a code check's cost). They never wait:
/// with no busy timeout, SQLite's rare "busy" (a WAL being recovered or restarted) is answered
/// `None`, and the caller asks the pool instead.
pub(super) struct InPlaceReads {
    path: String,
    /// Idle connections; one is taken for each read and put back, so there are as many as reads
    /// ever ran at once (the runtime's worker threads).
    idle: std::sync::Mutex<Vec<rusqlite::Connection>>,
}

impl InPlaceReads {
    pub(super) fn new(path: &str) -> InPlaceReads {
        InPlaceReads {
            path: path.to_string(),
            idle: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// `read` on one of the connections; `None` when SQLite could not answer at once.
    pub(super) fn read<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Option<T> {
        let idle = self.idle.lock().expect("in-place reads lock").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => rusqlite::Connection::open_with_flags(
                &self.path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .and_then(|conn| {
                // rusqlite opens with a 5 s busy timeout: these reads must not wait.
                conn.busy_timeout(std::time::Duration::ZERO)?;
                Ok(conn)
            })
            .ok()?,
        };
        let answer = read(&conn);
        self.idle.lock().expect("in-place reads lock").push(conn);
        answer.ok()
    }
}

/// How SQLite's WAL is checkpointed (see [`Store::spawn_checkpointer`]).
#[derive(Debug, Clone, Copy)]
pub struct Checkpoints {
    /// How often. Each checkpoint's fsyncs stall the commits beside it (10-20 ms on this project's
    /// machines, measured): once a second that stall was the p99 of checks at 1,000/s (15 ms added
    /// → 3 ms at every 10 s); the WAL then holds at most ten seconds of writes more.
    pub every: std::time::Duration,
    /// How long the WAL may grow, in 4 KB frames, before the checkpoint that lets it start over.
    pub restart_frames: i64,
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints {
            every: std::time::Duration::from_secs(10),
            restart_frames: 65_536, // 256 MB
        }
    }
}

impl Store {
    /// On SQLite, checkpoints the WAL as `policy` says until `stop`, and once more then.
    /// (Without it the WAL still ends in the database when the last connection closes.)
    ///
    /// Two kinds, because under steady load a checkpoint beside the writer never catches up: the
    /// frames written while it copies are left over, so the WAL never starts over and grows without
    /// bound (measured: 430 MB for a 2.5 MB database after 30 s at 3,500 verifies/s). So each second
    /// a checkpoint from a reader connection copies what it can without holding anyone up, and when
    /// the WAL has grown past `restart_frames` one more runs with both writers still (the pool's
    /// write connection held, the code check's writer thread between transactions): with no write
    /// half-done it copies the little that is left, and the next write starts the WAL from the
    /// beginning. Writes wait for that one, so it is kept rare.
    pub(crate) fn spawn_checkpointer(
        &self,
        policy: Checkpoints,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Option<tokio::task::JoinHandle<()>> {
        if self.engine != Engine::Sqlite {
            return None;
        }
        let (reads, writes, writer) = (
            self.reads.clone(),
            self.writes.clone(),
            self.writer.clone()?,
        );
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
                    // Both writers held still: the pool's write connection taken (no other use
                    // case writes meanwhile), the checkpoint run by the writer thread between two
                    // of its transactions.
                    let done = match writes.acquire().await {
                        Ok(_held) => writer.checkpoint().await,
                        Err(e) => Err(e.into()),
                    };
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
                if stopping || *stop.borrow() {
                    return;
                }
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AuditEvent, AuditLine};

    /// A store on a database file of its own: the folder (removed when dropped), the file, the store.
    async fn store_on_disk() -> (tempfile::TempDir, std::path::PathBuf, Store) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("motp.db");
        let store = Store::open(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        (dir, path, store)
    }

    /// A writer thread that stopped (as after a panic) is told, for readiness (`domain::ready`):
    /// every code check would fail until the server restarts.
    #[tokio::test]
    async fn a_stopped_writer_thread_is_told() {
        let (_dir, _, store) = store_on_disk().await;
        assert!(!store.writer_stopped());
        store.writer.as_ref().unwrap().end().await;
        assert!(store.writer_stopped());
    }

    /// The requests' commits leave the WAL alone; the checkpointer copies it into the database,
    /// at the latest when the server stops.
    #[tokio::test]
    async fn the_checkpointer_moves_the_wal_into_the_database() {
        let (_dir, path, store) = store_on_disk().await;
        let db_size = || std::fs::metadata(&path).unwrap().len();
        let before = db_size();
        let mut tx = store.begin().await.unwrap();
        for i in 0..2_000 {
            let usrid = format!("u{i}");
            let line = AuditLine {
                hrd_code: Some("AP001"),
                eval_cd: Some("01"),
                class_tme: Some("1"),
                ..AuditLine::new("t", &usrid, AuditEvent::Verify)
            };
            tx.audit(i, line).await.unwrap();
        }
        tx.commit().await.unwrap();
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
    /// instead of growing with every commit (it did, before the writer-side checkpoint). Two
    /// worker threads, as the server has: on one, the write loop could starve the checkpointer on a
    /// busy machine and the WAL outgrow the bound for that reason alone (seen under load).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_steady_writes() {
        let (_dir, path, store) = store_on_disk().await;
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
            tx.clear_attempts("t", &usrid, i).await.expect("a write");
            tx.commit().await.unwrap();
            largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        }
        stop_tx.send(true).unwrap();
        checkpointer.await.unwrap();
        // 3,000 commits are 3,000+ frames (12 MB and more) in a WAL that never starts over. 6.4 MB
        // was seen once with the machine's load average at 7.7, the checkpointer's 5 ms timer
        // falling behind: the bound is between that and 12 MB.
        assert!(largest < 9 * 1024 * 1024, "the WAL grew to {largest} bytes");
    }
}
