//! The substitute check (대체인증): while HRD does not answer, a phone identity check of this very
//! trainee stands in for the code. The server offers it only after it saw HRD fail itself. A pass
//! spends the check, issues a receipt with method `phone` and queues the check's record for e-mon
//! (pAuthLog at enrolment, pSubOtpLog otherwise, or `phone_auth_hist` with an API key) — all in one
//! transaction, so no check is spent without its receipt and its log.

use super::error::{Error, Result};
use super::jwt::issue_receipt;
use super::outbox;
use super::receipt_keys;
use super::trainee::Trainee;
use super::Gateway;
use crate::model::{
    AuditEvent, AuditLine, CheckStatus, IdentityCheck, NewOutboxItem, OutboxKind, OutboxStatus,
    Purpose, CHECK_LIFETIME_SECS,
};
use motp_protocol::api::SubstituteOutcome;
use motp_protocol::EvalCd;
use std::collections::BTreeMap;

/// Whether the server itself saw HRD fail this trainee recently enough to offer the substitute.
pub async fn available(gw: &Gateway, trainee: &Trainee) -> Result<bool> {
    if !trainee.tenant.substitute_allowed {
        return Ok(false);
    }
    let (tenant, usrid) = trainee.key();
    let down_at = gw.store.hrd_down_at(tenant, usrid).await?;
    Ok(down_at.is_some_and(|t| gw.now() - t <= CHECK_LIFETIME_SECS))
}

/// `POST /v1/substitute/complete {state}`.
pub async fn complete(
    gw: &Gateway,
    trainee: &Trainee,
    check_id: &str,
) -> Result<SubstituteOutcome> {
    let check_id = super::identity::check_id(check_id)?;
    super::limits::admit(gw, super::limits::Door::Substitute(trainee), gw.now()).await?;
    let now = gw.now();
    let (tenant, usrid) = trainee.key();
    // Before the transaction: on PostgreSQL reads share its pool, and a transaction waiting on a
    // second connection of its own is how a busy pool deadlocks.
    let key = receipt_keys::signing_key(gw).await?;
    let mut tx = gw.store.begin().await?;
    let Some(check) = tx
        .claim_identity_check(
            check_id,
            tenant,
            usrid,
            Purpose::Substitute,
            now - CHECK_LIFETIME_SECS,
        )
        .await?
    else {
        drop(tx);
        let status = gw
            .store
            .identity_check(check_id)
            .await?
            .filter(|c| c.is_for(tenant, usrid, Purpose::Substitute))
            .map(|c| c.visible_status(now));
        return Ok(SubstituteOutcome::IdentityCheckRequired { status });
    };
    let (name, tel) = (
        check.name.as_deref().unwrap_or_default(),
        check.tel.as_deref().unwrap_or_default(),
    );
    if !trainee.is_person(name, tel) {
        tx.finish_identity_check(check_id, CheckStatus::Refused, now)
            .await?;
        tx.commit().await?;
        return Ok(SubstituteOutcome::IdentityMismatch);
    }
    tx.finish_identity_check(check_id, CheckStatus::Used, now)
        .await?;
    let (claims, receipt) = issue_receipt(trainee, "phone", "substitute", now, &key);
    tx.save_receipt(&claims.jti, tenant, usrid, now).await?;
    // The record e-mon must receive, stored with the receipt and sent after the commit.
    let (kind, payload) = emon_log(trainee, &check)?;
    let trnid = check.trnid.clone().unwrap_or_default();
    let dedupe = format!("{kind}:{tenant}:{trnid}");
    let item = NewOutboxItem {
        kind,
        dedupe: &dedupe,
        tenant,
        usrid,
        payload: &payload,
    };
    let (id, _new) = tx.enqueue(&item, now).await?;
    let detail = format!("{kind} {} trnid={trnid}", OutboxStatus::Queued);
    let line = AuditLine {
        eval_cd: Some(trainee.eval.code()),
        class_tme: Some(&trainee.class_tme),
        detail: Some(&detail),
        ..AuditLine::new(tenant, usrid, AuditEvent::Substitute)
    };
    tx.audit(now, line).await?;
    tx.commit().await?;
    gw.outbox_wakeup.notify_one();
    let sent = outbox::send(gw, id).await?;
    Ok(SubstituteOutcome::Verified {
        receipt,
        emon_log: sent.as_str().to_string(),
    })
}

/// The log e-mon must receive for a substitute check: its kind and its payload.
fn emon_log(trainee: &Trainee, check: &IdentityCheck) -> Result<(OutboxKind, String)> {
    let usrid = trainee.usrid.as_str();
    let trnid = check.trnid.clone().unwrap_or_default();
    let result_code = check.result_code.clone().unwrap_or_default();
    let trndt = check.trndt.clone().unwrap_or_default();
    if !trainee.tenant.emon_api_key.is_empty() {
        let item = serde_json::json!({
            "agtId": trainee.tenant.agtid, "usrId": usrid,
            "courseAgentPk": trainee.course, "classAgentPk": trainee.class,
            "evalCd": trainee.eval.code(), "evalType": trainee.eval.label_ko(),
            "classTme": trainee.class_tme, "mRet": "T", "mRetCd": result_code,
            "mTrnId": trnid, "mTrnDt": trndt,
        });
        let payload = serde_json::json!({ "dataList": [item] }).to_string();
        return Ok((OutboxKind::PhoneAuthHist, payload));
    }
    let kind = if trainee.eval == EvalCd::Enrolment {
        OutboxKind::PAuthLog
    } else {
        OutboxKind::PSubOtpLog
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
        ("m_trnID", trnid),
        ("m_trnDT", trndt),
    ]);
    let payload = serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((kind, payload))
}
