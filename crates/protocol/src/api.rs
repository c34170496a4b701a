//! JSON spoken between the widget and the gateway (`motp-server`). The widget sends only what the
//! trainee typed; who the trainee is travels in the LMS's signed launch token.

use crate::input::CodeInputError;
use serde::{Deserialize, Serialize};

/// `POST /v1/otp/verify`: the text the trainee typed (the server applies the input rules again).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerifyRequest {
    pub code: String,
}

/// `GET /v1/session`: what the widget needs before the first attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// The server's clock, so the countdown does not depend on the PC's.
    pub server_time_unix: i64,
    pub step_seconds: u64,
    pub failures: u32,
    pub remaining: u32,
    pub locked: bool,
    pub eval_cd: String,
    pub eval_label: String,
    /// Whether the institution allows the phone identity check when HRD is down.
    pub substitute_allowed: bool,
}

/// The server's verdict on one code. The widget shows it; only the receipt proves anything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum VerifyOutcome {
    /// HRD accepted the code. `receipt` is a signed, single-use JWT for the LMS.
    Verified { receipt: String },
    /// HRD said AP001. `failures` so far, `remaining` before the lock.
    WrongCode { failures: u32, remaining: u32 },
    /// The code HRD accepted for this trainee moments ago, typed again (say, for the next chapter in
    /// the same minute): not sent to HRD, not counted. The app shows a new code in
    /// `seconds_until_new` seconds (0: it already does).
    CodeAlreadyUsed { seconds_until_new: u64 },
    /// HRD said AP009: only a phone identity check lifts it.
    Locked,
    /// HRD said AP005: the app's name/mobile differ from the LMS record, or no app is registered.
    NotRegistered,
    /// HRD timed out or failed internally (IE001/CE00x).
    HrdUnavailable {
        substitute_allowed: bool,
        hrd_code: Option<String>,
    },
    /// Too many attempts for now; try again after the wait.
    RateLimited { retry_after_seconds: u64 },
    /// What was typed is not a code; HRD was not asked.
    InvalidInput { reason: CodeInputError },
    /// Any other HRD answer, passed on with its code.
    Refused { hrd_code: String, message: String },
}

/// `POST /v1/identity/start`: where the popup goes for a phone identity check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityStart {
    /// One-time id of this check; also the popup's `postMessage` payload key.
    pub state: String,
    /// Absolute, or a path on the gateway (resolve it against the gateway's URL).
    pub popup_url: String,
    pub expires_in_seconds: u64,
}

/// Where a phone identity check stands (`GET /v1/identity/{state}`, and the popup's `postMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum IdentityStatus {
    Pending,
    Succeeded,
    Failed,
    /// Taken by a reset in progress.
    Resetting,
    /// Used to lift a lock already.
    Used,
    /// HRD refused the reset made with it.
    Refused,
    /// Too old to be used.
    Expired,
}

/// `POST /v1/lock/reset {state}`: the outcome of lifting the lock with a phone identity check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ResetOutcome {
    /// HRD lifted the lock: type the current code.
    Unlocked,
    /// HRD answered AP010 (or another refusal): do the identity check again.
    ResetRefused { hrd_code: String },
    /// HRD did not answer yet; the reset is stored and will be sent until HRD answers. Try the code
    /// again in a little while.
    ResetQueued,
    /// The checked person's name or mobile differ from the LMS record.
    IdentityMismatch,
    /// No successful, fresh, unused identity check of this trainee has that state.
    IdentityCheckRequired { status: Option<IdentityStatus> },
}

/// `POST /v1/substitute/complete {state}`: the phone identity check standing in for the code while
/// HRD is down (대체인증).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SubstituteOutcome {
    /// A receipt with method `phone`; `emon_log` says truthfully whether e-mon already has the
    /// log (`sent`), will get it (`queued`) or refused it (`refused`).
    Verified { receipt: String, emon_log: String },
    /// The checked person's name or mobile differ from the LMS record.
    IdentityMismatch,
    /// No successful, fresh, unused substitute check of this trainee has that state.
    IdentityCheckRequired { status: Option<IdentityStatus> },
}

/// The popup's message to the widget, sent with `postMessage` to the widget page's exact origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityMessage {
    /// Always `motp:identity`.
    #[serde(rename = "type")]
    pub kind: String,
    pub state: String,
    pub status: IdentityStatus,
}

/// The body of every error the server answers with a non-2xx status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable, machine-readable (`invalid_token`, `token_expired`, `rate_limited`, …).
    pub error: String,
    /// For a developer reading the network tab; the widget has its own words for trainees.
    pub message: String,
}

