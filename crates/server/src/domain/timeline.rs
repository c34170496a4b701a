//! A trainee's story as the gateway knows it, for the help desk: every code check with HRD's
//! answer, every lock, identity check, reset and substitute check and every receipt redeemed, in
//! order, read from the audit trail, the identity checks and the outbox. Pure: built from records,
//! unit-tested without a store.

use crate::model::{
    AuditEvent, AuditRow, CheckStatus, IdentityCheck, OutboxItem, OutboxStatus, ProviderKind,
    Purpose,
};
use motp_protocol::HrdCode;

/// What HRD's answer to a code check meant, as the audit trail recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeAnswer {
    /// 200.
    Verified,
    /// AP001.
    WrongCode,
    /// AP009.
    Locked,
    /// AP005.
    NotRegistered,
    /// AP011.
    ReRegisteredWhileLocked,
    /// WE005: HRD's own rate limit.
    Busy,
    /// No answer (timeout, unreachable) or an internal error (IE001, CE001-CE003).
    HrdUnavailable,
    /// Anything else HRD said.
    Other,
}

impl CodeAnswer {
    /// The audit line's `hrd_code`: HRD's code, or `timeout` / `unreachable` when it did not answer
    /// (`UpstreamError::label`).
    pub fn from_recorded(hrd_code: &str) -> CodeAnswer {
        match HrdCode::parse(hrd_code) {
            HrdCode::Success => CodeAnswer::Verified,
            HrdCode::Ap001 => CodeAnswer::WrongCode,
            HrdCode::Ap009 => CodeAnswer::Locked,
            HrdCode::Ap005 => CodeAnswer::NotRegistered,
            HrdCode::Ap011 => CodeAnswer::ReRegisteredWhileLocked,
            HrdCode::We005 => CodeAnswer::Busy,
            code if code.is_hrd_failure() => CodeAnswer::HrdUnavailable,
            HrdCode::Other(text) if text == "timeout" || text == "unreachable" => {
                CodeAnswer::HrdUnavailable
            }
            _ => CodeAnswer::Other,
        }
    }
}

/// How an identity check ended, as far as the help desk cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Started, no result yet.
    Pending,
    /// The provider said it was not the person (or the person gave up).
    Failed,
    /// The provider identified the trainee; not used yet.
    Passed,
    /// A reset or a substitute is using it now.
    InUse,
    /// It lifted a lock or stood in for a code.
    Used,
    /// It identified someone other than the LMS record.
    AnotherPerson,
    /// HRD refused the reset made with it.
    ResetRefused,
}

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    CodeCheck {
        answer: CodeAnswer,
        /// As recorded: HRD's code, or `timeout` / `unreachable`.
        hrd_code: String,
        eval_cd: Option<String>,
        class_tme: Option<String>,
    },
    /// HRD locked the trainee (AP009).
    Locked,
    IdentityCheck {
        provider: ProviderKind,
        purpose: Purpose,
        outcome: CheckOutcome,
        /// The provider's transaction id.
        trnid: Option<String>,
    },
    /// A `user_reset` in the outbox.
    Reset {
        status: OutboxStatus,
        /// HRD's answer (its code), or why it was not delivered yet.
        answer: Option<String>,
        attempts: i64,
    },
    /// An identity check stood in for the code.
    Substitute {
        eval_cd: Option<String>,
        class_tme: Option<String>,
    },
    /// The LMS redeemed a receipt (`method`: `motp` or `phone`).
    ReceiptRedeemed {
        method: String,
        eval_cd: Option<String>,
        class_tme: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub at: i64,
    pub event: Event,
}

/// One trainee's entries, oldest first.
pub type Timeline = Vec<Entry>;

