//! The code check: the trainee's 6-digit code goes to HRD's `otp_accredit`, and HRD's answer alone
//! decides. [`judge`] reads the answer (pure, unit-tested); [`verify`] writes what it means — the
//! audit line, the attempt count, the receipt — in one transaction.

use super::error::{Error, Result};
use super::jwt::issue_receipt;
use super::limits;
use super::receipt_keys;
use super::trainee::Trainee;
use super::Gateway;
use crate::model::{AttemptChange, AttemptState, AuditEvent, CheckLine, CheckRecord};
use crate::upstream::UpstreamError;
use motp_protocol::api::{SessionInfo, VerifyOutcome};
use motp_protocol::hrd::{HrdAnswer, OtpAccreditForm};
use motp_protocol::input::{mask_tel, normalize_code};
use motp_protocol::{kst, HrdCode, CODE_STEP_SECONDS, MAX_FAILURES};
use std::net::IpAddr;

/// What the widget needs before the first attempt.
pub async fn session(gw: &Gateway, trainee: &Trainee) -> Result<SessionInfo> {
    let (tenant, usrid) = trainee.key();
    let attempts = gw.store.attempts(tenant, usrid).await?;
    Ok(SessionInfo {
        server_time_unix: gw.now(),
        step_seconds: CODE_STEP_SECONDS,
        failures: attempts.failures,
        remaining: attempts.remaining(),
        locked: attempts.locked,
        eval_cd: trainee.eval.code().into(),
        eval_label: trainee.eval.label_ko().into(),
        substitute_allowed: trainee.tenant.substitute_allowed,
    })
}

/// What HRD's answer to a code means.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// 200: the code is right; the count starts again and a receipt is issued.
    Passed,
    /// AP001: one more consecutive failure.
    WrongCode,
    /// AP009: HRD locked the trainee.
    Locked,
    /// AP005: no app registered under the LMS record's name and mobile.
    NotRegistered,
    /// WE005: HRD's own rate limit.
    Busy,
    /// HRD did not answer, or answered an internal error (IE/CE): remembered, so the substitute
    /// check can be offered.
    HrdDown { hrd_code: Option<String> },
    /// Any other answer, passed on as HRD gave it.
    Refused { hrd_code: String, message: String },
}

/// Reads HRD's answer (or its absence). Pure: the whole decision table in one place.
pub fn judge(answer: &std::result::Result<HrdAnswer, UpstreamError>) -> Verdict {
    let answer = match answer {
        Ok(answer) => answer,
        Err(_) => return Verdict::HrdDown { hrd_code: None },
    };
    match &answer.code {
        HrdCode::Success => Verdict::Passed,
        HrdCode::Ap001 => Verdict::WrongCode,
        HrdCode::Ap009 => Verdict::Locked,
        HrdCode::Ap005 => Verdict::NotRegistered,
        HrdCode::We005 => Verdict::Busy,
        code if code.is_hrd_failure() => Verdict::HrdDown {
            hrd_code: Some(code.as_str().to_string()),
        },
        code => Verdict::Refused {
            hrd_code: code.as_str().to_string(),
            message: if answer.msg.is_empty() {
                code.hrd_message().to_string()
            } else {
                answer.msg.clone()
            },
        },
    }
}

/// A code's fingerprint as remembered once HRD accepted it: SHA-256 of tenant, USRID and code, so
/// the store never holds a code.
pub fn fingerprint(tenant: &str, usrid: &str, code: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{tenant}\t{usrid}\t{code}").as_bytes(),
    );
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether the code of `typed` (a fingerprint) is the one HRD accepted at `accepted_at`, still
/// within its validity (that 60-s step and the next, as HRD tolerates): then the seconds until the
/// app shows a new code (0 when it already does). A verifier refuses a code already accepted
/// (RFC 6238 §5.2) and HRD may count that refusal toward the lock; this code need never be sent.
pub fn already_used(typed: &str, accepted: Option<(&str, i64)>, now: i64) -> Option<u64> {
    let (fingerprint, accepted_at) = accepted?;
    let step = CODE_STEP_SECONDS as i64;
    let (then, current) = (accepted_at.div_euclid(step), now.div_euclid(step));
    if fingerprint != typed || !(then..=then + 1).contains(&current) {
        return None;
    }
    Some(if current == then {
        (step - now.rem_euclid(step)) as u64
    } else {
        0
    })
}

