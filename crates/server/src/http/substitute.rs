//! `POST /v1/substitute/complete {state}`: a phone identity check standing in for the code while
//! HRD is down (대체인증).

use super::{outcome, AppError, AppJson, AppState};
use crate::domain::substitute;
use crate::domain::trainee::Trainee;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use motp_protocol::api::{ApiError, SubstituteOutcome};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/substitute/complete", post(complete))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct CompleteRequest {
    /// The identity check's id.
    state: String,
}

/// A succeeded phone identity check standing in for the code while HRD is down.
#[utoipa::path(post, path = "/v1/substitute/complete", tag = "trainee",
    security(("launch_token" = [])),
    request_body = CompleteRequest,
    responses(
        (status = 200, body = SubstituteOutcome),
        (status = 403, body = SubstituteOutcome), (status = 409, body = SubstituteOutcome),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn complete(
    State(state): State<AppState>,
    trainee: Trainee,
    AppJson(req): AppJson<CompleteRequest>,
) -> Result<Response, AppError> {
    let result = substitute::complete(&state.gateway, &trainee, &req.state).await?;
    Ok(outcome(result.http_status(), &result))
}
