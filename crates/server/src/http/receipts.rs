//! `POST /v1/receipts/redeem`: the LMS server checks a receipt against what it expects and uses it
//! up (server-to-server, HTTP Basic `tenant_id:api_key`). Each receipt redeems once.
//! `GET /.well-known/jwks.json`: the public keys receipts are signed with, to verify them offline.

use super::extract::LmsServer;
use super::{AppError, AppJson, AppState};
use crate::domain::jwt::ReceiptClaims;
use crate::domain::receipt_keys;
use crate::domain::receipts::{self, Expectation};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::api::ApiError;
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new().route("/receipts/redeem", post(redeem))
}

/// `GET /.well-known/jwks.json` (outside `/v1`: where JWT libraries look).
pub fn jwks_routes() -> Router<AppState> {
    Router::new().route("/.well-known/jwks.json", get(jwks))
}

/// The public keys receipts are signed with (JWK Set, Ed25519).
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "lms",
    responses(
        (status = 200, body = Object, description = "a JWK Set"),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn jwks(State(state): State<AppState>) -> Result<Response, AppError> {
    let keys = receipt_keys::published(&state.gateway).await?;
    let body = Json(receipt_keys::jwks(&keys));
    // Cached no longer than a new key is published before it signs.
    let max_age = format!("public, max-age={}", receipt_keys::PUBLISH_AHEAD_SECS);
    Ok(([(header::CACHE_CONTROL, max_age)], body).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RedeemRequest {
    pub receipt: String,
    /// What the LMS expects the receipt to prove; required, so no LMS can forget to compare.
    pub expect: Expectation,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Redeemed {
    pub valid: bool,
    pub claims: ReceiptClaims,
}

/// Checks a receipt against what the LMS expects and uses it up.
#[utoipa::path(post, path = "/v1/receipts/redeem", tag = "lms", security(("tenant_api_key" = [])),
    request_body = RedeemRequest,
    responses(
        (status = 200, body = Redeemed),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn redeem(
    State(state): State<AppState>,
    LmsServer(tenant): LmsServer,
    AppJson(req): AppJson<RedeemRequest>,
) -> Result<Json<Redeemed>, AppError> {
    let claims = receipts::redeem(&state.gateway, &tenant, &req.receipt, &req.expect).await?;
    Ok(Json(Redeemed {
        valid: true,
        claims,
    }))
}
