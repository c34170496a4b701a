//! HRD's mOTP API v2 (spec §2.1–2.2): `POST`, form-urlencoded, HTTP 200 with a JSON `code`.

use crate::faults::FaultMode;
use crate::form::{self, field, Fields};
use crate::Sandbox;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use motp_protocol::hrd::{HrdAnswer, OTP_ACCREDIT_PATH, USER_RESET_PATH};
use motp_protocol::HrdCode;
use std::sync::Arc;

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route(OTP_ACCREDIT_PATH, any(otp_accredit))
        .route(USER_RESET_PATH, any(user_reset))
}

async fn otp_accredit(
    State(sb): State<Arc<Sandbox>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    motp_call(&sb, "otp_accredit", &method, &headers, &body, |sb, f| {
        let now = sb.now();
        sb.with_registry(|r| r.accredit(f, now))
    })
    .await
}

async fn user_reset(
    State(sb): State<Arc<Sandbox>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    motp_call(&sb, "reset", &method, &headers, &body, |sb, f| {
        sb.with_registry(|r| r.reset(f))
    })
    .await
}

/// The checks every mOTP call goes through before its own logic, in HRD's order: injected fault,
/// method (WE002), Content-Type (WE001), encoding (WE004), rate (WE005).
async fn motp_call(
    sb: &Sandbox,
    kind: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    handle: impl FnOnce(&Sandbox, &Fields) -> HrdCode,
) -> Response {
    if let Some(mode) = sb.faults.take() {
        return fault_response(sb, mode).await;
    }
    let code = match transport_checks(method, headers, body) {
        Err(code) => code,
        Ok(fields) => {
            let code = if sb.within_rate(field(&fields, "AGTID"), field(&fields, "USRID")) {
                handle(sb, &fields)
            } else {
                HrdCode::We005
            };
            sb.record(kind, code.as_str(), fields);
            code
        }
    };
    Json(HrdAnswer::of(code)).into_response()
}

/// Method, Content-Type and encoding, as HRD checks them for every form endpoint.
pub(crate) fn transport_checks(
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Fields, HrdCode> {
    if method != Method::POST {
        return Err(HrdCode::We002);
    }
    let form_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !form_type {
        return Err(HrdCode::We001);
    }
    // Assumption: HRD writes an access log with USER_NM before anything else and fails with WE004
    // when the body does not decode as UTF-8.
    form::parse(body).map_err(|_| HrdCode::We004)
}

/// What an injected fault answers with on a JSON endpoint.
pub(crate) async fn fault_response(sb: &Sandbox, mode: FaultMode) -> Response {
    match mode {
        FaultMode::Timeout => {
            tokio::time::sleep(sb.config.timeout_hold).await;
            Json(HrdAnswer::of(HrdCode::Ie001)).into_response()
        }
        FaultMode::Http500 => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
        )
            .into_response(),
        FaultMode::Garbage => (
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body>점검 중입니다</body></html>",
        )
            .into_response(),
        FaultMode::Ie001 => Json(HrdAnswer::of(HrdCode::Ie001)).into_response(),
        FaultMode::Ce001 => Json(HrdAnswer::of(HrdCode::Ce001)).into_response(),
        FaultMode::Ce002 => Json(HrdAnswer::of(HrdCode::Ce002)).into_response(),
        FaultMode::Ce003 => Json(HrdAnswer::of(HrdCode::Ce003)).into_response(),
    }
}
