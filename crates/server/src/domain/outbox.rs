//! The outbox: what HRD must receive — lock resets (`user_reset`) and e-mon's identity-check logs —
//! is stored before it is sent, then sent until HRD answers: retried with exponential back-off and
//! jitter on timeouts, 5xx and internal-error answers, marked done on acceptance, recorded on a final
//! refusal, and resumed after a crash or restart. What an answer means is written in one
//! transaction with the item's new state.

use super::error::{Error, Result};
use super::Gateway;
use crate::model::{AuditEvent, AuditLine, CheckStatus, OutboxItem, OutboxKind, OutboxStatus};
use crate::upstream::emon::EmonAnswer;
use crate::upstream::UpstreamError;
use motp_protocol::hrd::UserResetForm;
use motp_protocol::HrdCode;
use std::collections::BTreeMap;
use std::time::Duration;

/// While one sender has an item, no other takes it; a sender that dies releases it after this.
const LEASE_SECS: i64 = 60;
/// Back-off: 5 s, 10 s, 20 s … up to an hour, each plus up to 20 % jitter.
const FIRST_RETRY_SECS: i64 = 5;
const MAX_RETRY_SECS: i64 = 3600;

/// What became of one send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// HRD accepted it.
    Done,
    /// HRD refused it for good (recorded).
    Refused,
    /// Not delivered yet; the worker will retry.
    Queued,
}

impl Sent {
    pub fn as_str(self) -> &'static str {
        match self {
            Sent::Done => "sent",
            Sent::Refused => "refused",
            Sent::Queued => "queued",
        }
    }
}

/// The outbox's key for the reset made with check `check_id`: one reset per check.
pub fn reset_key(check_id: &str) -> String {
    format!("reset:{check_id}")
}

/// The check a reset item was made with.
fn reset_check_id(item: &OutboxItem) -> &str {
    item.dedupe.trim_start_matches("reset:")
}

/// How many items wait, and the oldest one's age in seconds (for `/readyz` and `/metrics`).
pub async fn depth(gw: &Gateway) -> Result<(i64, Option<i64>)> {
    let (depth, oldest) = gw.store.outbox_depth(None).await?;
    Ok((depth, oldest.map(|created_at| gw.now() - created_at)))
}

/// For an institution's operator who just saw HRD come back: everything `tenant` has queued is sent
/// now, back-off or not; other tenants' items are theirs. Answers how many items were tried and
/// how many of the tenant's still wait.
pub async fn flush(gw: &Gateway, tenant: &str) -> Result<(usize, i64)> {
    gw.store.outbox_all_due(gw.now(), tenant).await?;
    let tried = send_due(gw, Some(tenant)).await?;
    let (depth, _) = gw.store.outbox_depth(Some(tenant)).await?;
    Ok((tried, depth))
}

/// Delay before retry number `attempts` (1-based), with `jitter` in 0..1.
pub fn backoff(attempts: i64, jitter: f64) -> i64 {
    let base = FIRST_RETRY_SECS
        .saturating_mul(1i64 << attempts.clamp(1, 20).saturating_sub(1))
        .min(MAX_RETRY_SECS);
    base + (base as f64 * 0.2 * jitter.clamp(0.0, 1.0)) as i64
}

fn jitter() -> f64 {
    let mut b = [0u8; 2];
    getrandom::fill(&mut b).expect("the OS provides randomness");
    u16::from_be_bytes(b) as f64 / u16::MAX as f64
}

/// Sends item `id` now if it is due and no one else has it.
pub async fn send(gw: &Gateway, id: i64) -> Result<Sent> {
    let now = gw.now();
    let Some(item) = gw.store.outbox_item(id).await? else {
        return Err(Error::Internal(format!("outbox item {id} vanished")));
    };
    match item.status {
        OutboxStatus::Done => return Ok(Sent::Done),
        OutboxStatus::Refused => return Ok(Sent::Refused),
        OutboxStatus::Queued => {}
    }
    let Some(hold) = gw.store.hold_outbox(id, now, now + LEASE_SECS).await? else {
        return Ok(Sent::Queued);
    };
    let sent = deliver(gw, &item).await;
    gw.store.release_outbox(hold).await?;
    sent
}

