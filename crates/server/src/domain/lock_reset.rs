//! Lifting an HRD lock with a fresh, successful phone identity check of this very trainee: the
//! provider's real record goes to HRD's `user_reset`. Each check lifts a lock at most once. The
//! `user_reset` goes through the outbox: stored (with the check taken) in one transaction, sent at
//! once, and retried until HRD answers if it does not.

use super::error::{Error, Result};
use super::outbox::{self, Sent};
use super::trainee::Trainee;
use super::Gateway;
use crate::model::{
    AuditEvent, AuditLine, CheckStatus, NewOutboxItem, OutboxKind, Purpose, CHECK_LIFETIME_SECS,
};
use motp_protocol::api::{IdentityStatus, ResetOutcome};
use motp_protocol::hrd::UserResetForm;

/// `POST /v1/lock/reset {state}`.
pub async fn reset(gw: &Gateway, trainee: &Trainee, check_id: &str) -> Result<ResetOutcome> {
    let check_id = super::identity::check_id(check_id)?;
    super::limits::admit(gw, super::limits::Door::LockReset(trainee), gw.now()).await?;
    let now = gw.now();
    let (tenant, usrid) = trainee.key();
    let dedupe = outbox::reset_key(check_id);
    let check = gw
        .store
        .identity_check(check_id)
        .await?
        .filter(|c| c.is_for(tenant, usrid, Purpose::Reset));
    let status = check.as_ref().map(|c| c.visible_status(now));
    let Some(check) = check.filter(|_| status == Some(IdentityStatus::Succeeded)) else {
        // Asked again for a reset already queued (say, after a dropped connection): same answer.
        if status == Some(IdentityStatus::Resetting)
            && gw.store.outbox_by_dedupe(&dedupe).await?.is_some()
        {
            return Ok(ResetOutcome::ResetQueued);
        }
        return Ok(ResetOutcome::IdentityCheckRequired { status });
    };
    let completed_after = now - CHECK_LIFETIME_SECS;
    let (name, tel) = (
        check.name.as_deref().unwrap_or_default(),
        check.tel.as_deref().unwrap_or_default(),
    );
    if !trainee.is_person(name, tel) {
        // Someone else's check is spent without effect, and the attempt recorded.
        let mut tx = gw.store.begin().await?;
        if tx
            .claim_identity_check(check_id, tenant, usrid, Purpose::Reset, completed_after)
            .await?
            .is_some()
        {
            tx.finish_identity_check(check_id, CheckStatus::Refused, now)
                .await?;
        }
        let detail = format!("identity mismatch, check {check_id}");
        let line = AuditLine {
            detail: Some(&detail),
            ..AuditLine::new(tenant, usrid, AuditEvent::ResetRefused)
        };
        tx.audit(now, line).await?;
        tx.commit().await?;
        return Ok(ResetOutcome::IdentityMismatch);
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
    let payload = serde_json::to_string(&form).map_err(|e| Error::Internal(e.to_string()))?;
    // Taken and stored before it is sent: if the process dies now, the worker sends it after the
    // restart; if the check was taken meanwhile, nothing is stored.
    let mut tx = gw.store.begin().await?;
    if tx
        .claim_identity_check(check_id, tenant, usrid, Purpose::Reset, completed_after)
        .await?
        .is_none()
    {
        return Ok(ResetOutcome::IdentityCheckRequired { status });
    }
    let item = NewOutboxItem {
        kind: OutboxKind::Reset,
        dedupe: &dedupe,
        tenant,
        usrid,
        payload: &payload,
    };
    let (id, _new) = tx.enqueue(&item, now).await?;
    tx.commit().await?;
    Ok(match outbox::send(gw, id).await? {
        Sent::Done => ResetOutcome::Unlocked,
        Sent::Refused => {
            let item = gw.store.outbox_item(id).await?;
            let hrd_code = item.and_then(|i| i.last_error).unwrap_or_default();
            ResetOutcome::ResetRefused { hrd_code }
        }
        Sent::Queued => ResetOutcome::ResetQueued,
    })
}
