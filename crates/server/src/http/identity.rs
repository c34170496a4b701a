//! `/v1/identity/*`: starting a phone identity check, polling it, and an LMS server's attestation
//! of its own provider's result.

use super::{AppError, AppJson, AppQuery, AppState};
use crate::domain::identity;
use crate::domain::trainee::Trainee;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::api::IdentityStart;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/identity/start", post(start))
        .route("/identity/attestations", post(attestation))
        .route("/identity/{state}", get(status))
}

#[derive(Deserialize)]
struct StartQuery {
    /// `reset` (lift a lock, the default) or `substitute` (stand in for the code while HRD is down).
    purpose: Option<String>,
    /// The LMS page to come back to when the check runs in the trainee's own window.
    return_to: Option<String>,
}

/// `POST /v1/identity/start[?purpose=substitute]`: a new check for the trainee of the launch token.
async fn start(
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

/// `GET /v1/identity/{state}`: polled by the widget when no `postMessage` arrives.
async fn status(
    State(state): State<AppState>,
    trainee: Trainee,
    Path(check_id): Path<String>,
) -> Result<Json<Value>, AppError> {
    let status = identity::status(&state.gateway, &trainee, &check_id).await?;
    Ok(Json(json!({ "state": check_id, "status": status })))
}

#[derive(Deserialize)]
struct AttestationBody {
    attestation: String,
}

/// `POST /v1/identity/attestations`: the LMS's server reports its provider's answer.
async fn attestation(
    State(state): State<AppState>,
    AppJson(body): AppJson<AttestationBody>,
) -> Result<Json<Value>, AppError> {
    let check_id = identity::attest(&state.gateway, &body.attestation).await?;
    Ok(Json(json!({ "accepted": true, "state": check_id })))
}
