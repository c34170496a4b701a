//! `POST /v1/receipts/redeem`: the LMS server checks a receipt and uses it up (server-to-server,
//! HTTP Basic `tenant_id:secret`). Each receipt redeems once.

use super::extract::LmsServer;
use super::{AppError, AppJson, AppState};
use crate::domain::jwt::ReceiptClaims;
use crate::domain::receipts;
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
    AppJson(req): AppJson<RedeemRequest>,
) -> Result<Json<Redeemed>, AppError> {
    let claims = receipts::redeem(&state.gateway, &tenant, &req.receipt).await?;
    Ok(Json(Redeemed {
        valid: true,
        claims,
    }))
}
