//! `GET /v1/session` and `POST /v1/otp/verify`: the code check, decided by HRD's answer alone.

use crate::error::AppError;
use crate::hrd::HrdError;
use crate::limits;
use crate::receipt;
use crate::store::AuditEvent;
use crate::token::Trainee;
use crate::trainee::ClientIp;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use motp_protocol::api::{SessionInfo, VerifyOutcome, VerifyRequest};
use motp_protocol::hrd::OtpAccreditForm;
use motp_protocol::input::{mask_tel, normalize_code};
use motp_protocol::{kst, HrdCode, CODE_STEP_SECONDS, MAX_FAILURES};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", get(session))
        .route("/otp/verify", post(verify))
}

async fn session(
    State(state): State<AppState>,
    trainee: Trainee,
) -> Result<Json<SessionInfo>, AppError> {
    let (tenant, usrid) = trainee.key();
    let attempts = state.store.attempts(tenant, usrid).await?;
    Ok(Json(SessionInfo {
        server_time_unix: state.now(),
        step_seconds: CODE_STEP_SECONDS,
        failures: attempts.failures,
        remaining: attempts.remaining(),
        locked: attempts.locked,
        eval_cd: trainee.eval.code().into(),
        eval_label: trainee.eval.label_ko().into(),
        substitute_allowed: trainee.tenant.substitute_allowed,
    }))
}

async fn verify(
    State(state): State<AppState>,
    trainee: Trainee,
    ClientIp(ip): ClientIp,
    Json(req): Json<VerifyRequest>,
) -> Result<Response, AppError> {
    let now = state.now();
    let (tenant, usrid) = trainee.key();
    let trainee_key = format!("t\t{tenant}\t{usrid}");
    let mut limited =
        limits::check(&state, &trainee_key, state.per_trainee_per_minute, now).await?;
    if limited.is_ok() {
        limited = limits::check(&state, &format!("ip\t{ip}"), state.per_ip_per_minute, now).await?;
    }
    if let Err(retry_after) = limited {
        return Ok(rate_limited(retry_after));
    }
    let code = match normalize_code(&req.code) {
        Ok(code) => code,
        Err(reason) => {
            // Refused here: HRD never sees a malformed code.
            let outcome = VerifyOutcome::InvalidInput { reason };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(outcome)).into_response());
        }
    };
    let usrdt = kst::format_unix(now);
    let form = OtpAccreditForm {
        user_nm: trainee.name.clone(),
        user_tel: trainee.tel.clone(),
        otpno: code.as_str().to_string(),
        agtid: trainee.tenant.agtid.clone(),
        usrid: usrid.to_string(),
        sessionid: trainee.session_id.clone(),
        exip: ip.to_string(),
        course_agent_pk: trainee.course.clone(),
        class_agent_pk: trainee.class.clone(),
        eval_cd: trainee.eval.code().into(),
        eval_type: trainee.eval.label_ko().into(),
        class_tme: trainee.class_tme.clone(),
        ut: usrdt.clone(),
        usrdt,
    };
    let started = std::time::Instant::now();
    let answer = state.hrd.otp_accredit(&form).await;
    let hrd_code = match &answer {
        Ok(a) => a.code.as_str().to_string(),
        Err(HrdError::Timeout) => "timeout".into(),
        Err(_) => "unreachable".into(),
    };
    crate::metrics::hrd_call("otp_accredit", &hrd_code, started);
    tracing::info!(tenant, usrid, tel = %mask_tel(&trainee.tel), eval_cd = trainee.eval.code(), %hrd_code, "otp_accredit");
    // The audit line and the count change in one transaction: both or neither, one commit.
    let mut tx = state.store.begin().await?;
    tx.audit(
        now,
        AuditEvent {
            tenant,
            usrid,
            event: "verify",
            hrd_code: Some(&hrd_code),
            eval_cd: Some(trainee.eval.code()),
            class_tme: Some(&trainee.class_tme),
            detail: None,
        },
    )
    .await?;

    let outcome = match answer {
        Ok(a) => match a.code {
            HrdCode::Success => {
                tx.clear_attempts(tenant, usrid, now).await?;
                let (claims, token) = receipt::issue(&trainee, "motp", "200", now);
                tx.save_receipt(&claims.jti, tenant, usrid, now).await?;
                VerifyOutcome::Verified { receipt: token }
            }
            HrdCode::Ap001 => {
                let attempts = tx.record_failure(tenant, usrid, now).await?;
                // HRD has not locked yet, so at least one attempt is left whatever our mirror says.
                VerifyOutcome::WrongCode {
                    failures: attempts.failures.min(MAX_FAILURES - 1),
                    remaining: attempts.remaining().max(1),
                }
            }
            HrdCode::Ap009 => {
                tx.record_lock(tenant, usrid, now).await?;
                tx.audit(
                    now,
                    AuditEvent {
                        tenant,
                        usrid,
                        event: "lock",
                        hrd_code: Some("AP009"),
                        eval_cd: None,
                        class_tme: None,
                        detail: None,
                    },
                )
                .await?;
                VerifyOutcome::Locked
            }
            HrdCode::Ap005 => VerifyOutcome::NotRegistered,
            HrdCode::We005 => VerifyOutcome::RateLimited {
                retry_after_seconds: 60,
            },
            code if code.is_hrd_failure() => {
                tx.record_hrd_down(tenant, usrid, now).await?;
                VerifyOutcome::HrdUnavailable {
                    substitute_allowed: trainee.tenant.substitute_allowed,
                    hrd_code: Some(code.as_str().to_string()),
                }
            }
            code => VerifyOutcome::Refused {
                message: if a.msg.is_empty() {
                    code.hrd_message().to_string()
                } else {
                    a.msg
                },
                hrd_code: code.as_str().to_string(),
            },
        },
        Err(e) => {
            tracing::warn!(error = %e, "HRD unavailable");
            tx.record_hrd_down(tenant, usrid, now).await?;
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: trainee.tenant.substitute_allowed,
                hrd_code: None,
            }
        }
    };
    tx.commit().await?;
    Ok(match outcome {
        VerifyOutcome::RateLimited {
            retry_after_seconds,
        } => rate_limited(retry_after_seconds),
        outcome => Json(outcome).into_response(),
    })
}

fn rate_limited(retry_after: u64) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(VerifyOutcome::RateLimited {
            retry_after_seconds: retry_after,
        }),
    )
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}
