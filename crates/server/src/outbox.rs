//! The outbox: what HRD must receive — lock resets (`user_reset`) and e-mon's identity-check logs —
//! is stored before it is sent, then sent until HRD answers: retried with exponential back-off and
//! jitter on timeouts, 5xx and internal-error answers, marked done on acceptance, recorded on a final
//! refusal, and resumed after a crash or restart.

use crate::error::AppError;
use crate::hrd::HrdError;
use crate::reset;
use crate::store::{NewOutboxItem, OutboxItem};
use crate::trainee::LmsServer;
use crate::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use motp_protocol::hrd::UserResetForm;
use motp_protocol::HrdCode;
use serde_json::{json, Value};
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

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/outbox/flush", post(flush))
}

/// `POST /v1/admin/outbox/flush` (tenant credentials): sends everything queued now, back-off or
/// not, for operators who just saw HRD come back. Answers how many items were tried and how many
/// still wait.
async fn flush(
    State(state): State<AppState>,
    LmsServer(_tenant): LmsServer,
) -> Result<Json<Value>, AppError> {
    state.store.outbox_all_due(state.now()).await?;
    let tried = run_once(&state).await?;
    let (depth, _) = state.store.outbox_depth().await?;
    Ok(Json(json!({ "tried": tried, "queued": depth })))
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

/// Stores a log for HRD (a no-op for a record already queued) and wakes the worker.
pub async fn enqueue(state: &AppState, item: &NewOutboxItem<'_>) -> Result<i64, AppError> {
    let (id, _new) = state.store.enqueue(item, state.now()).await?;
    state.outbox_wakeup.notify_one();
    Ok(id)
}

/// Sends item `id` now if it is due and no one else has it.
pub async fn send(state: &AppState, id: i64) -> Result<Sent, AppError> {
    let now = state.now();
    let Some(item) = state.store.outbox_item(id).await? else {
        return Err(AppError::Internal(format!("outbox item {id} vanished")));
    };
    match item.status.as_str() {
        "done" => return Ok(Sent::Done),
        "refused" => return Ok(Sent::Refused),
        _ => {}
    }
    let Some(hold) = state.store.hold_outbox(id, now, now + LEASE_SECS).await? else {
        return Ok(Sent::Queued);
    };
    let sent = deliver(state, &item).await;
    state.store.release_outbox(hold).await?;
    sent
}

async fn deliver(state: &AppState, item: &OutboxItem) -> Result<Sent, AppError> {
    if item.kind == "reset" {
        return deliver_reset(state, item).await;
    }
    if item.kind == "phone_auth_hist" {
        let tenant = state.tenants.get(&item.tenant).ok_or_else(|| {
            AppError::Internal(format!(
                "outbox item {}: no tenant {}",
                item.id, item.tenant
            ))
        })?;
        let started = std::time::Instant::now();
        let result = state
            .emon
            .send_hist(&tenant.emon_api_key, &tenant.emon_api_user, &item.payload)
            .await;
        let code = match &result {
            Ok(a) if a.accepted => "200",
            Ok(_) => "refused",
            Err(_) => "failed",
        };
        crate::metrics::hrd_call("phone_auth_hist", code, started);
        return finish_log(state, item, result).await;
    }
    let fields: BTreeMap<String, String> = serde_json::from_str(&item.payload)
        .map_err(|e| AppError::Internal(format!("outbox item {}: {e}", item.id)))?;
    let started = std::time::Instant::now();
    let result = state.emon.send(&item.kind, &fields).await;
    let code = match &result {
        Ok(a) if a.accepted => "101",
        Ok(_) => "102",
        Err(_) => "failed",
    };
    crate::metrics::hrd_call(
        if item.kind == "pAuthLog" {
            "pAuthLog"
        } else {
            "pSubOtpLog"
        },
        code,
        started,
    );
    finish_log(state, item, result).await
}

/// Records e-mon's verdict on a log: done, refused for good, or to be retried.
async fn finish_log(
    state: &AppState,
    item: &OutboxItem,
    result: Result<crate::emon::EmonAnswer, HrdError>,
) -> Result<Sent, AppError> {
    let now = state.now();
    match result {
        Ok(answer) if answer.accepted => {
            state
                .store
                .outbox_finished(item.id, "done", &answer.text, now)
                .await?;
            Ok(Sent::Done)
        }
        Ok(answer) => {
            tracing::warn!(id = item.id, kind = %item.kind, answer = %answer.text, "e-mon refused a log");
            state
                .store
                .outbox_finished(item.id, "refused", &answer.text, now)
                .await?;
            Ok(Sent::Refused)
        }
        Err(e) => retry_later(state, item, &e).await,
    }
}

async fn retry_later(state: &AppState, item: &OutboxItem, e: &HrdError) -> Result<Sent, AppError> {
    let retry_at = state.now() + backoff(item.attempts + 1, jitter());
    let error = match e {
        HrdError::Unreachable(_) => "unreachable".to_string(),
        other => other.to_string(),
    };
    tracing::info!(id = item.id, kind = %item.kind, %error, retry_at, "outbox send failed; will retry");
    state.store.outbox_retry(item.id, &error, retry_at).await?;
    Ok(Sent::Queued)
}

/// `user_reset`: 200 lifts the lock (the check is spent, the count cleared); another HRD code is
/// a final refusal; IE/CE codes and transport failures are retried.
async fn deliver_reset(state: &AppState, item: &OutboxItem) -> Result<Sent, AppError> {
    let form: UserResetForm = serde_json::from_str(&item.payload)
        .map_err(|e| AppError::Internal(format!("outbox item {}: {e}", item.id)))?;
    let check_state = item.dedupe.trim_start_matches("reset:");
    let detail = format!("trnid={} trndt={}", form.m_trnid, form.m_trndt);
    let started = std::time::Instant::now();
    let result = state.hrd.user_reset(&form).await;
    let code = match &result {
        Ok(a) => a.code.as_str().to_string(),
        Err(HrdError::Timeout) => "timeout".into(),
        Err(_) => "unreachable".into(),
    };
    crate::metrics::hrd_call("user_reset", &code, started);
    let now = state.now();
    match result {
        Ok(a) if a.code == HrdCode::Success => {
            state
                .store
                .outbox_finished(item.id, "done", "200", now)
                .await?;
            state
                .store
                .finish_identity_reset(check_state, "used", now)
                .await?;
            state
                .store
                .clear_attempts(&item.tenant, &item.usrid, now)
                .await?;
            reset::audit(
                state,
                &item.tenant,
                &item.usrid,
                "reset",
                Some("200"),
                &detail,
                now,
            )
            .await?;
            Ok(Sent::Done)
        }
        Ok(a) if a.code.is_hrd_failure() => retry_later(state, item, &HrdError::Status(200)).await,
        Ok(a) => {
            let code = a.code.as_str().to_string();
            state
                .store
                .outbox_finished(item.id, "refused", &code, now)
                .await?;
            state
                .store
                .finish_identity_reset(check_state, "refused", now)
                .await?;
            reset::audit(
                state,
                &item.tenant,
                &item.usrid,
                "reset_refused",
                Some(&code),
                &detail,
                now,
            )
            .await?;
            Ok(Sent::Refused)
        }
        Err(e) => retry_later(state, item, &e).await,
    }
}

/// Sends everything due; returns how many items were tried.
pub async fn run_once(state: &AppState) -> Result<usize, AppError> {
    let due = state.store.due_outbox(state.now(), 100).await?;
    for item in &due {
        send(state, item.id).await?;
    }
    Ok(due.len())
}

/// The background worker: sends what is due every `interval`, or at once when woken by an enqueue.
/// Stops after the send in progress when `shutdown` fires.
pub fn spawn_worker(
    state: AppState,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = run_once(&state).await {
                tracing::error!(error = %e, "outbox worker");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = state.outbox_wakeup.notified() => {}
                _ = shutdown.changed() => break,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::backoff;

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