/// The timeline from the trainee's audit lines, identity checks and reset items (all of one
/// trainee). Lines the other two sources tell better (identity checks, resets) are taken from
/// them; entries at the same second keep the order they were written in.
pub fn build(audit: &[AuditRow], checks: &[IdentityCheck], resets: &[OutboxItem]) -> Timeline {
    let mut entries: Timeline = Vec::new();
    for row in audit {
        let event = match row.event.parse::<AuditEvent>() {
            Ok(AuditEvent::Verify) => {
                let hrd_code = row.hrd_code.clone().unwrap_or_default();
                Event::CodeCheck {
                    answer: CodeAnswer::from_recorded(&hrd_code),
                    hrd_code,
                    eval_cd: row.eval_cd.clone(),
                    class_tme: row.class_tme.clone(),
                }
            }
            Ok(AuditEvent::Lock) => Event::Locked,
            Ok(AuditEvent::Substitute) => Event::Substitute {
                eval_cd: row.eval_cd.clone(),
                class_tme: row.class_tme.clone(),
            },
            Ok(AuditEvent::ReceiptRedeemed) => Event::ReceiptRedeemed {
                method: row.detail.clone().unwrap_or_default(),
                eval_cd: row.eval_cd.clone(),
                class_tme: row.class_tme.clone(),
            },
            // From the checks and the outbox below.
            Ok(AuditEvent::IdentityCheck | AuditEvent::Reset | AuditEvent::ResetRefused)
            | Err(_) => continue,
        };
        entries.push(Entry { at: row.at, event });
    }
    for check in checks {
        let reset = resets
            .iter()
            .find(|r| r.dedupe == super::outbox::reset_key(&check.check_id));
        let outcome = match check.status {
            CheckStatus::Pending => CheckOutcome::Pending,
            CheckStatus::Failed => CheckOutcome::Failed,
            CheckStatus::Succeeded => CheckOutcome::Passed,
            CheckStatus::Resetting => CheckOutcome::InUse,
            CheckStatus::Used => CheckOutcome::Used,
            // Refused: by HRD if a reset was sent with it, else because it named someone else.
            CheckStatus::Refused => match reset {
                Some(r) if r.status == OutboxStatus::Refused => CheckOutcome::ResetRefused,
                _ => CheckOutcome::AnotherPerson,
            },
        };
        entries.push(Entry {
            at: check.created_at,
            event: Event::IdentityCheck {
                provider: check.provider,
                purpose: check.purpose,
                outcome,
                trnid: check.trnid.clone(),
            },
        });
    }
    for item in resets {
        entries.push(Entry {
            at: item.created_at,
            event: Event::Reset {
                status: item.status,
                answer: item.last_error.clone(),
                attempts: item.attempts,
            },
        });
    }
    // Stable: same-second entries stay in the order above (the audit's own order first).
    entries.sort_by_key(|e| e.at);
    entries
}

/// The last code check's answer and when, if any.
pub fn last_answer(timeline: &Timeline) -> Option<(i64, &CodeAnswer, &str)> {
    timeline.iter().rev().find_map(|e| match &e.event {
        Event::CodeCheck {
            answer, hrd_code, ..
        } => Some((e.at, answer, hrd_code.as_str())),
        _ => None,
    })
}

/// The last reset's state, its answer and when it was asked for, if any.
pub fn last_reset(timeline: &Timeline) -> Option<(i64, OutboxStatus, Option<&str>)> {
    timeline.iter().rev().find_map(|e| match &e.event {
        Event::Reset { status, answer, .. } => Some((e.at, *status, answer.as_deref())),
        _ => None,
    })
}

/// The last identity check's outcome, if any.
pub fn last_check(timeline: &Timeline) -> Option<CheckOutcome> {
    timeline.iter().rev().find_map(|e| match &e.event {
        Event::IdentityCheck { outcome, .. } => Some(*outcome),
        _ => None,
    })
}

