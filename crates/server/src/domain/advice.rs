//! "안내할 내용": what the help desk should tell a trainee now, decided from the trainee's
//! timeline by the FAQ's rules, one pure function each. The words are in
//! `motp_protocol::advice`, beside the widget's.

use super::timeline::{self, CheckOutcome, CodeAnswer, Timeline};
use crate::model::{AttemptState, OutboxStatus};
use motp_protocol::advice::Advice;

/// What the rules look at.
pub struct Facts<'a> {
    pub timeline: &'a Timeline,
    pub attempts: AttemptState,
    /// The tenant offers the substitute check while HRD is down.
    pub substitute_allowed: bool,
}

impl Facts<'_> {
    fn last_answer(&self) -> Option<&CodeAnswer> {
        timeline::last_answer(self.timeline).map(|(_, answer, _)| answer)
    }

    fn reset_status(&self) -> Option<OutboxStatus> {
        timeline::last_reset(self.timeline).map(|(_, status, _)| status)
    }
}

/// A reset is sent and HRD has not confirmed it: the server keeps sending.
pub fn reset_queued(f: &Facts) -> Option<Advice> {
    (f.reset_status() == Some(OutboxStatus::Queued)).then_some(Advice::ResetQueued)
}

/// Locked (AP009), and no reset on its way: only the phone identity check lifts it.
pub fn locked(f: &Facts) -> Option<Advice> {
    (f.attempts.locked && f.reset_status() != Some(OutboxStatus::Queued)).then_some(Advice::Locked)
}

/// HRD answered AP011 since the lock began: the app was registered again while locked.
pub fn re_registered_while_locked(f: &Facts) -> Option<Advice> {
    (f.last_answer() == Some(&CodeAnswer::ReRegisteredWhileLocked))
        .then_some(Advice::ReRegisteredWhileLocked)
}

/// The last identity check named someone other than the LMS record.
pub fn another_person(f: &Facts) -> Option<Advice> {
    (timeline::last_check(f.timeline) == Some(CheckOutcome::AnotherPerson))
        .then_some(Advice::AnotherPerson)
}

/// HRD refused the last reset, and the lock is still on.
pub fn reset_refused(f: &Facts) -> Option<Advice> {
    (f.attempts.locked && f.reset_status() == Some(OutboxStatus::Refused))
        .then_some(Advice::ResetRefused)
}

/// HRD did not answer the last code check: an outage, not the trainee.
pub fn hrd_unavailable(f: &Facts) -> Option<Advice> {
    (f.last_answer() == Some(&CodeAnswer::HrdUnavailable)).then_some(Advice::HrdUnavailable {
        substitute_allowed: f.substitute_allowed,
    })
}

/// The last code check was AP005: the app's registration differs from the LMS record.
pub fn not_registered(f: &Facts) -> Option<Advice> {
    (f.last_answer() == Some(&CodeAnswer::NotRegistered)).then_some(Advice::NotRegistered {
        locked: f.attempts.locked,
    })
}

/// Wrong codes (AP001) and not locked: why codes do not match, and the attempts left.
pub fn wrong_codes(f: &Facts) -> Option<Advice> {
    (!f.attempts.locked && f.attempts.failures > 0).then_some(Advice::WrongCode {
        remaining: f.attempts.remaining(),
    })
}

