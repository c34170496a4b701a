//! `POST /v1/lock/reset {state}`: lifts the HRD lock with a fresh, successful phone identity check
//! of this very trainee, forwarding the provider's real record to HRD's `user_reset`. Each check
//! lifts a lock at most once. The `user_reset` goes through the outbox: stored first, sent at once,
//! and retried until HRD answers if it does not.

use crate::error::AppError;
use crate::identity::{visible_status, CHECK_LIFETIME_SECS};
use crate::outbox;
use crate::store::{AuditEvent, NewOutboxItem};
use crate::token::Trainee;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use motp_protocol::api::{IdentityStatus, ResetOutcome};
use motp_protocol::hrd::UserResetForm;
use motp_protocol::input::{normalize_name, normalize_tel};
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
    let dedupe = format!("reset:{}", req.state);
    let check = state
        .store
        .identity_check(&req.state)
        .await?
        .filter(|c| c.tenant == tenant && c.usrid == usrid && c.purpose == "reset");
    let status = check
        .as_ref()
        .map(|c| visible_status(&c.status, c.created_at, c.completed_at, now));
    let Some(check) = check.filter(|_| status == Some(IdentityStatus::Succeeded)) else {
        // Asked again for a reset already queued (say, after a dropped connection): same answer.
        if status == Some(IdentityStatus::Resetting) {
            if let Some(item) = state.store.outbox_by_dedupe(&dedupe).await? {
                return answer_for(&state, item.id, outbox::Sent::Queued).await;
            }
        }
        return Ok(answer(
            StatusCode::CONFLICT,
            ResetOutcome::IdentityCheckRequired { status },
        ));
    };
    let (name, tel) = (
        check.name.clone().unwrap_or_default(),
        check.tel.clone().unwrap_or_default(),
    );
    if !same_name(&name, &trainee.name) || !same_tel(&tel, &trainee.tel) {
        if state
            .store
            .claim_identity_check(
                &check.state,
                tenant,
                usrid,
                "reset",
                now - CHECK_LIFETIME_SECS,
            )
            .await?
            .is_some()
        {
            state
                .store
                .finish_identity_reset(&check.state, "refused", now)
                .await?;
        }
        let detail = format!("identity mismatch, check {}", check.state);
        audit(&state, tenant, usrid, "reset_refused", None, &detail, now).await?;
        return Ok(answer(
            StatusCode::FORBIDDEN,
            ResetOutcome::IdentityMismatch,
        ));
    }
    // The provider's real record, never placeholders.
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
    let payload = serde_json::to_string(&form).map_err(|e| AppError::Internal(e.to_string()))?;
    let item = NewOutboxItem {
        kind: "reset",
        dedupe: &dedupe,
        tenant,
        usrid,
        payload: &payload,
    };
    // Stored before it is sent: if the process dies now, the worker sends it after the restart.
    let Some(id) = state
        .store
        .claim_and_enqueue(
            &check.state,
            tenant,
            usrid,
            now - CHECK_LIFETIME_SECS,
            &item,
            now,
        )
        .await?
    else {
        return Ok(answer(
            StatusCode::CONFLICT,
            ResetOutcome::IdentityCheckRequired { status },
        ));
    };
    let sent = outbox::send(&state, id).await?;
    answer_for(&state, id, sent).await
}

/// The trainee's answer for reset item `id`, told truthfully: unlocked, refused, or queued.
async fn answer_for(state: &AppState, id: i64, sent: outbox::Sent) -> Result<Response, AppError> {
    Ok(match sent {
        outbox::Sent::Done => answer(StatusCode::OK, ResetOutcome::Unlocked),
        outbox::Sent::Refused => {
            let item = state.store.outbox_item(id).await?;
            let hrd_code = item.and_then(|i| i.last_error).unwrap_or_default();
            answer(
                StatusCode::CONFLICT,
                ResetOutcome::ResetRefused { hrd_code },
            )
        }
        outbox::Sent::Queued => answer(StatusCode::ACCEPTED, ResetOutcome::ResetQueued),
    })
}

pub async fn audit(
    state: &AppState,
    tenant: &str,
    usrid: &str,
    event: &str,
    hrd_code: Option<&str>,
    detail: &str,
    now: i64,
) -> Result<(), AppError> {
    state
        .store
        .audit(
            now,
            AuditEvent {
                tenant,
                usrid,
                event,
                hrd_code,
                eval_cd: None,
                class_tme: None,
                detail: Some(detail),
            },
        )
        .await
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
