//! `GET /v1/session` and `POST /v1/otp/verify`: the code check.

use super::{outcome, rate_limited, AppError, AppJson, AppState};
use crate::domain::code_check;
use crate::domain::trainee::Trainee;
use crate::http::extract::ClientIp;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::api::{ApiError, SessionInfo, VerifyOutcome, VerifyRequest};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", get(session))
        .route("/otp/verify", post(verify))
}

/// What the widget needs before the first attempt.
#[utoipa::path(get, path = "/v1/session", tag = "trainee", security(("launch_token" = [])),
    responses(
        (status = 200, body = SessionInfo),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn session(
    State(state): State<AppState>,
    trainee: Trainee,
) -> Result<Json<SessionInfo>, AppError> {
    Ok(Json(code_check::session(&state.gateway, &trainee).await?))
}

/// A typed code, sent to HRD for the trainee of the launch token.
#[utoipa::path(post, path = "/v1/otp/verify", tag = "trainee", security(("launch_token" = [])),
    request_body = VerifyRequest,
    responses(
        (status = 200, body = VerifyOutcome),
        (status = 422, body = super::openapi::InvalidOrMalformed),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    trainee: Trainee,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<VerifyRequest>,
) -> Result<Response, AppError> {
    let verdict = code_check::verify(&state.gateway, &trainee, ip, &req.code).await?;
    Ok(match verdict {
        VerifyOutcome::RateLimited {
            retry_after_seconds,
        } => rate_limited(retry_after_seconds),
        _ => outcome(verdict.http_status(), &verdict),
    })
}