async fn deliver(gw: &Gateway, item: &OutboxItem) -> Result<Sent> {
    match item.kind {
        OutboxKind::Reset => deliver_reset(gw, item).await,
        OutboxKind::PhoneAuthHist => {
            let tenant = gw.tenants.get(&item.tenant).ok_or_else(|| {
                Error::Internal(format!(
                    "outbox item {}: no tenant {}",
                    item.id, item.tenant
                ))
            })?;
            let result = gw
                .emon
                .send_hist(&tenant.emon_api_key, &tenant.emon_api_user, &item.payload)
                .await;
            finish_log(gw, item, result).await
        }
        OutboxKind::PAuthLog | OutboxKind::PSubOtpLog => {
            let fields: BTreeMap<String, String> = serde_json::from_str(&item.payload)
                .map_err(|e| Error::Internal(format!("outbox item {}: {e}", item.id)))?;
            let result = gw.emon.send(item.kind, &fields).await;
            finish_log(gw, item, result).await
        }
    }
}

/// Records e-mon's verdict on a log: done, refused for good, or to be retried.
async fn finish_log(
    gw: &Gateway,
    item: &OutboxItem,
    result: std::result::Result<EmonAnswer, UpstreamError>,
) -> Result<Sent> {
    let answer = match result {
        Ok(answer) => answer,
        Err(e) => return retry_later(gw, item, SendFailure::of(&e)).await,
    };
    let (status, sent) = if answer.accepted {
        (OutboxStatus::Done, Sent::Done)
    } else {
        tracing::warn!(id = item.id, kind = %item.kind, answer = ?answer.text, "e-mon refused a log");
        (OutboxStatus::Refused, Sent::Refused)
    };
    let mut tx = gw.store.begin().await?;
    tx.outbox_finished(item.id, status, &answer.text, gw.now())
        .await?;
    tx.commit().await?;
    Ok(sent)
}

async fn retry_later(gw: &Gateway, item: &OutboxItem, failure: SendFailure) -> Result<Sent> {
    let retry_at = gw.now() + backoff(item.attempts + 1, jitter());
    let error = failure.stored();
    tracing::info!(id = item.id, kind = %item.kind, %error, retry_at, "outbox send failed; will retry");
    gw.store.outbox_retry(item.id, &error, retry_at).await?;
    Ok(Sent::Queued)
}

/// Why a send did not go through, as the outbox keeps it (`last_error`) until the next try, and
/// the help desk's console reads it back to word it in the page's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    Timeout,
    Unreachable,
    /// Answered with this HTTP status, not HRD's (or e-mon's) form.
    Http(u16),
    /// Answered, but not in the expected format.
    Garbled,
    /// HRD answered with one of its internal-error codes (IE/CE), which are retried.
    Hrd(HrdCode),
}

impl SendFailure {
    fn of(e: &UpstreamError) -> SendFailure {
        match e {
            UpstreamError::Timeout => SendFailure::Timeout,
            UpstreamError::Unreachable(_) => SendFailure::Unreachable,
            UpstreamError::Status(status) => SendFailure::Http(*status),
            UpstreamError::Garbled => SendFailure::Garbled,
        }
    }

    /// As the outbox stores it: the words earlier versions stored, so rows already kept read the same.
    pub fn stored(&self) -> String {
        match self {
            SendFailure::Timeout => "no answer within the timeout".into(),
            SendFailure::Unreachable => "unreachable".into(),
            SendFailure::Http(status) => format!("answered HTTP {status}"),
            SendFailure::Garbled => "the answer is not the expected format".into(),
            SendFailure::Hrd(code) => format!("HRD {code}"),
        }
    }

    /// What [`SendFailure::stored`] wrote; `None` for anything else `last_error` holds (the code of
    /// a final answer, such as HRD's `AP009`).
    pub fn parse(stored: &str) -> Option<SendFailure> {
        Some(match stored {
            "no answer within the timeout" => SendFailure::Timeout,
            "unreachable" => SendFailure::Unreachable,
            "the answer is not the expected format" => SendFailure::Garbled,
            _ => {
                if let Some(status) = stored.strip_prefix("answered HTTP ") {
                    SendFailure::Http(status.parse().ok()?)
                } else {
                    SendFailure::Hrd(HrdCode::parse(stored.strip_prefix("HRD ")?))
                }
            }
        })
    }
}

