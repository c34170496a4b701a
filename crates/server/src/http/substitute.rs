//! `POST /v1/substitute/complete {state}`: a phone identity check standing in for the code while
//! HRD is down (대체인증).

use super::{outcome, AppError, AppJson, AppState};
use crate::domain::substitute;
use crate::domain::trainee::Trainee;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/substitute/complete", post(complete))
}

#[derive(Deserialize)]
struct CompleteRequest {
    /// The identity check's id.
    state: String,
}

async fn complete(
    State(state): State<AppState>,
    trainee: Trainee,
    AppJson(req): AppJson<CompleteRequest>,
) -> Result<Response, AppError> {
    let result = substitute::complete(&state.gateway, &trainee, &req.state).await?;
    Ok(outcome(result.http_status(), &result))
}
