//! `POST /v1/lock/reset {state}`: lifting a lock with a phone identity check.

use super::{outcome, AppError, AppJson, AppState};
use crate::domain::lock_reset;
use crate::domain::trainee::Trainee;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lock/reset", post(reset))
}

#[derive(Deserialize)]
struct ResetRequest {
    /// The identity check's id.
    state: String,
}

async fn reset(
    State(state): State<AppState>,
    trainee: Trainee,
    AppJson(req): AppJson<ResetRequest>,
) -> Result<Response, AppError> {
    let result = lock_reset::reset(&state.gateway, &trainee, &req.state).await?;
    Ok(outcome(result.http_status(), &result))
}
