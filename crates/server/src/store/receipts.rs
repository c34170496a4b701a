//! `receipts`: every receipt issued, so each redeems exactly once.

use super::{StoreResult, StoreTx};

impl StoreTx {
    /// Marks a receipt redeemed; `false` if it was unknown or already redeemed. One statement, so two
    /// concurrent redemptions cannot both succeed.
    pub(crate) async fn redeem_receipt(
        &mut self,
        id: &str,
        tenant: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE receipts SET redeemed_at = $1 WHERE id = $2 AND tenant = $3 AND redeemed_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(tenant)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn save_receipt(
        &mut self,
        id: &str,
        tenant: &str,
        usrid: &str,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query("INSERT INTO receipts (id, tenant, usrid, issued_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(tenant)
            .bind(usrid)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