/// The wrong-code answer, from the count after this failure. HRD has not locked yet (it said
/// AP001), so at least one attempt is left whatever our mirror says.
pub fn wrong_code(after: AttemptState) -> VerifyOutcome {
    VerifyOutcome::WrongCode {
        failures: after.failures.min(MAX_FAILURES - 1),
        remaining: after.remaining().max(1),
    }
}

/// `POST /v1/otp/verify`: checks limits and input, asks HRD, records what its answer means.
pub async fn verify(
    gw: &Gateway,
    trainee: &Trainee,
    ip: IpAddr,
    typed: &str,
) -> Result<VerifyOutcome> {
    let now = gw.now();
    // Per trainee here; per address in front of every route (`http::limits`).
    match limits::admit(gw, limits::Door::CodeCheck(trainee), now).await {
        Err(Error::RateLimited { retry_after }) => {
            return Ok(VerifyOutcome::RateLimited {
                retry_after_seconds: retry_after,
            })
        }
        other => other?,
    }
    let code = match normalize_code(typed) {
        Ok(code) => code,
        // Refused here: HRD never sees a malformed code.
        Err(reason) => return Ok(VerifyOutcome::InvalidInput { reason }),
    };
    let (tenant, usrid) = trainee.key();
    let typed = fingerprint(tenant, usrid, code.as_str());
    let accepted = gw.store.last_accepted_code(tenant, usrid).await?;
    let accepted = accepted.as_ref().map(|(f, at)| (f.as_str(), *at));
    if let Some(seconds_until_new) = already_used(&typed, accepted, now) {
        // Not sent, not counted: the trainee's next chapter in the same minute costs nothing.
        tracing::info!(tenant, usrid, seconds_until_new, "code already used");
        return Ok(VerifyOutcome::CodeAlreadyUsed { seconds_until_new });
    }
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
    let answer = gw.hrd.otp_accredit(&form).await;
    let hrd_code = match &answer {
        Ok(a) => a.code.as_str().to_string(),
        Err(e) => e.label().to_string(),
    };
    if let Err(e) = &answer {
        tracing::warn!(error = %e, "HRD unavailable");
    }
    tracing::info!(tenant, usrid, tel = %mask_tel(&trainee.tel), eval_cd = trainee.eval.code(), %hrd_code, "otp_accredit");

    let verdict = judge(&answer);
    // Signed before the write, so the receipt's id is stored with the rest; read before it too: on
    // PostgreSQL reads share the write's pool, and a transaction waiting on a second connection of
    // its own is how a busy pool deadlocks.
    let receipt = match verdict {
        Verdict::Passed => {
            let key = receipt_keys::signing_key(gw).await?;
            Some(issue_receipt(trainee, "motp", "200", now, &key))
        }
        _ => None,
    };
    let record = record(
        trainee,
        now,
        hrd_code,
        &verdict,
        receipt.as_ref().map(|(claims, _)| claims.jti.as_str()),
        typed,
    );
    // The audit line and what the answer means, committed together before the answer.
    let after = gw.store.record_check(record).await?;
    Ok(outcome(
        verdict,
        receipt.map(|(_, token)| token),
        after,
        trainee.tenant.substitute_allowed,
    ))
}