/// `user_reset`: 200 lifts the lock (the check is spent, the count cleared); another HRD code is
/// a final refusal; IE/CE codes and transport failures are retried. What the answer means is one
/// transaction: no reset sent whose lock still shows, no check spent by a refusal left queued.
async fn deliver_reset(gw: &Gateway, item: &OutboxItem) -> Result<Sent> {
    let form: UserResetForm = serde_json::from_str(&item.payload)
        .map_err(|e| Error::Internal(format!("outbox item {}: {e}", item.id)))?;
    let check_id = reset_check_id(item);
    let detail = format!("trnid={} trndt={}", form.m_trnid, form.m_trndt);
    let answer = match gw.hrd.user_reset(&form).await {
        Ok(answer) if !answer.code.is_hrd_failure() => answer,
        Ok(answer) => return retry_later(gw, item, SendFailure::Hrd(answer.code)).await,
        Err(e) => return retry_later(gw, item, SendFailure::of(&e)).await,
    };
    let now = gw.now();
    let code = answer.code.as_str().to_string();
    let (status, check_status, event, sent) = if answer.code == HrdCode::Success {
        (
            OutboxStatus::Done,
            CheckStatus::Used,
            AuditEvent::Reset,
            Sent::Done,
        )
    } else {
        let refused = AuditEvent::ResetRefused;
        (
            OutboxStatus::Refused,
            CheckStatus::Refused,
            refused,
            Sent::Refused,
        )
    };
    let mut tx = gw.store.begin().await?;
    tx.outbox_finished(item.id, status, &code, now).await?;
    tx.finish_identity_check(check_id, check_status, now)
        .await?;
    if sent == Sent::Done {
        tx.clear_attempts(&item.tenant, &item.usrid, now).await?;
    }
    let line = AuditLine {
        hrd_code: Some(&code),
        detail: Some(&detail),
        ..AuditLine::new(&item.tenant, &item.usrid, event)
    };
    tx.audit(now, line).await?;
    tx.commit().await?;
    Ok(sent)
}

/// Sends everything due; returns how many items were tried.
pub async fn run_once(gw: &Gateway) -> Result<usize> {
    send_due(gw, None).await
}

/// Sends what is due (only `tenant`'s if one is named); returns how many items were tried.
async fn send_due(gw: &Gateway, tenant: Option<&str>) -> Result<usize> {
    let due = gw.store.due_outbox(gw.now(), 100, tenant).await?;
    for item in &due {
        send(gw, item.id).await?;
    }
    Ok(due.len())
}

/// The background worker: sends what is due every `interval`, or at once when woken by an enqueue.
/// Stops after the send in progress when `shutdown` fires.
pub fn spawn_worker(
    gw: std::sync::Arc<Gateway>,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_once(&gw).await {
                tracing::error!(error = %e, "outbox worker");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = gw.outbox_wakeup.notified() => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{backoff, SendFailure};
    use motp_protocol::HrdCode;

    /// What a failed send stores is read back as that failure (also the rows earlier versions
    /// stored, which were these words); a final answer's code is not a failure.
    #[test]
    fn a_stored_send_failure_reads_back() {
        for failure in [
            SendFailure::Timeout,
            SendFailure::Unreachable,
            SendFailure::Http(503),
            SendFailure::Garbled,
            SendFailure::Hrd(HrdCode::Ie001),
        ] {
            assert_eq!(SendFailure::parse(&failure.stored()), Some(failure));
        }
        assert_eq!(
            SendFailure::parse("no answer within the timeout"),
            Some(SendFailure::Timeout)
        );
        for final_answer in ["AP009", "200", "answered HTTP x", ""] {
            assert_eq!(SendFailure::parse(final_answer), None, "{final_answer}");
        }
    }

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_a_ceiling() {
        assert_eq!(backoff(1, 0.0), 5);
        assert_eq!(backoff(2, 0.0), 10);
        assert_eq!(backoff(3, 0.0), 20);
        assert_eq!(backoff(3, 1.0), 24);
        assert_eq!(backoff(30, 0.0), 3600);
        assert_eq!(backoff(30, 1.0), 4320);
    }
}
