//! `receipts`: every receipt issued, so each redeems exactly once.

use super::{AnyQuery, StoreResult, StoreTx};

/// Shared by the sqlx transactions and SQLite's writer thread (`writer.rs`).
pub(super) const SAVE_RECEIPT: &str =
    "INSERT INTO receipts (id, tenant, usrid, issued_at) VALUES ($1, $2, $3, $4)";

/// What redeeming a receipt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redemption {
    Redeemed,
    AlreadyRedeemed,
    /// No receipt of this tenant has that id.
    Unknown,
}

impl StoreTx {
    /// Marks a receipt redeemed. One statement decides, so two concurrent redemptions cannot both
    /// succeed.
    pub(crate) async fn redeem_receipt(
        &mut self,
        id: &str,
        tenant: &str,
        now: i64,
    ) -> StoreResult<Redemption> {
        let done = sqlx::query(
            "UPDATE receipts SET redeemed_at = $1 WHERE id = $2 AND tenant = $3 AND redeemed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(tenant)
        .execute(&mut *self.tx)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Redemption::Redeemed);
        }
        let known: Option<(String,)> =
            sqlx::query_as("SELECT id FROM receipts WHERE id = $1 AND tenant = $2")
                .bind(id)
                .bind(tenant)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(match known {
            Some(_) => Redemption::AlreadyRedeemed,
            None => Redemption::Unknown,
        })
    }

    pub(crate) async fn save_receipt(
        &mut self,
        id: &str,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> StoreResult<()> {
        bind_receipt(sqlx::query(SAVE_RECEIPT), id, tenant, usrid, now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}

/// [`SAVE_RECEIPT`]'s parameters, bound onto `q` in its order (also a write of a code check's one
/// statement on PostgreSQL, `Store::record_check`).
pub(super) fn bind_receipt<'q>(
    q: AnyQuery<'q>,
    id: &'q str,
    tenant: &'q str,
    usrid: &'q str,
    now: i64,
) -> AnyQuery<'q> {
    q.bind(id).bind(tenant).bind(usrid).bind(now)
}

/// A receipt issued by a code check, on SQLite's writer thread.
pub(super) fn insert_receipt(
    conn: &rusqlite::Connection,
    id: &str,
    tenant: &str,
    usrid: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(SAVE_RECEIPT)?
        .execute(rusqlite::params![id, tenant, usrid, now])?;
    Ok(())
}
