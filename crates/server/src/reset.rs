//! `POST /v1/lock/reset {state}`: lifts the HRD lock with a fresh, successful phone identity check
//! of this very trainee, forwarding the provider's real record to HRD's `user_reset`. Each check
//! lifts a lock at most once.

use crate::error::AppError;
use crate::hrd::HrdError;
use crate::identity::{visible_status, CHECK_LIFETIME_SECS};
use crate::store::AuditEvent;
use crate::token::Trainee;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use motp_protocol::api::ResetOutcome;
use motp_protocol::hrd::UserResetForm;
use motp_protocol::input::{normalize_name, normalize_tel};
use motp_protocol::HrdCode;
use serde::Deserialize;
use unicode_normalization::UnicodeNormalization;

pub fn routes() -> Router<AppState> {
    Router::new().route("/lock/reset", post(reset))
}

#[derive(Deserialize)]
struct ResetRequest {
    state: String,
}

/// Names as compared with the launch token's: Unicode NFC (decomposed Hangul from some phones
/// equals the precomposed LMS record), no spaces.
pub fn same_name(a: &str, b: &str) -> bool {
    let nfc = |s: &str| normalize_name(s).nfc().collect::<String>();
    nfc(a) == nfc(b)
}

pub fn same_tel(a: &str, b: &str) -> bool {
    matches!((normalize_tel(a), normalize_tel(b)), (Some(x), Some(y)) if x == y)
}

fn answer(status: StatusCode, outcome: ResetOutcome) -> Response {
    (status, Json(outcome)).into_response()
}

async fn reset(
    State(state): State<AppState>,
    trainee: Trainee,
    Json(req): Json<ResetRequest>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (tenant, usrid) = trainee.key();
    let Some(check) = state
        .store
        .claim_identity_check(
            &req.state,
            tenant,
            usrid,
            "reset",
            now - CHECK_LIFETIME_SECS,
        )
        .await?
    else {
        // Say precisely why, for the widget and the LMS developer.
        let status = state
            .store
            .identity_check(&req.state)
            .await?
            .filter(|c| c.tenant == tenant && c.usrid == usrid)
            .map(|c| visible_status(&c.status, c.created_at, c.completed_at, now));
        return Ok(answer(
            StatusCode::CONFLICT,
            ResetOutcome::IdentityCheckRequired { status },
        ));
    };
    let audit = |event: &'static str, hrd_code: Option<String>, detail: String| {
        let state = state.clone();
        let (tenant, usrid) = (tenant.to_string(), usrid.to_string());
        async move {
            state
                .store
                .audit(
                    now,
                    AuditEvent {
                        tenant: &tenant,
                        usrid: &usrid,
                        event,
                        hrd_code: hrd_code.as_deref(),
                        eval_cd: None,
                        class_tme: None,
                        detail: Some(&detail),
                    },
                )
                .await
        }
    };
    let (name, tel) = (
        check.name.clone().unwrap_or_default(),
        check.tel.clone().unwrap_or_default(),
    );
    if !same_name(&name, &trainee.name) || !same_tel(&tel, &trainee.tel) {
        state
            .store
            .finish_identity_reset(&check.state, "refused", now)
            .await?;
        audit(
            "reset_refused",
            None,
            format!("identity mismatch, check {}", check.state),
        )
        .await?;
        return Ok(answer(
            StatusCode::FORBIDDEN,
            ResetOutcome::IdentityMismatch,
        ));
    }
    let form = UserResetForm {
        user_nm: trainee.name.clone(),
        user_tel: trainee.tel.clone(),
        agtid: trainee.tenant.agtid.clone(),
        usrid: usrid.to_string(),
        m_ret: "T".into(),
        m_retcd: check.result_code.clone().unwrap_or_default(),
        m_trnid: check.trnid.clone().unwrap_or_default(),
        m_trndt: check.trndt.clone().unwrap_or_default(),
    };
    let detail = format!(
        "provider={} trnid={} trndt={}",
        check.provider, form.m_trnid, form.m_trndt
    );
    match state.hrd.user_reset(&form).await {
        Ok(a) if a.code == HrdCode::Success => {
            state
                .store
                .finish_identity_reset(&check.state, "used", now)
                .await?;
            state.store.clear_attempts(tenant, usrid, now).await?;
            audit("reset", Some("200".into()), detail).await?;
            Ok(answer(StatusCode::OK, ResetOutcome::Unlocked))
        }
        Ok(a) if a.code.is_hrd_failure() => {
            state
                .store
                .finish_identity_reset(&check.state, "succeeded", now)
                .await?;
            audit("reset_unavailable", Some(a.code.as_str().into()), detail).await?;
            Ok(answer(
                StatusCode::BAD_GATEWAY,
                ResetOutcome::HrdUnavailable,
            ))
        }
        Ok(a) => {
            state
                .store
                .finish_identity_reset(&check.state, "refused", now)
                .await?;
            audit("reset_refused", Some(a.code.as_str().into()), detail).await?;
            Ok(answer(
                StatusCode::CONFLICT,
                ResetOutcome::ResetRefused {
                    hrd_code: a.code.as_str().into(),
                },
            ))
        }
        Err(e) => {
            // HRD never answered: the check was not spent and can be tried again.
            tracing::warn!(error = %e, "user_reset: HRD unavailable");
            state
                .store
                .finish_identity_reset(&check.state, "succeeded", now)
                .await?;
            let code = if matches!(e, HrdError::Timeout) {
                "timeout"
            } else {
                "unreachable"
            };
            audit("reset_unavailable", Some(code.into()), detail).await?;
            Ok(answer(
                StatusCode::BAD_GATEWAY,
                ResetOutcome::HrdUnavailable,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_in_nfc_without_spaces() {
        let decomposed: String = "홍길동".nfd().collect();
        assert_ne!(decomposed, "홍길동");
        assert!(same_name(&decomposed, "홍길동"));
        assert!(same_name(" 홍 길동", "홍길동"));
        assert!(!same_name("홍길둥", "홍길동"));
    }

    #[test]
    fn mobiles_compare_as_digits() {
        assert!(same_tel("010-1234-5678", "01012345678"));
        assert!(!same_tel("010-1234-5679", "01012345678"));
        assert!(!same_tel("", ""));
    }
}
