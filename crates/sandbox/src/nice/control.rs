//! The emulator's control API for tests (JSON, under `/sandbox` of the NICE router, so
//! `/nice/sandbox/…` where the gateway nests it): queue outcomes, set knobs, read deliveries,
//! replay the last one.

use super::{deliver, NiceEmulator};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

pub fn routes() -> Router<Arc<NiceEmulator>> {
    Router::new()
        .route("/outcome", post(queue_outcome))
        .route("/knobs", get(knobs).post(set_knobs))
        .route("/deliveries", get(deliveries))
        .route("/replay-last", get(replay_last).post(replay_last))
        .route("/expire-crypto-tokens", post(expire_crypto_tokens))
}

/// `POST /sandbox/outcome`: how the next standard-window request ends, without a page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedOutcome {
    /// `0000` or a §11.4 failure code.
    #[serde(default)]
    pub resultcode: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub mobileno: String,
    /// `YYYYMMDD`.
    #[serde(default)]
    pub birthdate: String,
    /// `1` male, `0` female.
    #[serde(default = "male")]
    pub gender: String,
    /// `0` Korean, `1` foreigner.
    #[serde(default = "korean")]
    pub nationalinfo: String,
    /// `1` SKT, `2` KT, `3` LGU+, `5`–`7` their MVNOs.
    #[serde(default = "skt")]
    pub mobileco: String,
    /// The person closes the window instead: nothing is delivered.
    #[serde(default)]
    pub close: bool,
}

impl QueuedOutcome {
    /// `0000` for this person (gender 1, Korean, SKT), as `POST /sandbox/outcome` with these fields.
    pub fn identified(name: &str, mobileno: &str, birthdate: &str) -> QueuedOutcome {
        QueuedOutcome {
            resultcode: "0000".into(),
            name: name.into(),
            mobileno: mobileno.into(),
            birthdate: birthdate.into(),
            gender: male(),
            nationalinfo: korean(),
            mobileco: skt(),
            close: false,
        }
    }

    /// A failed check with this §11.4 code.
    pub fn failed(resultcode: &str) -> QueuedOutcome {
        QueuedOutcome {
            resultcode: resultcode.into(),
            ..QueuedOutcome::identified("", "", "")
        }
    }
}

fn male() -> String {
    "1".into()
}
fn korean() -> String {
    "0".into()
}
fn skt() -> String {
    "1".into()
}

/// How the next delivery misbehaves; each knob applies to one delivery, then all reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Knobs {
    /// The integrity value does not match `enc_data` (a tampered return).
    pub tamper_integrity: bool,
    /// Delivered by GET redirect even when `methodtype` asked for POST (§8.1 "브라우저정책").
    pub force_get: bool,
    /// On GET, base64 goes into the query raw (`+`, `/`, `=` unencoded; `+` then reads as space).
    pub raw_plus: bool,
    /// A failure (resultcode ≠ 0000) carries no `responseno` (§16 unknown 3).
    pub omit_responseno_on_failure: bool,
    /// The result JSON is sealed as UTF-8 instead of EUC-KR (a negative test for the decoder).
    pub utf8_result: bool,
    /// `mobile_co`/`mobile_no` instead of `mobileco`/`mobileno` (a minority of NICE's documents).
    pub mobile_co_spelling: bool,
}

async fn queue_outcome(
    State(emu): State<Arc<NiceEmulator>>,
    Json(outcome): Json<QueuedOutcome>,
) -> Response {
    if outcome.close {
        emu.queue_close();
        return Json(json!({"queued": "close"})).into_response();
    }
    let code = outcome.resultcode.as_bytes();
    if code.len() != 4 || !code.iter().all(u8::is_ascii_digit) {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({"error": "bad_outcome", "message": "resultcode must be 4 digits, or give \"close\": true"})),
        )
            .into_response();
    }
    let queued = emu.state().queue.len() + 1;
    emu.queue_outcome(outcome);
    Json(json!({"queued": queued})).into_response()
}

async fn knobs(State(emu): State<Arc<NiceEmulator>>) -> Json<Knobs> {
    Json(emu.knobs())
}

async fn set_knobs(State(emu): State<Arc<NiceEmulator>>, Json(k): Json<Knobs>) -> Json<Knobs> {
    emu.set_knobs(k);
    Json(emu.knobs())
}

async fn deliveries(State(emu): State<Arc<NiceEmulator>>) -> Json<Vec<super::Delivery>> {
    Json(emu.deliveries())
}

/// `GET|POST /sandbox/replay-last`: the last delivery again, exactly as it went (the same redirect
/// or auto-submitting page), so a browser or a test sends the same result to `returnurl` twice.
async fn replay_last(State(emu): State<Arc<NiceEmulator>>) -> Response {
    let mut state = emu.state();
    let Some(last) = state.deliveries.last().cloned() else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "nothing_delivered"})),
        )
            .into_response();
    };
    let again = super::Delivery {
        seq: state.deliveries.len() as u64 + 1,
        delivered_unix: emu.now(),
        replay: true,
        ..last
    };
    state.deliveries.push(again.clone());
    deliver::delivery_response(&again)
}

async fn expire_crypto_tokens(State(emu): State<Arc<NiceEmulator>>) -> Json<serde_json::Value> {
    emu.expire_crypto_tokens();
    Json(json!({"expired": true}))
}