/// What a check writes, from HRD's verdict: the audit line with HRD's code, and what the verdict
/// does to the count (a lock gets a line of its own).
pub fn record(
    trainee: &Trainee,
    now: i64,
    hrd_code: String,
    verdict: &Verdict,
    receipt_id: Option<&str>,
    fingerprint: String,
) -> CheckRecord {
    let (tenant, usrid) = trainee.key();
    let mut lines = vec![CheckLine {
        event: AuditEvent::Verify,
        hrd_code: Some(hrd_code),
        eval_cd: Some(trainee.eval.code().into()),
        class_tme: Some(trainee.class_tme.clone()),
    }];
    let change = match verdict {
        Verdict::Passed => AttemptChange::Passed {
            fingerprint,
            receipt_id: receipt_id.unwrap_or_default().to_string(),
        },
        Verdict::WrongCode => AttemptChange::Failure,
        Verdict::Locked => {
            lines.push(CheckLine {
                event: AuditEvent::Lock,
                hrd_code: Some("AP009".into()),
                eval_cd: None,
                class_tme: None,
            });
            AttemptChange::Locked
        }
        Verdict::HrdDown { .. } => AttemptChange::HrdDown,
        Verdict::NotRegistered | Verdict::Busy | Verdict::Refused { .. } => {
            AttemptChange::Unchanged
        }
    };
    CheckRecord {
        at: now,
        tenant: tenant.to_string(),
        usrid: usrid.to_string(),
        lines,
        change,
    }
}

