//! `receipt_keys`: the Ed25519 keys that sign receipts, shared by every instance.

use super::{Store, StoreResult};
use crate::model::ReceiptKeyRecord;

#[derive(sqlx::FromRow)]
struct Row {
    kid: String,
    private_key: String,
    public_key: String,
    created_at: i64,
}

impl Store {
    /// Every key, oldest first.
    pub(crate) async fn receipt_keys(&self) -> StoreResult<Vec<ReceiptKeyRecord>> {
        let rows = sqlx::query_as::<_, Row>(
            "SELECT kid, private_key, public_key, created_at FROM receipt_keys ORDER BY created_at, kid",
        )
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| ReceiptKeyRecord {
                kid: r.kid,
                private_key: r.private_key,
                public_key: r.public_key,
                created_at: r.created_at,
            })
            .collect())
    }

    /// Adds a key; it signs from now on, since it is the newest.
    pub(crate) async fn add_receipt_key(&self, key: &ReceiptKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO receipt_keys (kid, private_key, public_key, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&key.kid)
        .bind(&key.private_key)
        .bind(&key.public_key)
        .bind(key.created_at)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// Drops keys no receipt can still need.
    pub(crate) async fn drop_receipt_keys(&self, kids: &[String]) -> StoreResult<()> {
        for kid in kids {
            sqlx::query("DELETE FROM receipt_keys WHERE kid = $1")
                .bind(kid)
                .execute(&self.writes)
                .await?;
        }
        Ok(())
    }
}