/// The HTTP status the server answers each outcome with: decided here, once, for the server to use.
/// The widget reads any body carrying `result` as the outcome whatever the status, so the two cannot
/// disagree. The matches have no wildcard: a new variant must be given its status.
impl VerifyOutcome {
    pub fn http_status(&self) -> u16 {
        match self {
            VerifyOutcome::Verified { .. }
            | VerifyOutcome::WrongCode { .. }
            | VerifyOutcome::CodeAlreadyUsed { .. }
            | VerifyOutcome::Locked
            | VerifyOutcome::NotRegistered
            | VerifyOutcome::HrdUnavailable { .. }
            | VerifyOutcome::Refused { .. } => 200,
            VerifyOutcome::RateLimited { .. } => 429,
            VerifyOutcome::InvalidInput { .. } => 422,
        }
    }

    /// One value of every variant, for the wire round-trip tests (native, and the widget's decoders
    /// in Chromium). The exhaustive `match` below does not compile until a new variant is listed.
    pub fn examples() -> Vec<VerifyOutcome> {
        let all = vec![
            VerifyOutcome::Verified {
                receipt: "h.p.s".into(),
            },
            VerifyOutcome::WrongCode {
                failures: 2,
                remaining: 3,
            },
            VerifyOutcome::CodeAlreadyUsed {
                seconds_until_new: 37,
            },
            VerifyOutcome::CodeAlreadyUsed {
                seconds_until_new: 0,
            },
            VerifyOutcome::Locked,
            VerifyOutcome::NotRegistered,
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: true,
                hrd_code: Some("IE001".into()),
            },
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: false,
                hrd_code: None,
            },
            VerifyOutcome::RateLimited {
                retry_after_seconds: 42,
            },
            VerifyOutcome::InvalidInput {
                reason: CodeInputError::Empty,
            },
            VerifyOutcome::InvalidInput {
                reason: CodeInputError::LooksLikeAppPassword,
            },
            VerifyOutcome::InvalidInput {
                reason: CodeInputError::NotDigits,
            },
            VerifyOutcome::InvalidInput {
                reason: CodeInputError::WrongLength,
            },
            VerifyOutcome::Refused {
                hrd_code: "AP011".into(),
                message: "잠금 상태에서 재등록".into(),
            },
        ];
        for o in &all {
            match o {
                VerifyOutcome::Verified { .. }
                | VerifyOutcome::WrongCode { .. }
                | VerifyOutcome::CodeAlreadyUsed { .. }
                | VerifyOutcome::Locked
                | VerifyOutcome::NotRegistered
                | VerifyOutcome::HrdUnavailable { .. }
                | VerifyOutcome::RateLimited { .. }
                | VerifyOutcome::InvalidInput { .. }
                | VerifyOutcome::Refused { .. } => {}
            }
        }
        all
    }
}

impl ResetOutcome {
    pub fn http_status(&self) -> u16 {
        match self {
            ResetOutcome::Unlocked => 200,
            // Stored, not yet confirmed by HRD: accepted, not done.
            ResetOutcome::ResetQueued => 202,
            ResetOutcome::ResetRefused { .. } | ResetOutcome::IdentityCheckRequired { .. } => 409,
            ResetOutcome::IdentityMismatch => 403,
        }
    }

    /// One value of every variant (see [`VerifyOutcome::examples`]).
    pub fn examples() -> Vec<ResetOutcome> {
        let mut all = vec![
            ResetOutcome::Unlocked,
            ResetOutcome::ResetRefused {
                hrd_code: "AP010".into(),
            },
            ResetOutcome::ResetQueued,
            ResetOutcome::IdentityMismatch,
            ResetOutcome::IdentityCheckRequired { status: None },
        ];
        all.extend(
            IdentityStatus::examples()
                .into_iter()
                .map(|s| ResetOutcome::IdentityCheckRequired { status: Some(s) }),
        );
        for o in &all {
            match o {
                ResetOutcome::Unlocked
                | ResetOutcome::ResetRefused { .. }
                | ResetOutcome::ResetQueued
                | ResetOutcome::IdentityMismatch
                | ResetOutcome::IdentityCheckRequired { .. } => {}
            }
        }
        all
    }
}

impl SubstituteOutcome {
    pub fn http_status(&self) -> u16 {
        match self {
            SubstituteOutcome::Verified { .. } => 200,
            SubstituteOutcome::IdentityMismatch => 403,
            SubstituteOutcome::IdentityCheckRequired { .. } => 409,
        }
    }