/// The trainee's answer, once the check's writes are committed: `after` is the count the store
/// answered for a failure, `receipt` the one issued for a pass.
pub fn outcome(
    verdict: Verdict,
    receipt: Option<String>,
    after: Option<AttemptState>,
    substitute_allowed: bool,
) -> VerifyOutcome {
    match verdict {
        Verdict::Passed => VerifyOutcome::Verified {
            receipt: receipt.unwrap_or_default(),
        },
        Verdict::WrongCode => wrong_code(after.unwrap_or_default()),
        Verdict::Locked => VerifyOutcome::Locked,
        Verdict::NotRegistered => VerifyOutcome::NotRegistered,
        Verdict::Busy => VerifyOutcome::RateLimited {
            retry_after_seconds: 60,
        },
        Verdict::HrdDown { hrd_code } => VerifyOutcome::HrdUnavailable {
            substitute_allowed,
            hrd_code,
        },
        Verdict::Refused { hrd_code, message } => VerifyOutcome::Refused { hrd_code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: &str, msg: &str) -> std::result::Result<HrdAnswer, UpstreamError> {
        Ok(serde_json::from_value(serde_json::json!({ "code": code, "msg": msg })).unwrap())
    }

    #[test]
    fn hrds_answers_decide_and_nothing_else() {
        assert_eq!(judge(&answer("200", "")), Verdict::Passed);
        assert_eq!(judge(&answer("AP001", "")), Verdict::WrongCode);
        assert_eq!(judge(&answer("AP009", "")), Verdict::Locked);
        assert_eq!(judge(&answer("AP005", "")), Verdict::NotRegistered);
        assert_eq!(judge(&answer("WE005", "")), Verdict::Busy);
        assert_eq!(
            judge(&answer("IE001", "")),
            Verdict::HrdDown {
                hrd_code: Some("IE001".into())
            }
        );
        assert_eq!(
            judge(&Err(UpstreamError::Timeout)),
            Verdict::HrdDown { hrd_code: None }
        );
        assert_eq!(
            judge(&answer("AP011", "잠금 상태")),
            Verdict::Refused {
                hrd_code: "AP011".into(),
                message: "잠금 상태".into()
            }
        );
        match judge(&answer("AP011", "")) {
            Verdict::Refused { message, .. } => assert!(!message.is_empty(), "HRD's own words"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_code_just_accepted_is_refused_for_its_step_and_the_next() {
        let code = fingerprint("t", "u", "123456");
        assert_ne!(code, fingerprint("t", "u", "123457"));
        assert_ne!(code, fingerprint("t", "u2", "123456"), "per trainee");
        let accepted = Some((code.as_str(), 120 + 10)); // step 2, 10 s in
        assert_eq!(already_used(&code, accepted, 130), Some(50));
        assert_eq!(already_used(&code, accepted, 179), Some(1));
        assert_eq!(
            already_used(&code, accepted, 180),
            Some(0),
            "the app shows a new one"
        );
        assert_eq!(already_used(&code, accepted, 239), Some(0));
        assert_eq!(
            already_used(&code, accepted, 240),
            None,
            "HRD's window is past"
        );
        let other = fingerprint("t", "u", "654321");
        assert_eq!(
            already_used(&other, accepted, 130),
            None,
            "another code goes to HRD"
        );
        assert_eq!(already_used(&code, None, 130), None);
    }

    fn trainee() -> Trainee {
        use crate::domain::jwt::{mint, verify, LaunchClaims, LAUNCH_AUDIENCE};
        let tenants = crate::tenant::Tenants::sandbox_demo("127.0.0.1:8080".parse().unwrap());
        let secret = tenants.get("demo").unwrap().secret.clone();
        let claims = LaunchClaims {
            iss: "demo".into(),
            aud: LAUNCH_AUDIENCE.into(),
            sub: "trainee01".into(),
            name: "홍길동".into(),
            tel: "01012345678".into(),
            course: "C1".into(),
            class: "C1,3".into(),
            eval_cd: "01".into(),
            class_tme: "3".into(),
            sid: "S".into(),
            iat: 1_000,
            exp: 1_600,
            jti: "j1".into(),
        };
        verify(&mint(&claims, &secret), &tenants, 1_000).unwrap()
    }

    #[test]
    fn each_verdict_writes_its_line_and_its_change() {
        let t = trainee();
        let write =
            |v: &Verdict, code: &str| record(&t, 1_000, code.into(), v, Some("r1"), "f".into());
        let passed = write(&Verdict::Passed, "200");
        assert_eq!(passed.lines.len(), 1);
        assert_eq!(passed.lines[0].event, AuditEvent::Verify);
        assert_eq!(passed.lines[0].hrd_code.as_deref(), Some("200"));
        assert_eq!(
            passed.lines[0].class_tme.as_deref(),
            Some(t.class_tme.as_str())
        );
        assert_eq!(
            passed.change,
            AttemptChange::Passed {
                fingerprint: "f".into(),
                receipt_id: "r1".into()
            }
        );
        assert_eq!(
            write(&Verdict::WrongCode, "AP001").change,
            AttemptChange::Failure
        );
        let locked = write(&Verdict::Locked, "AP009");
        assert_eq!(locked.change, AttemptChange::Locked);
        assert_eq!(
            locked.lines.iter().map(|l| l.event).collect::<Vec<_>>(),
            [AuditEvent::Verify, AuditEvent::Lock],
            "a lock has a line of its own"
        );
        let down = write(&Verdict::HrdDown { hrd_code: None }, "timeout");
        assert_eq!(down.change, AttemptChange::HrdDown);
        for v in [Verdict::NotRegistered, Verdict::Busy] {
            assert_eq!(write(&v, "x").change, AttemptChange::Unchanged);
        }
    }

    #[test]
    fn the_answer_follows_the_verdict_and_the_stored_count() {
        let after = Some(AttemptState {
            failures: 3,
            locked: false,
        });
        assert_eq!(
            outcome(Verdict::WrongCode, None, after, false),
            VerifyOutcome::WrongCode {
                failures: 3,
                remaining: 2
            }
        );
        assert_eq!(
            outcome(Verdict::Passed, Some("r".into()), None, false),
            VerifyOutcome::Verified {
                receipt: "r".into()
            }
        );
        assert_eq!(
            outcome(Verdict::HrdDown { hrd_code: None }, None, None, true),
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: true,
                hrd_code: None
            }
        );
    }

    #[test]
    fn a_wrong_code_always_leaves_an_attempt_until_hrd_locks() {
        let after = |failures| AttemptState {
            failures,
            locked: false,
        };
        assert_eq!(
            wrong_code(after(2)),
            VerifyOutcome::WrongCode {
                failures: 2,
                remaining: 3
            }
        );
        // Our mirror can run ahead of HRD (a failure it never heard of): HRD decides the lock.
        assert_eq!(
            wrong_code(after(7)),
            VerifyOutcome::WrongCode {
                failures: 4,
                remaining: 1
            }
        );
    }
}
