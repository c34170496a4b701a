//! `POST /v1/receipts/redeem`: the LMS server checks a receipt and uses it up (server-to-server,
//! HTTP Basic `tenant_id:secret`). Each receipt redeems once.

use crate::error::AppError;
use crate::receipt::{self, ReceiptClaims};
use crate::tenant::Tenant;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/receipts/redeem", post(redeem))
}

#[derive(Deserialize)]
pub struct RedeemRequest {
    pub receipt: String,
}

#[derive(Serialize)]
pub struct Redeemed {
    pub valid: bool,
    pub claims: ReceiptClaims,
}

/// The tenant whose credentials are in `Authorization: Basic base64(tenant_id:secret)`.
fn authenticated_tenant<'a>(
    headers: &HeaderMap,
    state: &'a AppState,
) -> Result<&'a Tenant, AppError> {
    use base64::Engine;
    let encoded = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .ok_or(AppError::Unauthorized)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| AppError::Unauthorized)?;
    let text = String::from_utf8(decoded).map_err(|_| AppError::Unauthorized)?;
    let (id, secret) = text.split_once(':').ok_or(AppError::Unauthorized)?;
    let tenant = state.tenants.get(id).ok_or(AppError::Unauthorized)?;
    // Constant-time comparison: the secret must not leak through timing.
    let same = tenant.secret.len() == secret.len()
        && tenant
            .secret
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some(tenant).ok_or(AppError::Unauthorized)
}

async fn redeem(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(req): Json<RedeemRequest>,
) -> Result<Json<Redeemed>, AppError> {
    let tenant = authenticated_tenant(&headers, &state)?;
    let now = state.now();
    let claims = receipt::verify(req.receipt.trim(), tenant, now)?;
    if !state
        .store
        .redeem_receipt(&claims.jti, &tenant.id, now)
        .await?
    {
        return Err(AppError::ReceiptAlreadyRedeemed);
    }
    state
        .store
        .audit(
            now,
            crate::store::AuditEvent {
                tenant: &tenant.id,
                usrid: &claims.sub,
                event: "receipt_redeemed",
                hrd_code: Some(&claims.hrd_code),
                eval_cd: Some(&claims.eval_cd),
                class_tme: Some(&claims.class_tme),
                detail: Some(&claims.method),
            },
        )
        .await?;
    Ok(Json(Redeemed {
        valid: true,
        claims,
    }))
}
