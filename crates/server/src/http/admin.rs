//! `/v1/admin/*`, for an institution's operators with the tenant's API key: the audit trail's
//! export, and sending the outbox now — each for the calling tenant only.

use super::extract::LmsServer;
use super::{AppError, AppQuery, AppState};
use crate::domain::audit::{self, Format};
use crate::domain::outbox;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::api::ApiError;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(export))
        .route("/admin/outbox/flush", post(flush))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ExportQuery {
    from: String,
    to: String,
    usrid: Option<String>,
    format: Option<Format>,
}

/// `GET /v1/admin/audit?from&to[&usrid][&format]`: CSV or JSON Lines, days in Korea time.
#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", security(("tenant_api_key" = [])),
    params(ExportQuery),
    responses(
        (status = 200, content(
            (String = "text/csv; charset=utf-8"),
            (String = "application/x-ndjson"),
        )),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn export(
    State(state): State<AppState>,
    LmsServer(tenant): LmsServer,
    AppQuery(q): AppQuery<ExportQuery>,
) -> Result<Response, AppError> {
    let format = q.format.unwrap_or(Format::Csv);
    let store = &state.gateway.store;
    let body = audit::export(
        store,
        &tenant.id,
        &q.from,
        &q.to,
        q.usrid.as_deref(),
        format,
    )
    .await?;
    let content_type = match format {
        Format::Csv => "text/csv; charset=utf-8",
        Format::Jsonl => "application/x-ndjson",
    };
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}

/// `POST /v1/admin/outbox/flush`: sends everything the calling tenant has queued now, for operators
/// who just saw HRD come back. Answers how many items were tried and how many still wait.
#[utoipa::path(post, path = "/v1/admin/outbox/flush", tag = "admin",
    security(("tenant_api_key" = [])),
    responses(
        (status = 200, body = Flushed),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn flush(
    State(state): State<AppState>,
    LmsServer(tenant): LmsServer,
) -> Result<Json<Flushed>, AppError> {
    let (tried, queued) = outbox::flush(&state.gateway, &tenant.id).await?;
    Ok(Json(Flushed { tried, queued }))
}

/// What a flush did: items tried, and items still waiting.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Flushed {
    tried: usize,
    queued: i64,
}
