//! The JSON the widget exchanges with `motp-server`, read from the browser's own `JSON.parse`
//! result and written with `JSON.stringify`. Written by hand on purpose: serde's derived decoders
//! for these few shapes cost the widget about 30 KB gzip (measured), against a 100 KB budget. The
//! shapes are `motp_protocol::api`'s, which the server serialises with serde; the widget's browser
//! tests exercise every one of them.

use js_sys::{Object, Reflect, JSON};
use motp_protocol::api::{
    IdentityMessage, IdentityStart, IdentityStatus, ResetOutcome, SessionInfo, SubstituteOutcome,
    VerifyOutcome,
};
use motp_protocol::input::CodeInputError;
use wasm_bindgen::JsValue;

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

fn count(v: &JsValue, key: &str) -> Option<u32> {
    get(v, key)
        .as_f64()
        .filter(|n| n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(n))
        .map(|n| n as u32)
}

fn flag(v: &JsValue, key: &str) -> Option<bool> {
    get(v, key).as_bool()
}

/// A value the widget reads from the server.
pub trait FromJs: Sized {
    fn from_js(v: &JsValue) -> Option<Self>;
}

impl FromJs for SessionInfo {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(SessionInfo {
            server_time_unix: get(v, "server_time_unix").as_f64()? as i64,
            step_seconds: u64::from(count(v, "step_seconds")?),
            failures: count(v, "failures")?,
            remaining: count(v, "remaining")?,
            locked: flag(v, "locked")?,
            eval_cd: text(v, "eval_cd")?,
            eval_label: text(v, "eval_label")?,
            substitute_allowed: flag(v, "substitute_allowed")?,
        })
    }
}

fn code_input_error(s: &str) -> Option<CodeInputError> {
    Some(match s {
        "empty" => CodeInputError::Empty,
        "looks_like_app_password" => CodeInputError::LooksLikeAppPassword,
        "not_digits" => CodeInputError::NotDigits,
        "wrong_length" => CodeInputError::WrongLength,
        _ => return None,
    })
}

impl FromJs for VerifyOutcome {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(match text(v, "result")?.as_str() {
            "verified" => VerifyOutcome::Verified {
                receipt: text(v, "receipt")?,
            },
            "wrong_code" => VerifyOutcome::WrongCode {
                failures: count(v, "failures")?,
                remaining: count(v, "remaining")?,
            },
            "code_already_used" => VerifyOutcome::CodeAlreadyUsed {
                seconds_until_new: u64::from(count(v, "seconds_until_new")?),
            },
            "locked" => VerifyOutcome::Locked,
            "not_registered" => VerifyOutcome::NotRegistered,
            "hrd_unavailable" => VerifyOutcome::HrdUnavailable {
                substitute_allowed: flag(v, "substitute_allowed")?,
                hrd_code: text(v, "hrd_code"),
            },
            "rate_limited" => VerifyOutcome::RateLimited {
                retry_after_seconds: u64::from(count(v, "retry_after_seconds")?),
            },
            "invalid_input" => VerifyOutcome::InvalidInput {
                reason: code_input_error(&text(v, "reason")?)?,
            },
            "refused" => VerifyOutcome::Refused {
                hrd_code: text(v, "hrd_code")?,
                message: text(v, "message").unwrap_or_default(),
            },
            _ => return None,
        })
    }
}

impl FromJs for IdentityStatus {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(match v.as_string()?.as_str() {
            "pending" => IdentityStatus::Pending,
            "succeeded" => IdentityStatus::Succeeded,
            "failed" => IdentityStatus::Failed,
            "resetting" => IdentityStatus::Resetting,
            "used" => IdentityStatus::Used,
            "refused" => IdentityStatus::Refused,
            "expired" => IdentityStatus::Expired,
            _ => return None,
        })
    }
}

/// `{"status": …}` of `GET /v1/identity/{state}`.
pub struct StatusOnly(pub IdentityStatus);

impl FromJs for StatusOnly {
    fn from_js(v: &JsValue) -> Option<Self> {
        IdentityStatus::from_js(&get(v, "status")).map(StatusOnly)
    }
}

impl FromJs for IdentityStart {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(IdentityStart {
            state: text(v, "state")?,
            popup_url: text(v, "popup_url")?,
            expires_in_seconds: u64::from(count(v, "expires_in_seconds")?),
        })
    }
}

impl FromJs for IdentityMessage {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(IdentityMessage {
            kind: text(v, "type")?,
            state: text(v, "state")?,
            status: IdentityStatus::from_js(&get(v, "status"))?,
        })
    }
}

impl FromJs for ResetOutcome {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(match text(v, "result")?.as_str() {
            "unlocked" => ResetOutcome::Unlocked,
            "reset_refused" => ResetOutcome::ResetRefused {
                hrd_code: text(v, "hrd_code")?,
            },
            "reset_queued" => ResetOutcome::ResetQueued,
            "identity_mismatch" => ResetOutcome::IdentityMismatch,
            "identity_check_required" => ResetOutcome::IdentityCheckRequired {
                status: IdentityStatus::from_js(&get(v, "status")),
            },
            _ => return None,
        })
    }
}

impl FromJs for SubstituteOutcome {
    fn from_js(v: &JsValue) -> Option<Self> {
        Some(match text(v, "result")?.as_str() {
            "verified" => SubstituteOutcome::Verified {
                receipt: text(v, "receipt")?,
                emon_log: text(v, "emon_log").unwrap_or_default(),
            },
            "identity_mismatch" => SubstituteOutcome::IdentityMismatch,
            "identity_check_required" => SubstituteOutcome::IdentityCheckRequired {
                status: IdentityStatus::from_js(&get(v, "status")),
            },
            _ => return None,
        })
    }
}

/// Whether `v` is an outcome (`{"result": …}`), whatever the HTTP status it came with.
pub fn is_outcome(v: &JsValue) -> bool {
    !get(v, "result").is_undefined()
}

/// The `error` of the server's error body (`{"error","message"}`), if any.
pub fn error_code(v: &JsValue) -> String {
    text(v, "error").unwrap_or_default()
}

/// The `message` of the server's error body, if any.
pub fn error_message(v: &JsValue) -> String {
    text(v, "message").unwrap_or_default()
}

/// A JSON object of string fields, as request bodies are (`{"code": …}`, `{"state": …}`).
pub fn json_object(fields: &[(&str, &str)]) -> String {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    JSON::stringify(&object)
        .map(String::from)
        .unwrap_or_default()
}