/// Every rule that applies, most pressing first.
pub fn advise(f: &Facts) -> Vec<Advice> {
    const RULES: [fn(&Facts) -> Option<Advice>; 8] = [
        reset_queued,
        locked,
        re_registered_while_locked,
        another_person,
        reset_refused,
        hrd_unavailable,
        not_registered,
        wrong_codes,
    ];
    RULES.iter().filter_map(|rule| rule(f)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::timeline::build;
    use crate::domain::timeline::tests::{audit, check, reset};
    use crate::model::{AuditEvent, CheckStatus};

    fn facts(t: &Timeline, failures: u32, locked: bool) -> Facts<'_> {
        Facts {
            timeline: t,
            attempts: AttemptState { failures, locked },
            substitute_allowed: true,
        }
    }

    fn verify(at: i64, code: &str) -> crate::model::AuditRow {
        audit(at, AuditEvent::Verify, Some(code))
    }

    #[test]
    fn ap005_says_register_as_in_the_lms() {
        let t = build(&[verify(1, "AP005")], &[], &[]);
        assert_eq!(
            not_registered(&facts(&t, 0, false)),
            Some(Advice::NotRegistered { locked: false })
        );
        assert_eq!(
            not_registered(&facts(&t, 5, true)),
            Some(Advice::NotRegistered { locked: true })
        );
        // A later pass answers it.
        let t = build(&[verify(1, "AP005"), verify(2, "200")], &[], &[]);
        assert_eq!(not_registered(&facts(&t, 0, false)), None);
    }

    #[test]
    fn wrong_codes_count_down_until_the_lock() {
        let t = build(&[verify(1, "AP001"), verify(2, "AP001")], &[], &[]);
        assert_eq!(
            wrong_codes(&facts(&t, 2, false)),
            Some(Advice::WrongCode { remaining: 3 })
        );
        assert_eq!(wrong_codes(&facts(&t, 0, false)), None);
        assert_eq!(
            wrong_codes(&facts(&t, 5, true)),
            None,
            "locked: another rule"
        );
    }

    #[test]
    fn locked_says_only_the_identity_check_lifts_it() {
        let lines = [
            verify(1, "AP009"),
            audit(1, AuditEvent::Lock, Some("AP009")),
        ];
        let t = build(&lines, &[], &[]);
        assert_eq!(locked(&facts(&t, 5, true)), Some(Advice::Locked));
        assert_eq!(locked(&facts(&t, 0, false)), None);
        assert_eq!(advise(&facts(&t, 5, true)), [Advice::Locked]);
    }

    #[test]
    fn ap011_says_lift_the_lock_before_registering() {
        let t = build(&[verify(1, "AP011")], &[], &[]);
        assert_eq!(
            re_registered_while_locked(&facts(&t, 5, true)),
            Some(Advice::ReRegisteredWhileLocked)
        );
        let t = build(&[verify(1, "AP001")], &[], &[]);
        assert_eq!(re_registered_while_locked(&facts(&t, 1, false)), None);
    }

    #[test]
    fn another_persons_check_says_the_record_may_be_old() {
        let t = build(&[], &[check("a", 1, CheckStatus::Refused)], &[]);
        assert_eq!(
            another_person(&facts(&t, 5, true)),
            Some(Advice::AnotherPerson)
        );
        // Refused by HRD, not another person.
        let t = build(
            &[],
            &[check("a", 1, CheckStatus::Refused)],
            &[reset("a", 2, OutboxStatus::Refused, "AP010")],
        );
        assert_eq!(another_person(&facts(&t, 5, true)), None);
        assert_eq!(
            reset_refused(&facts(&t, 5, true)),
            Some(Advice::ResetRefused)
        );
        // A later check that passed answers it.
        let t = build(
            &[],
            &[
                check("a", 1, CheckStatus::Refused),
                check("b", 2, CheckStatus::Used),
            ],
            &[],
        );
        assert_eq!(another_person(&facts(&t, 0, false)), None);
    }

    #[test]
    fn hrd_down_is_an_outage_with_the_substitute_where_allowed() {
        for code in ["timeout", "unreachable", "IE001", "CE003"] {
            let t = build(&[verify(1, code)], &[], &[]);
            let mut f = facts(&t, 0, false);
            assert_eq!(
                hrd_unavailable(&f),
                Some(Advice::HrdUnavailable {
                    substitute_allowed: true
                }),
                "{code}"
            );
            f.substitute_allowed = false;
            assert_eq!(
                hrd_unavailable(&f),
                Some(Advice::HrdUnavailable {
                    substitute_allowed: false
                })
            );
        }
        let t = build(&[verify(1, "timeout"), verify(2, "AP001")], &[], &[]);
        assert_eq!(hrd_unavailable(&facts(&t, 1, false)), None);
    }

    #[test]
    fn a_queued_reset_says_wait_and_replaces_the_lock_advice() {
        let lines = [
            verify(1, "AP009"),
            audit(1, AuditEvent::Lock, Some("AP009")),
        ];
        let checks = [check("a", 2, CheckStatus::Resetting)];
        let resets = [reset("a", 3, OutboxStatus::Queued, "timeout")];
        let t = build(&lines, &checks, &resets);
        let f = facts(&t, 5, true);
        assert_eq!(reset_queued(&f), Some(Advice::ResetQueued));
        assert_eq!(locked(&f), None);
        assert_eq!(advise(&f), [Advice::ResetQueued]);
        let done = [reset("a", 3, OutboxStatus::Done, "200")];
        let t = build(&lines, &checks, &done);
        assert_eq!(reset_queued(&facts(&t, 0, false)), None);
    }
}