    /// One value of every variant (see [`VerifyOutcome::examples`]).
    pub fn examples() -> Vec<SubstituteOutcome> {
        let all = vec![
            SubstituteOutcome::Verified {
                receipt: "h.p.s".into(),
                emon_log: "queued".into(),
            },
            SubstituteOutcome::IdentityMismatch,
            SubstituteOutcome::IdentityCheckRequired {
                status: Some(IdentityStatus::Used),
            },
            SubstituteOutcome::IdentityCheckRequired { status: None },
        ];
        for o in &all {
            match o {
                SubstituteOutcome::Verified { .. }
                | SubstituteOutcome::IdentityMismatch
                | SubstituteOutcome::IdentityCheckRequired { .. } => {}
            }
        }
        all
    }
}

impl IdentityStatus {
    /// Every status (see [`VerifyOutcome::examples`]).
    pub fn examples() -> Vec<IdentityStatus> {
        let all = vec![
            IdentityStatus::Pending,
            IdentityStatus::Succeeded,
            IdentityStatus::Failed,
            IdentityStatus::Resetting,
            IdentityStatus::Used,
            IdentityStatus::Refused,
            IdentityStatus::Expired,
        ];
        for s in &all {
            match s {
                IdentityStatus::Pending
                | IdentityStatus::Succeeded
                | IdentityStatus::Failed
                | IdentityStatus::Resetting
                | IdentityStatus::Used
                | IdentityStatus::Refused
                | IdentityStatus::Expired => {}
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_tagged_by_result() {
        let json = serde_json::to_string(&VerifyOutcome::WrongCode {
            failures: 2,
            remaining: 3,
        })
        .unwrap();
        assert_eq!(
            json,
            r#"{"result":"wrong_code","failures":2,"remaining":3}"#
        );
        let back: VerifyOutcome = serde_json::from_str(
            r#"{"result":"invalid_input","reason":"looks_like_app_password"}"#,
        )
        .unwrap();
        assert_eq!(
            back,
            VerifyOutcome::InvalidInput {
                reason: CodeInputError::LooksLikeAppPassword
            }
        );
    }

    /// The variant names serde knows for `T` (from its "expected one of" error), so the tests below
    /// notice an example list that misses a variant even where no `match` would.
    fn wire_variants<T: serde::de::DeserializeOwned + std::fmt::Debug>(probe: &str) -> Vec<String> {
        let err = serde_json::from_str::<T>(probe).unwrap_err().to_string();
        let list = &err[err.find("expected one of").expect(&err)..];
        list.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    }

    fn tags<T: Serialize>(
        examples: &[T],
        tag: impl Fn(serde_json::Value) -> String,
    ) -> Vec<String> {
        let mut tags: Vec<String> = examples
            .iter()
            .map(|e| tag(serde_json::to_value(e).unwrap()))
            .collect();
        tags.sort();
        tags.dedup();
        tags
    }

    fn result_tag(v: serde_json::Value) -> String {
        v["result"].as_str().unwrap().to_string()
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn the_examples_show_every_variant_and_round_trip() {
        let unknown = r#"{"result":"no_such_outcome"}"#;
        assert_eq!(
            tags(&VerifyOutcome::examples(), result_tag),
            sorted(wire_variants::<VerifyOutcome>(unknown))
        );
        assert_eq!(
            tags(&ResetOutcome::examples(), result_tag),
            sorted(wire_variants::<ResetOutcome>(unknown))
        );
        assert_eq!(
            tags(&SubstituteOutcome::examples(), result_tag),
            sorted(wire_variants::<SubstituteOutcome>(unknown))
        );
        assert_eq!(
            tags(&IdentityStatus::examples(), |v| v.as_str().unwrap().into()),
            sorted(wire_variants::<IdentityStatus>(r#""no_such_status""#))
        );
        for o in VerifyOutcome::examples() {
            let back: VerifyOutcome =
                serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
            assert_eq!(back, o);
        }
        for o in ResetOutcome::examples() {
            let back: ResetOutcome =
                serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
            assert_eq!(back, o);
        }
        for o in SubstituteOutcome::examples() {
            let back: SubstituteOutcome =
                serde_json::from_str(&serde_json::to_string(&o).unwrap()).unwrap();
            assert_eq!(back, o);
        }
    }

    #[test]
    fn only_an_accepted_reset_answers_202() {
        assert_eq!(ResetOutcome::ResetQueued.http_status(), 202);
        assert_eq!(ResetOutcome::Unlocked.http_status(), 200);
        assert_eq!(VerifyOutcome::Locked.http_status(), 200);
        assert_eq!(
            VerifyOutcome::RateLimited {
                retry_after_seconds: 1
            }
            .http_status(),
            429
        );
    }
}
