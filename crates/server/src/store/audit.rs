//! `audit`: the append-only record of what happened, with personal data minimised (masked mobile,
//! never a code). Written only inside a use case's transaction.

use super::{AnyQuery, Store, StoreResult, StoreTx};
use crate::model::{AuditLine, AuditRow, CheckLine, CheckRecord};

/// Shared by the sqlx transactions and SQLite's writer thread (`writer.rs`).
pub(super) const INSERT_AUDIT: &str = "INSERT INTO audit (at, tenant, usrid, event, hrd_code, eval_cd, class_tme, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    at: i64,
    tenant: String,
    usrid: String,
    event: String,
    hrd_code: Option<String>,
    eval_cd: Option<String>,
    class_tme: Option<String>,
    detail: Option<String>,
}

impl Store {
    /// Deletes the audit lines written before `before` (the retention period); how many.
    pub(crate) async fn purge_audit(&self, before: i64) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM audit WHERE at < $1")
            .bind(before)
            .execute(&self.writes)
            .await?
            .rows_affected())
    }

    /// The audit trail of `tenant` between two instants (inclusive), optionally for one USRID, oldest
    /// first.
    pub(crate) async fn audit_range(
        &self,
        tenant: &str,
        from: i64,
        to: i64,
        usrid: Option<&str>,
    ) -> StoreResult<Vec<AuditRow>> {
        let rows = sqlx::query_as::<_, Row>(
            "SELECT id, at, tenant, usrid, event, hrd_code, eval_cd, class_tme, detail FROM audit
             WHERE tenant = $1 AND at BETWEEN $2 AND $3 AND ($4 IS NULL OR usrid = $5) ORDER BY id",
        )
        .bind(tenant)
        .bind(from)
        .bind(to)
        .bind(usrid)
        .bind(usrid)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| AuditRow {
                id: r.id,
                at: r.at,
                tenant: r.tenant,
                usrid: r.usrid,
                event: r.event,
                hrd_code: r.hrd_code,
                eval_cd: r.eval_cd,
                class_tme: r.class_tme,
                detail: r.detail,
            })
            .collect())
    }
}

impl StoreTx {
    pub(crate) async fn audit(&mut self, now: i64, line: AuditLine<'_>) -> StoreResult<()> {
        bind_line(sqlx::query(INSERT_AUDIT), now, line)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// [`INSERT_AUDIT`]'s parameters for `line` at `now`, bound onto `q` in its order.
fn bind_line<'q>(q: AnyQuery<'q>, now: i64, line: AuditLine<'q>) -> AnyQuery<'q> {
    q.bind(now)
        .bind(line.tenant)
        .bind(line.usrid)
        .bind(line.event.as_str())
        .bind(line.hrd_code)
        .bind(line.eval_cd)
        .bind(line.class_tme)
        .bind(line.detail)
}

/// [`INSERT_AUDIT`] for `n` lines, one row each, in order.
pub(super) fn insert_lines_sql(n: usize) -> String {
    let (head, row) = INSERT_AUDIT.split_at(INSERT_AUDIT.find("VALUES ").unwrap() + 7);
    let per_row = super::parameters(row);
    let rows: Vec<String> = (0..n)
        .map(|i| super::renumbered(row, per_row * i))
        .collect();
    format!("{head}{}", rows.join(", "))
}

/// A code check's audit line as a write of its one statement on PostgreSQL (`Store::record_check`).
pub(super) fn bind_check_line<'q>(
    q: AnyQuery<'q>,
    record: &'q CheckRecord,
    line: &'q CheckLine,
) -> AnyQuery<'q> {
    let line = AuditLine {
        hrd_code: line.hrd_code.as_deref(),
        eval_cd: line.eval_cd.as_deref(),
        class_tme: line.class_tme.as_deref(),
        ..AuditLine::new(&record.tenant, &record.usrid, line.event)
    };
    bind_line(q, record.at, line)
}

/// A code check's audit line, on SQLite's writer thread.
pub(super) fn insert_check_line(
    conn: &rusqlite::Connection,
    record: &CheckRecord,
    line: &CheckLine,
) -> rusqlite::Result<()> {
    conn.prepare_cached(INSERT_AUDIT)?
        .execute(rusqlite::params![
            record.at,
            record.tenant,
            record.usrid,
            line.event.as_str(),
            line.hrd_code,
            line.eval_cd,
            line.class_tme,
            None::<&str>,
        ])?;
    Ok(())
}
