//! `nice_crypto_tokens` and `nice_requests`: NICE 본인확인's crypto tokens (shared by every
//! instance) and the requests sealed with them, by NICE's `requestno`.

use super::{Store, StoreResult};
use crate::model::{NiceCryptoToken, NiceRequest};

#[derive(sqlx::FromRow)]
struct TokenRow {
    token_version_id: String,
    tenant: String,
    req_dtim: String,
    req_no: String,
    token_val: String,
    site_code: String,
    expires_at: i64,
}

impl From<TokenRow> for NiceCryptoToken {
    fn from(r: TokenRow) -> Self {
        NiceCryptoToken {
            token_version_id: r.token_version_id,
            tenant: r.tenant,
            req_dtim: r.req_dtim,
            req_no: r.req_no,
            token_val: r.token_val,
            site_code: r.site_code,
            expires_at: r.expires_at,
        }
    }
}

const TOKEN_COLUMNS: &str =
    "token_version_id, tenant, req_dtim, req_no, token_val, site_code, expires_at";

impl Store {
    /// The tenant's crypto token that lasts longest, if it lasts past `until`.
    pub(crate) async fn nice_token_for(
        &self,
        tenant: &str,
        until: i64,
    ) -> StoreResult<Option<NiceCryptoToken>> {
        let row = sqlx::query_as::<_, TokenRow>(&format!(
            "SELECT {TOKEN_COLUMNS} FROM nice_crypto_tokens WHERE tenant = $1 AND expires_at > $2 \
             ORDER BY expires_at DESC LIMIT 1"
        ))
        .bind(tenant)
        .bind(until)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.map(Into::into))
    }

    pub(crate) async fn nice_token(
        &self,
        token_version_id: &str,
    ) -> StoreResult<Option<NiceCryptoToken>> {
        let row = sqlx::query_as::<_, TokenRow>(&format!(
            "SELECT {TOKEN_COLUMNS} FROM nice_crypto_tokens WHERE token_version_id = $1"
        ))
        .bind(token_version_id)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.map(Into::into))
    }

    /// Keeps a new crypto token, and forgets those expired for a day (no result can come back
    /// sealed with them).
    pub(crate) async fn add_nice_token(
        &self,
        token: &NiceCryptoToken,
        now: i64,
    ) -> StoreResult<()> {
        let mut tx = self.writes.begin().await?;
        sqlx::query("DELETE FROM nice_crypto_tokens WHERE expires_at < $1")
            .bind(now - 86_400)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!(
            "INSERT INTO nice_crypto_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&token.token_version_id)
        .bind(&token.tenant)
        .bind(&token.req_dtim)
        .bind(&token.req_no)
        .bind(&token.token_val)
        .bind(&token.site_code)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a request sealed for a check.
    pub(crate) async fn add_nice_request(&self, request: &NiceRequest) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO nice_requests (requestno, check_id, token_version_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&request.requestno)
        .bind(&request.check_id)
        .bind(&request.token_version_id)
        .bind(request.created_at)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub(crate) async fn nice_request(&self, requestno: &str) -> StoreResult<Option<NiceRequest>> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT requestno, check_id, token_version_id, created_at FROM nice_requests \
             WHERE requestno = $1",
        )
        .bind(requestno)
        .fetch_optional(&self.reads)
        .await?;
        Ok(row.map(
            |(requestno, check_id, token_version_id, created_at)| NiceRequest {
                requestno,
                check_id,
                token_version_id,
                created_at,
            },
        ))
    }
}
