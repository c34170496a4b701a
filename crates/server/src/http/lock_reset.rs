//! `POST /v1/lock/reset {state}`: lifting a lock with a phone identity check.

use super::{outcome, AppError, AppJson, AppState};
use crate::domain::lock_reset;
use crate::domain::trainee::Trainee;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use motp_protocol::api::{ApiError, ResetOutcome};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lock/reset", post(reset))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ResetRequest {
    /// The identity check's id.
    state: String,
}

/// Lifts the trainee's lock with a succeeded phone identity check.
#[utoipa::path(post, path = "/v1/lock/reset", tag = "trainee", security(("launch_token" = [])),
    request_body = ResetRequest,
    responses(
        (status = 200, body = ResetOutcome), (status = 202, body = ResetOutcome),
        (status = 403, body = ResetOutcome), (status = 409, body = ResetOutcome),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn reset(
    State(state): State<AppState>,
    trainee: Trainee,
    AppJson(req): AppJson<ResetRequest>,
) -> Result<Response, AppError> {
    let result = lock_reset::reset(&state.gateway, &trainee, &req.state).await?;
    Ok(outcome(result.http_status(), &result))
}
