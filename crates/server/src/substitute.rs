//! The substitute check (대체인증): while HRD does not answer, a phone identity check of this very
//! trainee stands in for the code. The server offers it only after it saw HRD fail itself; a pass
//! gets a receipt with method `phone`, and the check's record is queued for e-mon (pAuthLog for
//! enrolment, pSubOtpLog otherwise) through the outbox.

use crate::error::AppError;
use crate::identity::{visible_status, CHECK_LIFETIME_SECS};
use crate::outbox;
use crate::receipt;
use crate::reset::{same_name, same_tel};
use crate::store::{AuditEvent, NewOutboxItem};
use crate::token::Trainee;
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use motp_protocol::api::SubstituteOutcome;
use motp_protocol::EvalCd;
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/substitute/complete", post(complete))
}

/// Whether the server itself saw HRD fail this trainee recently enough to offer the substitute.
pub async fn available(state: &AppState, trainee: &Trainee) -> Result<bool, AppError> {
    if !trainee.tenant.substitute_allowed {
        return Ok(false);
    }
    let (tenant, usrid) = trainee.key();
    let down_at = state.store.hrd_down_at(tenant, usrid).await?;
    Ok(down_at.is_some_and(|t| state.now() - t <= CHECK_LIFETIME_SECS))
}

#[derive(Deserialize)]
struct CompleteRequest {
    state: String,
}

async fn complete(
    State(state): State<AppState>,
    trainee: Trainee,
    Json(req): Json<CompleteRequest>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (tenant, usrid) = trainee.key();
    let Some(check) = state
        .store
        .claim_identity_check(
            &req.state,
            tenant,
            usrid,
            "substitute",
            now - CHECK_LIFETIME_SECS,
        )
        .await?
    else {
        let status = state
            .store
            .identity_check(&req.state)
            .await?
            .filter(|c| c.tenant == tenant && c.usrid == usrid && c.purpose == "substitute")
            .map(|c| visible_status(&c.status, c.created_at, c.completed_at, now));
        let outcome = SubstituteOutcome::IdentityCheckRequired { status };
        return Ok((StatusCode::CONFLICT, Json(outcome)).into_response());
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
        return Ok((
            StatusCode::FORBIDDEN,
            Json(SubstituteOutcome::IdentityMismatch),
        )
            .into_response());
    }
    state
        .store
        .finish_identity_reset(&check.state, "used", now)
        .await?;

    let (claims, token) = receipt::issue(&trainee, "phone", "substitute", now);
    state
        .store
        .save_receipt(&claims.jti, tenant, usrid, now)
        .await?;

    // The record e-mon must receive, stored before it is sent.
    let trnid = check.trnid.clone().unwrap_or_default();
    let (result_code, trndt) = (
        check.result_code.clone().unwrap_or_default(),
        check.trndt.clone().unwrap_or_default(),
    );
    let (kind, payload) = if !trainee.tenant.emon_api_key.is_empty() {
        let item = serde_json::json!({
            "agtId": trainee.tenant.agtid, "usrId": usrid,
            "courseAgentPk": trainee.course, "classAgentPk": trainee.class,
            "evalCd": trainee.eval.code(), "evalType": trainee.eval.label_ko(),
            "classTme": trainee.class_tme, "mRet": "T", "mRetCd": result_code,
            "mTrnId": trnid, "mTrnDt": trndt,
        });
        (
            "phone_auth_hist",
            serde_json::json!({ "dataList": [item] }).to_string(),
        )
    } else {
        let kind = if trainee.eval == EvalCd::Enrolment {
            "pAuthLog"
        } else {
            "pSubOtpLog"
        };
        let fields: BTreeMap<&str, String> = BTreeMap::from([
            ("AGTID", trainee.tenant.agtid.clone()),
            ("USRID", usrid.to_string()),
            ("COURSE_AGENT_PK", trainee.course.clone()),
            ("CLASS_AGENT_PK", trainee.class.clone()),
            ("EVAL_CD", trainee.eval.code().to_string()),
            ("EVAL_TYPE", trainee.eval.label_ko().to_string()),
            ("CLASS_TME", trainee.class_tme.clone()),
            ("m_Ret", "T".to_string()),
            ("m_retCD", result_code),
            ("m_trnID", trnid.clone()),
            ("m_trnDT", trndt),
        ]);
        let payload =
            serde_json::to_string(&fields).map_err(|e| AppError::Internal(e.to_string()))?;
        (kind, payload)
    };
    let dedupe = format!("{kind}:{tenant}:{trnid}");
    let id = outbox::enqueue(
        &state,
        &NewOutboxItem {
            kind,
            dedupe: &dedupe,
            tenant,
            usrid,
            payload: &payload,
        },
    )
    .await?;
    let sent = outbox::send(&state, id).await?;
    let detail = format!("{kind} {} trnid={trnid}", sent.as_str());
    state
        .store
        .audit(
            now,
            AuditEvent {
                tenant,
                usrid,
                event: "substitute",
                hrd_code: None,
                eval_cd: Some(trainee.eval.code()),
                class_tme: Some(&trainee.class_tme),
                detail: Some(&detail),
            },
        )
        .await?;
    Ok(Json(SubstituteOutcome::Verified {
        receipt: token,
        emon_log: sent.as_str().to_string(),
    })
    .into_response())
}