/// When the present lock began: the first lock after the last pass or lifted lock (if locked).
pub fn locked_since(timeline: &Timeline) -> Option<i64> {
    let mut since = None;
    for e in timeline {
        match &e.event {
            Event::Locked if since.is_none() => since = Some(e.at),
            Event::CodeCheck {
                answer: CodeAnswer::Verified,
                ..
            }
            | Event::Reset {
                status: OutboxStatus::Done,
                ..
            } => since = None,
            _ => {}
        }
    }
    since
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn audit(at: i64, event: AuditEvent, hrd_code: Option<&str>) -> AuditRow {
        AuditRow {
            id: at,
            at,
            tenant: "t".into(),
            usrid: "u".into(),
            event: event.as_str().into(),
            hrd_code: hrd_code.map(Into::into),
            eval_cd: Some("01".into()),
            class_tme: Some("03".into()),
            detail: None,
        }
    }

    pub(crate) fn check(id: &str, at: i64, status: CheckStatus) -> IdentityCheck {
        IdentityCheck {
            check_id: id.into(),
            tenant: "t".into(),
            usrid: "u".into(),
            provider: ProviderKind::Nice,
            origin: "https://lms.example".into(),
            purpose: Purpose::Reset,
            status,
            created_at: at,
            completed_at: Some(at + 5),
            sms_code: None,
            result_code: Some("0000".into()),
            trnid: Some(format!("trn-{id}")),
            trndt: None,
            name: None,
            tel: None,
            return_to: None,
        }
    }

    pub(crate) fn reset(check_id: &str, at: i64, status: OutboxStatus, answer: &str) -> OutboxItem {
        OutboxItem {
            id: at,
            kind: crate::model::OutboxKind::Reset,
            dedupe: super::super::outbox::reset_key(check_id),
            tenant: "t".into(),
            usrid: "u".into(),
            payload: "{}".into(),
            status,
            attempts: 1,
            next_at: at,
            last_error: Some(answer.into()),
            created_at: at,
        }
    }

    #[test]
    fn hrds_recorded_answers_read_back_in_words() {
        assert_eq!(CodeAnswer::from_recorded("200"), CodeAnswer::Verified);
        assert_eq!(CodeAnswer::from_recorded("AP001"), CodeAnswer::WrongCode);
        assert_eq!(CodeAnswer::from_recorded("AP009"), CodeAnswer::Locked);
        assert_eq!(
            CodeAnswer::from_recorded("AP005"),
            CodeAnswer::NotRegistered
        );
        assert_eq!(
            CodeAnswer::from_recorded("AP011"),
            CodeAnswer::ReRegisteredWhileLocked
        );
        for down in ["timeout", "unreachable", "IE001", "CE001", "CE002", "CE003"] {
            assert_eq!(
                CodeAnswer::from_recorded(down),
                CodeAnswer::HrdUnavailable,
                "{down}"
            );
        }
        assert_eq!(CodeAnswer::from_recorded("AP010"), CodeAnswer::Other);
    }

    #[test]
    fn the_timeline_merges_the_three_sources_in_time_order() {
        let lines = [
            audit(10, AuditEvent::Verify, Some("AP001")),
            audit(20, AuditEvent::Verify, Some("AP009")),
            audit(20, AuditEvent::Lock, Some("AP009")),
            audit(40, AuditEvent::IdentityCheck, Some("0000")),
            audit(50, AuditEvent::Reset, Some("200")),
        ];
        let checks = [
            check("a", 30, CheckStatus::Refused),
            check("b", 35, CheckStatus::Used),
        ];
        let resets = [reset("b", 45, OutboxStatus::Done, "200")];
        let t = build(&lines, &checks, &resets);
        let kinds: Vec<i64> = t.iter().map(|e| e.at).collect();
        assert_eq!(kinds, [10, 20, 20, 30, 35, 45]);
        assert!(matches!(t[2].event, Event::Locked));
        assert!(matches!(
            t[3].event,
            Event::IdentityCheck {
                outcome: CheckOutcome::AnotherPerson,
                ..
            }
        ));
        assert_eq!(last_reset(&t), Some((45, OutboxStatus::Done, Some("200"))));
        assert_eq!(locked_since(&t), None, "the reset lifted it");
        assert_eq!(locked_since(&t[..5].to_vec()), Some(20));
        let refused = build(
            &[],
            &checks,
            &[reset("a", 31, OutboxStatus::Refused, "AP010")],
        );
        assert_eq!(
            refused.iter().find_map(|e| match e.event {
                Event::IdentityCheck { outcome, .. } => Some(outcome),
                _ => None,
            }),
            Some(CheckOutcome::ResetRefused)
        );
    }
}
