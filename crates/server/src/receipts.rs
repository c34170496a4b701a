//! `POST /v1/receipts/redeem`: the LMS server checks a receipt and uses it up (server-to-server,
//! HTTP Basic `tenant_id:secret`). Each receipt redeems once.

use crate::error::AppError;
use crate::receipt::{self, ReceiptClaims};
use crate::trainee::LmsServer;
use crate::AppState;
use axum::extract::State;
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

async fn redeem(
    State(state): State<AppState>,
    LmsServer(tenant): LmsServer,
    Json(req): Json<RedeemRequest>,
) -> Result<Json<Redeemed>, AppError> {
    let tenant = &tenant;
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
