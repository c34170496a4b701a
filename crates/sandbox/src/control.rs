//! The sandbox's own control API (JSON, under `/sandbox`): what a person or a test does to the
//! virtual phone and to the emulated HRD. Stable and documented in the crate README.

use crate::faults::FaultMode;
use crate::registry::RegisterError;
use crate::{LogRecord, Sandbox};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::{kst, HrdCode, CODE_STEP_SECONDS};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/devices", post(register))
        .route("/devices/{device_id}/code", get(device_code))
        .route("/users", get(user_status))
        .route("/clock", get(clock).post(set_clock))
        .route("/faults", get(faults).post(set_faults))
        .route("/logs", get(logs))
}

#[derive(Deserialize)]
struct RegisterBody {
    name: String,
    tel: String,
    pin: String,
}

/// `POST /sandbox/devices`: the app's registration (or "mOTP 등록 초기화").
async fn register(State(sb): State<Arc<Sandbox>>, Json(body): Json<RegisterBody>) -> Response {
    match sb.register_device(&body.name, &body.tel, &body.pin) {
        Ok(device_id) => Json(json!({"code": 200, "device_id": device_id})).into_response(),
        Err(RegisterError::Locked) => Json(json!({
            "code": "AP011",
            "msg": HrdCode::Ap011.hrd_message(),
        }))
        .into_response(),
        Err(RegisterError::Invalid(why)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"code": "AP008", "msg": why})),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct CodeQuery {
    pin: String,
    at: Option<i64>,
}

/// `GET /sandbox/devices/{id}/code?pin=NNNN[&at=unix]`: what the phone shows.
async fn device_code(
    State(sb): State<Arc<Sandbox>>,
    Path(device_id): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Response {
    let at = q.at.unwrap_or_else(|| sb.now());
    match sb.device_code(&device_id, &q.pin, Some(at)) {
        Some(code) => {
            let step = CODE_STEP_SECONDS as i64;
            Json(json!({
                "code": code,
                "step_seconds": CODE_STEP_SECONDS,
                "valid_for_seconds": step - at.rem_euclid(step),
                "at_unix": at,
            }))
            .into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "unknown_device", "message": format!("no device {device_id}")})),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct UserQuery {
    name: String,
    tel: String,
}

/// `GET /sandbox/users?name=…&tel=…`: HRD's view of a trainee (failures, lock, current device).
async fn user_status(State(sb): State<Arc<Sandbox>>, Query(q): Query<UserQuery>) -> Response {
    let person = sb.with_registry(|r| r.person(q.name.trim(), q.tel.trim()).cloned());
    match person {
        Some(p) => Json(json!({
            "registered": p.current_device.is_some(),
            "device_id": p.current_device,
            "failures": p.failures,
            "locked": p.locked,
        }))
        .into_response(),
        None => Json(json!({"registered": false, "failures": 0, "locked": false})).into_response(),
    }
}

fn clock_json(sb: &Sandbox) -> Json<serde_json::Value> {
    let now = sb.now();
    Json(json!({"now_unix": now, "now_kst": kst::format_unix(now)}))
}

async fn clock(State(sb): State<Arc<Sandbox>>) -> Json<serde_json::Value> {
    clock_json(&sb)
}

#[derive(Deserialize)]
struct ClockBody {
    offset_seconds: Option<i64>,
    fixed_unix: Option<i64>,
}

/// How far the sandbox clock may be moved from the machine's: a year either way.
pub const MAX_CLOCK_OFFSET_SECS: i64 = 366 * 24 * 3600;
/// The instants the clock may be fixed at: 2000-01-01 to 2100-01-01 (UTC).
pub const FIXED_CLOCK_RANGE: std::ops::RangeInclusive<i64> = 946_684_800..=4_102_444_800;

/// `POST /sandbox/clock {"offset_seconds"}` or `{"fixed_unix"}`, each range-checked: the clock
/// also drives the gateway's in sandbox mode, and nothing sensible lies a century away.
async fn set_clock(State(sb): State<Arc<Sandbox>>, Json(body): Json<ClockBody>) -> Response {
    let bad = |message: &str| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "bad_clock", "message": message})),
        )
            .into_response()
    };
    match (body.offset_seconds, body.fixed_unix) {
        (Some(offset), None) if offset.abs() <= MAX_CLOCK_OFFSET_SECS => {
            sb.clock.set_offset(offset)
        }
        (None, Some(fixed)) if FIXED_CLOCK_RANGE.contains(&fixed) => sb.clock.set_fixed(fixed),
        (Some(_), None) => return bad("offset_seconds must be within a year (±31,622,400)"),
        (None, Some(_)) => return bad("fixed_unix must be between 2000-01-01 and 2100-01-01"),
        _ => {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": "bad_clock", "message": "give exactly one of offset_seconds, fixed_unix"})),
            )
                .into_response()
        }
    }
    clock_json(&sb).into_response()
}

#[derive(Deserialize)]
struct FaultBody {
    mode: FaultMode,
    count: u32,
}

fn faults_json(sb: &Sandbox) -> Json<serde_json::Value> {
    match sb.faults.peek() {
        Some((mode, left)) => Json(json!({"mode": mode, "remaining": left})),
        None => Json(json!({"mode": null, "remaining": 0})),
    }
}

async fn faults(State(sb): State<Arc<Sandbox>>) -> Json<serde_json::Value> {
    faults_json(&sb)
}

/// `POST /sandbox/faults {"mode":"timeout|http500|ie001|ce001|ce002|ce003|garbage","count":N}`.
async fn set_faults(
    State(sb): State<Arc<Sandbox>>,
    Json(body): Json<FaultBody>,
) -> Json<serde_json::Value> {
    sb.faults.set(body.mode, body.count);
    faults_json(&sb)
}

#[derive(Deserialize)]
struct LogQuery {
    kind: Option<String>,
}

/// `GET /sandbox/logs?kind=otp_accredit|reset|pAuthLog|pSubOtpLog|phone_auth_hist`.
async fn logs(State(sb): State<Arc<Sandbox>>, Query(q): Query<LogQuery>) -> Json<Vec<LogRecord>> {
    Json(sb.logs(q.kind.as_deref()))
}
