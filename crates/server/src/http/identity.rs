//! `/v1/identity/*`: starting a phone identity check, polling it, and an LMS server's attestation
//! of its own provider's result.

use super::{AppError, AppJson, AppQuery, AppState};
use crate::domain::identity;
use crate::domain::trainee::Trainee;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::api::{ApiError, IdentityStart, IdentityStatus};
use serde::{Deserialize, Serialize};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/identity/start", post(start))
        .route("/identity/attestations", post(attestation))
        .route("/identity/{state}", get(status))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct StartQuery {
    /// `reset` (lift a lock, the default) or `substitute` (stand in for the code while HRD is down).
    purpose: Option<String>,
    /// The LMS page to come back to when the check runs in the trainee's own window.
    return_to: Option<String>,
}

/// `POST /v1/identity/start[?purpose=substitute]`: a new check for the trainee of the launch token.
#[utoipa::path(post, path = "/v1/identity/start", tag = "trainee", security(("launch_token" = [])),
    params(StartQuery),
    responses(
        (status = 200, body = IdentityStart),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn start(
    State(state): State<AppState>,
    trainee: Trainee,
    headers: HeaderMap,
    AppQuery(q): AppQuery<StartQuery>,
) -> Result<Json<IdentityStart>, AppError> {
    // The popup reports to the page the widget runs in, and only to it.
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let started = identity::start(
        &state.gateway,
        &trainee,
        origin,
        q.purpose.as_deref(),
        q.return_to.as_deref(),
    )
    .await?;
    Ok(Json(started))
}

/// Where an identity check stands.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CheckStatus {
    state: String,
    status: IdentityStatus,
}

/// `GET /v1/identity/{state}`: polled by the widget when no `postMessage` arrives.
#[utoipa::path(get, path = "/v1/identity/{state}", tag = "trainee", security(("launch_token" = [])),
    params(("state" = String, Path, description = "the check's id: 32 lower-case hex digits")),
    responses(
        (status = 200, body = CheckStatus),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn status(
    State(state): State<AppState>,
    trainee: Trainee,
    Path(check_id): Path<String>,
) -> Result<Json<CheckStatus>, AppError> {
    let status = identity::status(&state.gateway, &trainee, &check_id).await?;
    Ok(Json(CheckStatus {
        state: check_id,
        status,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AttestationBody {
    /// The LMS's signed JWT (HS256, tenant secret, `aud` `motp-attestation`).
    attestation: String,
}

/// An attestation recorded on its check.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Attested {
    accepted: bool,
    state: String,
}

/// `POST /v1/identity/attestations`: the LMS's server reports its provider's answer.
#[utoipa::path(post, path = "/v1/identity/attestations", tag = "lms",
    request_body = AttestationBody,
    responses(
        (status = 200, body = Attested),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn attestation(
    State(state): State<AppState>,
    AppJson(body): AppJson<AttestationBody>,
) -> Result<Json<Attested>, AppError> {
    let check_id = identity::attest(&state.gateway, &body.attestation).await?;
    Ok(Json(Attested {
        accepted: true,
        state: check_id,
    }))
}
