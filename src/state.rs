//! The widget's steps as a pure state machine: `State` + `Action` → `State`, plus the effects the
//! component must run (HTTP calls, events for the host page, focus). No browser APIs here, so every
//! transition is unit-tested natively.

use crate::error::ClientError;
use crate::events::WidgetEvent;
use motp_protocol::api::{
    IdentityStart, IdentityStatus, ResetOutcome, SessionInfo, SubstituteOutcome, VerifyOutcome,
};
use motp_protocol::input::{normalize_code, CodeInputError};
use motp_protocol::MAX_FAILURES;

/// Which screen the trainee sees.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// Asking the server who we are and how many attempts are left.
    Loading,
    /// The code field.
    Code,
    /// HRD accepted the code; the host page has the receipt.
    Verified,
    /// Five wrong codes: only a phone identity check in the LMS lifts it.
    Locked,
    /// AP005: the app's name/mobile differ from the LMS record.
    NotRegistered,
    /// HRD is down (timeout, IE001, CE00x).
    HrdUnavailable { substitute_allowed: bool },
    /// The launch token expired or is invalid: only a page reload gets a new one.
    /// The launch token or the page's origin was refused. `expired`: the token merely ran out, and
    /// a reload mints a new one; otherwise the page's configuration is wrong, which only the
    /// institution can fix.
    TokenRefused { expired: bool },
    /// The server could not be reached or answered something unexpected.
    Failed { retry_session: bool },
}

/// A message shown with the code field.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// What was typed is not a code (nothing was sent).
    Input(CodeInputError),
    /// HRD said the code does not match.
    WrongCode { failures: u32, remaining: u32 },
    /// The code HRD accepted moments ago (a previous step, same minute): not sent, not counted.
    /// The app shows a new one in `seconds` (0: it already does). Said once, not ticking: the
    /// notice is a live region, and the form's own countdown ticks beside it.
    AlreadyUsed { seconds: u64 },
    /// The lock was lifted; type the current code.
    Unlocked,
    /// Too many attempts: wait.
    RateLimited { seconds: u64 },
    /// HRD refused with a code the widget has no screen for.
    Refused { hrd_code: String, message: String },
    /// The request did not get through; the code may be retried.
    Network,
}

/// Where a phone identity check stands: on [`Screen::Locked`] it lifts the lock; on
/// [`Screen::HrdUnavailable`] it stands in for the code (대체인증).
#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    /// The lock is explained and the phone identity check offered.
    Idle,
    /// The server prepares the check; the popup is open (blank), or, `here`, the check will run in
    /// this window (no popup: blocked, or an in-app browser).
    Starting { here: bool },
    /// The trainee is doing the check in the popup.
    Waiting { state: String },
    /// Back on this page from a check run in this window: its result is asked for.
    Returning { state: String },
    /// The check succeeded; the server is asked to lift the lock or accept it for the code.
    Finishing { state: String },
    /// Something needs the trainee's attention; each has its way forward.
    Problem(CheckProblem),
}

impl Check {
    /// The check whose result is awaited (from the popup, or after coming back to this page).
    pub fn watched(&self) -> Option<&String> {
        match self {
            Check::Waiting { state } | Check::Returning { state } => Some(state),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum CheckProblem {
    /// The trainee closed the popup before the check was done: start again.
    PopupClosed,
    /// The check did not succeed (cancelled, failed, expired): do it again.
    CheckFailed,
    /// The checked name or mobile differ from the LMS record.
    Mismatch,
    /// HRD refused the reset (AP010): do the check again.
    Refused { hrd_code: String },
    /// HRD has not answered the reset yet: it is queued and will be sent until HRD answers; the
    /// trainee goes back to the code and tries it in a little while.
    Queued,
    /// The server could not be reached.
    Network,
}

/// Work the component does after a transition.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadSession,
    /// Send this (already normalised) code to the server.
    Verify(String),
    Emit(WidgetEvent),
    FocusInput,
    FocusHeading,
    /// Ask the server for a phone identity check for this purpose.
    /// Start a check (the server is told this page's address, to come back to).
    StartIdentity(Purpose),
    /// Leave this page for the check's page (no popup); it comes back here when done.
    GoToCheck(String),
    /// Send the (already open) popup to the check's page.
    NavigatePopup(String),
    ClosePopup,
    /// Lift the lock with this successful check.
    Reset(String),
    /// Let this successful check stand in for the code.
    Substitute(String),
}

/// What a phone identity check is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Reset,
    Substitute,
}

impl Purpose {
    /// As the server's `?purpose=` names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::Substitute => "substitute",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    SessionLoaded {
        info: SessionInfo,
        local_now: i64,
    },
    SessionFailed(ClientError),
    Input(String),
    Submit,
    Answered(Result<VerifyOutcome, ClientError>),
    /// "Try again" on a screen that leads back to the code field.
    BackToCode,
    /// "Retry" after a failure to load: ask the server again.
    Reload,
    /// "Check with phone identity check" was pressed; the popup opened (or was blocked).
    CheckStart {
        popup_opened: bool,
    },
    IdentityStarted(Result<IdentityStart, ClientError>),
    /// The popup's message or a poll said how check `state` stands.
    IdentityResult {
        state: String,
        status: IdentityStatus,
    },
    /// The trainee closed the popup of check `state` before it was decided.
    PopupClosed {
        state: String,
    },
    /// "Cancel" while a check runs: back to the button that starts one.
    CancelCheck,
    ResetAnswered(Result<ResetOutcome, ClientError>),
    SubstituteAnswered(Result<SubstituteOutcome, ClientError>),
    /// The lock was lifted.
    Unlocked,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub screen: Screen,
    pub input: String,
    pub notice: Option<Notice>,
    /// A request is in flight: submit is disabled (no double submit).
    pub busy: bool,
    pub failures: u32,
    /// Server clock minus the PC's, so the countdown follows the server.
    pub clock_offset: i64,
    pub substitute_allowed: bool,
    /// What is being checked (HRD's EVAL_CD) and the server's Korean label for it.
    pub eval_cd: String,
    pub eval_label: String,
    pub check: Check,
    /// A check this page came back from (`#motp-reset=…`), taken up once the session is known.
    pub resume: Option<(String, Purpose)>,
    /// Effects of the last transition, run once by the component.
    pub effects: Vec<Effect>,
}

impl Default for State {
    fn default() -> Self {
        State {
            screen: Screen::Loading,
            input: String::new(),
            notice: None,
            busy: false,
            failures: 0,
            clock_offset: 0,
            substitute_allowed: false,
            eval_cd: String::new(),
            eval_label: String::new(),
            check: Check::Idle,
            resume: None,
            effects: vec![Effect::LoadSession],
        }
    }
}

impl State {
    /// The first state of a widget on a page that came back from check `resume`, if any.
    pub fn resuming(resume: Option<(String, Purpose)>) -> State {
        State {
            resume,
            ..State::default()
        }
    }

    pub fn remaining(&self) -> u32 {
        MAX_FAILURES.saturating_sub(self.failures)
    }

    /// Seconds until the phone shows a new code, by the server's clock.
    pub fn seconds_left(&self, local_now: i64, step: i64) -> i64 {
        step - (local_now + self.clock_offset).rem_euclid(step)
    }

    pub fn reduce(&self, action: Action) -> State {
        let mut next = State {
            effects: Vec::new(),
            ..self.clone()
        };
        match action {
            Action::SessionLoaded { info, local_now } => {
                next.clock_offset = info.server_time_unix - local_now;
                next.failures = info.failures;
                next.substitute_allowed = info.substitute_allowed;
                next.eval_cd = info.eval_cd;
                next.eval_label = info.eval_label;
                next.busy = false;
                next.screen = if info.locked {
                    Screen::Locked
                } else {
                    Screen::Code
                };
                next.notice = (info.failures > 0 && !info.locked).then_some(Notice::WrongCode {
                    failures: info.failures,
                    remaining: info.remaining,
                });
                next.effects.push(Effect::Emit(WidgetEvent::Ready {
                    failures: info.failures,
                    remaining: info.remaining,
                    locked: info.locked,
                }));
                if info.locked {
                    next.effects.push(Effect::Emit(WidgetEvent::Locked));
                    next.effects.push(Effect::FocusHeading);
                }
                // Back from a check run in this window: its screen, waiting for its result.
                match next.resume.take() {
                    Some((state, Purpose::Reset)) if info.locked => {
                        next.check = Check::Returning { state };
                    }
                    Some((state, Purpose::Substitute))
                        if !info.locked && info.substitute_allowed =>
                    {
                        next.screen = Screen::HrdUnavailable {
                            substitute_allowed: true,
                        };
                        next.check = Check::Returning { state };
                    }
                    _ => {}
                }
            }
            Action::SessionFailed(err) => {
                next.busy = false;
                next.screen = match err {
                    ClientError::Refused { .. } => Screen::TokenRefused {
                        expired: err.is_expired_token(),
                    },
                    _ => Screen::Failed {
                        retry_session: true,
                    },
                };
                next.effects.push(Effect::Emit(err.event()));
                next.effects.push(Effect::FocusHeading);
            }
            Action::Input(text) => {
                next.input = text;
                // A new attempt clears an input complaint, but keeps the attempt warning.
                if matches!(next.notice, Some(Notice::Input(_)) | Some(Notice::Network)) {
                    next.notice = None;
                }
            }
            Action::Submit => {
                if self.busy || self.screen != Screen::Code {
                    return next;
                }
                match normalize_code(&self.input) {
                    Ok(code) => {
                        next.busy = true;
                        next.effects.push(Effect::Verify(code.as_str().to_string()));
                    }
                    Err(reason) => {
                        next.notice = Some(Notice::Input(reason));
                        next.effects.push(Effect::FocusInput);
                    }
                }
            }
            Action::Answered(result) => {
                next.busy = false;
                next.input.clear();
                next.answered(result);
            }
            Action::BackToCode => {
                next.check = Check::Idle;
                next.screen = Screen::Code;
                next.notice = None;
                next.effects.push(Effect::FocusInput);
            }
            Action::Reload => {
                next.screen = Screen::Loading;
                next.notice = None;
                next.effects.push(Effect::LoadSession);
            }
            Action::CheckStart { popup_opened } => {
                let Some(purpose) = self.check_purpose() else {
                    return next;
                };
                // While waiting, the button opens the window again: a new check, as a closed or
                // lost window leaves nothing to wait for.
                if matches!(self.check, Check::Starting { .. } | Check::Finishing { .. }) {
                    return next;
                }
                // No popup (blocked, or an in-app browser): the check runs in this window.
                next.check = Check::Starting {
                    here: !popup_opened,
                };
                next.effects.push(Effect::StartIdentity(purpose));
            }
            Action::IdentityStarted(result) => {
                let Check::Starting { here } = self.check else {
                    return next;
                };
                match result {
                    Ok(start) if here => {
                        next.check = Check::Returning { state: start.state };
                        next.effects.push(Effect::GoToCheck(start.popup_url));
                    }
                    Ok(start) => {
                        next.check = Check::Waiting { state: start.state };
                        next.effects.push(Effect::NavigatePopup(start.popup_url));
                    }
                    Err(e) => next.check_problem(CheckProblem::Network, Some(e.event())),
                }
            }
            Action::PopupClosed { state } => {
                if self.check == (Check::Waiting { state }) {
                    next.check_problem(CheckProblem::PopupClosed, None);
                }
            }
            Action::CancelCheck => {
                if matches!(
                    self.check,
                    Check::Starting { .. } | Check::Waiting { .. } | Check::Returning { .. }
                ) {
                    next.check = Check::Idle;
                    next.effects.push(Effect::ClosePopup);
                    next.effects.push(Effect::FocusHeading);
                }
            }
            Action::IdentityResult { state, status } => {
                if self.check.watched() != Some(&state) {
                    return next;
                }
                match status {
                    IdentityStatus::Pending => {}
                    IdentityStatus::Succeeded => {
                        next.check = Check::Finishing {
                            state: state.clone(),
                        };
                        next.effects.push(match self.check_purpose() {
                            Some(Purpose::Substitute) => Effect::Substitute(state),
                            _ => Effect::Reset(state),
                        });
                    }
                    _ => next.check_problem(CheckProblem::CheckFailed, None),
                }
            }
            Action::ResetAnswered(result) => {
                if !matches!(self.check, Check::Finishing { .. }) {
                    return next;
                }
                match result {
                    Ok(ResetOutcome::Unlocked) => return next.reduce(Action::Unlocked),
                    Ok(ResetOutcome::ResetRefused { hrd_code }) => {
                        let event = WidgetEvent::Error {
                            code: hrd_code.clone(),
                            message: "HRD refused to lift the lock".into(),
                        };
                        next.check_problem(CheckProblem::Refused { hrd_code }, Some(event));
                    }
                    Ok(ResetOutcome::IdentityMismatch) => next.check_problem(
                        CheckProblem::Mismatch,
                        Some(WidgetEvent::Error {
                            code: "identity_mismatch".into(),
                            message: "the checked name or mobile differ from the LMS record".into(),
                        }),
                    ),
                    Ok(ResetOutcome::ResetQueued) => next.check_problem(
                        CheckProblem::Queued,
                        Some(WidgetEvent::Error {
                            code: "reset_queued".into(),
                            message: "HRD has not answered the reset yet; it will be sent again"
                                .into(),
                        }),
                    ),
                    Ok(ResetOutcome::IdentityCheckRequired { .. }) => {
                        next.check_problem(CheckProblem::CheckFailed, None)
                    }
                    Err(e) => next.check_problem(CheckProblem::Network, Some(e.event())),
                }
            }
            Action::SubstituteAnswered(result) => {
                if !matches!(self.check, Check::Finishing { .. }) {
                    return next;
                }
                match result {
                    Ok(SubstituteOutcome::Verified { receipt, .. }) => {
                        next.check = Check::Idle;
                        next.screen = Screen::Verified;
                        next.effects
                            .push(Effect::Emit(WidgetEvent::Verified { receipt }));
                        next.effects.push(Effect::FocusHeading);
                    }
                    Ok(SubstituteOutcome::IdentityMismatch) => next.check_problem(
                        CheckProblem::Mismatch,
                        Some(WidgetEvent::Error {
                            code: "identity_mismatch".into(),
                            message: "the checked name or mobile differ from the LMS record".into(),
                        }),
                    ),
                    Ok(SubstituteOutcome::IdentityCheckRequired { .. }) => {
                        next.check_problem(CheckProblem::CheckFailed, None)
                    }
                    Err(e) => next.check_problem(CheckProblem::Network, Some(e.event())),
                }
            }
            Action::Unlocked => {
                next.check = Check::Idle;
                next.failures = 0;
                next.screen = Screen::Code;
                next.notice = Some(Notice::Unlocked);
                next.effects.push(Effect::Emit(WidgetEvent::Unlocked));
                next.effects.push(Effect::FocusInput);
            }
        }
        next
    }

    /// What a phone identity check would be for on this screen, if one is offered.
    fn check_purpose(&self) -> Option<Purpose> {
        match self.screen {
            Screen::Locked => Some(Purpose::Reset),
            Screen::HrdUnavailable {
                substitute_allowed: true,
            } => Some(Purpose::Substitute),
            _ => None,
        }
    }

    fn check_problem(&mut self, problem: CheckProblem, event: Option<WidgetEvent>) {
        self.check = Check::Problem(problem);
        self.effects.push(Effect::ClosePopup);
        self.effects.extend(event.map(Effect::Emit));
        self.effects.push(Effect::FocusHeading);
    }

    fn answered(&mut self, result: Result<VerifyOutcome, ClientError>) {
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(err @ ClientError::Refused { .. }) => {
                self.screen = Screen::TokenRefused {
                    expired: err.is_expired_token(),
                };
                // The server's own reason, for the LMS developer.
                self.effects.push(Effect::Emit(err.event()));
                self.effects.push(Effect::FocusHeading);
                return;
            }
            Err(err) => {
                // The code may not have reached HRD: the trainee can simply try again.
                self.notice = Some(Notice::Network);
                self.effects.push(Effect::Emit(err.event()));
                self.effects.push(Effect::FocusInput);
                return;
            }
        };
        match outcome {
            VerifyOutcome::Verified { receipt } => {
                self.screen = Screen::Verified;
                self.failures = 0;
                self.notice = None;
                self.effects
                    .push(Effect::Emit(WidgetEvent::Verified { receipt }));
                self.effects.push(Effect::FocusHeading);
            }
            VerifyOutcome::WrongCode {
                failures,
                remaining,
            } => {
                self.failures = failures;
                self.notice = Some(Notice::WrongCode {
                    failures,
                    remaining,
                });
                self.effects.push(Effect::Emit(WidgetEvent::AttemptFailed {
                    failures,
                    remaining,
                }));
                self.effects.push(Effect::FocusInput);
            }
            VerifyOutcome::CodeAlreadyUsed { seconds_until_new } => {
                // Not a failure: no count, no event; the field waits for the new code.
                self.notice = Some(Notice::AlreadyUsed {
                    seconds: seconds_until_new,
                });
                self.effects.push(Effect::FocusInput);
            }
            VerifyOutcome::Locked => {
                self.failures = MAX_FAILURES;
                self.screen = Screen::Locked;
                self.check = Check::Idle;
                self.notice = None;
                self.effects.push(Effect::Emit(WidgetEvent::Locked));
                self.effects.push(Effect::FocusHeading);
            }
            VerifyOutcome::NotRegistered => {
                self.screen = Screen::NotRegistered;
                self.effects.push(Effect::Emit(WidgetEvent::Error {
                    code: "AP005".into(),
                    message: "not registered: the app's name/mobile differ from the LMS".into(),
                }));
                self.effects.push(Effect::FocusHeading);
            }
            VerifyOutcome::HrdUnavailable {
                substitute_allowed,
                hrd_code,
            } => {
                self.screen = Screen::HrdUnavailable { substitute_allowed };
                self.check = Check::Idle;
                self.effects.push(Effect::Emit(WidgetEvent::Error {
                    code: hrd_code.unwrap_or_else(|| "hrd_unavailable".into()),
                    message: "HRD's mOTP server is not answering".into(),
                }));
                if substitute_allowed {
                    self.effects
                        .push(Effect::Emit(WidgetEvent::SubstituteOffered));
                }
                self.effects.push(Effect::FocusHeading);
            }
            VerifyOutcome::RateLimited {
                retry_after_seconds,
            } => {
                self.notice = Some(Notice::RateLimited {
                    seconds: retry_after_seconds,
                });
                self.effects.push(Effect::Emit(WidgetEvent::Error {
                    code: "rate_limited".into(),
                    message: format!("retry after {retry_after_seconds} s"),
                }));
            }
            VerifyOutcome::InvalidInput { reason } => {
                self.notice = Some(Notice::Input(reason));
                self.effects.push(Effect::FocusInput);
            }
            VerifyOutcome::Refused { hrd_code, message } => {
                self.effects.push(Effect::Emit(WidgetEvent::Error {
                    code: hrd_code.clone(),
                    message: message.clone(),
                }));
                self.notice = Some(Notice::Refused { hrd_code, message });
                self.effects.push(Effect::FocusInput);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(failures: u32, locked: bool) -> SessionInfo {
        SessionInfo {
            server_time_unix: 1_000_030,
            step_seconds: 60,
            failures,
            remaining: MAX_FAILURES - failures,
            locked,
            eval_cd: "01".into(),
            eval_label: "진도".into(),
            substitute_allowed: true,
        }
    }

    fn ready(failures: u32) -> State {
        State::default().reduce(Action::SessionLoaded {
            info: info(failures, false),
            local_now: 1_000_000,
        })
    }

    fn typed(s: &State, text: &str) -> State {
        s.reduce(Action::Input(text.into())).reduce(Action::Submit)
    }

    #[test]
    fn starts_by_loading_the_session() {
        let s = State::default();
        assert_eq!(s.screen, Screen::Loading);
        assert_eq!(s.effects, vec![Effect::LoadSession]);
    }

    #[test]
    fn session_sets_clock_offset_and_announces_ready() {
        let s = ready(0);
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.clock_offset, 30);
        // Server time 1_000_030 → 1_000_030 % 60 = 10 s into the step: 50 s left.
        assert_eq!(s.seconds_left(1_000_000, 60), 50);
        assert_eq!(
            s.effects,
            vec![Effect::Emit(WidgetEvent::Ready {
                failures: 0,
                remaining: 5,
                locked: false
            })]
        );
    }

    #[test]
    fn earlier_failures_show_after_a_reload() {
        let s = ready(3);
        assert_eq!(
            s.notice,
            Some(Notice::WrongCode {
                failures: 3,
                remaining: 2
            })
        );
    }

    #[test]
    fn a_locked_session_opens_on_the_lock_screen() {
        let s = State::default().reduce(Action::SessionLoaded {
            info: info(5, true),
            local_now: 0,
        });
        assert_eq!(s.screen, Screen::Locked);
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Locked)));
    }

    #[test]
    fn four_digits_are_the_app_password_and_nothing_is_sent() {
        let s = typed(&ready(0), "1234");
        assert_eq!(
            s.notice,
            Some(Notice::Input(CodeInputError::LooksLikeAppPassword))
        );
        assert!(!s.busy);
        assert_eq!(s.effects, vec![Effect::FocusInput]);
    }

    #[test]
    fn other_bad_input_is_refused_locally() {
        for (text, reason) in [
            ("", CodeInputError::Empty),
            ("12345", CodeInputError::WrongLength),
            ("12a456", CodeInputError::NotDigits),
        ] {
            let s = typed(&ready(0), text);
            assert_eq!(s.notice, Some(Notice::Input(reason)), "{text:?}");
            assert!(s.effects.iter().all(|e| !matches!(e, Effect::Verify(_))));
        }
    }

    #[test]
    fn full_width_digits_are_sent_as_ascii() {
        let s = typed(&ready(0), "１２３ ４５６");
        assert!(s.busy);
        assert_eq!(s.effects, vec![Effect::Verify("123456".into())]);
    }

    #[test]
    fn no_double_submit_while_busy() {
        let s = typed(&ready(0), "123456");
        let again = s.reduce(Action::Submit);
        assert!(again.busy);
        assert!(again.effects.is_empty());
    }

    #[test]
    fn wrong_code_counts_down_and_clears_the_field() {
        let s = typed(&ready(0), "123456").reduce(Action::Answered(Ok(VerifyOutcome::WrongCode {
            failures: 4,
            remaining: 1,
        })));
        assert_eq!(s.screen, Screen::Code);
        assert!(!s.busy);
        assert!(s.input.is_empty());
        assert_eq!(s.failures, 4);
        assert_eq!(
            s.notice,
            Some(Notice::WrongCode {
                failures: 4,
                remaining: 1
            })
        );
        assert!(s
            .effects
            .contains(&Effect::Emit(WidgetEvent::AttemptFailed {
                failures: 4,
                remaining: 1
            })));
        // Typing again keeps the warning in view.
        let s = s.reduce(Action::Input("1".into()));
        assert!(matches!(s.notice, Some(Notice::WrongCode { .. })));
    }

    #[test]
    fn a_code_just_used_is_not_a_failure_and_says_when_the_new_one_comes() {
        let answer = VerifyOutcome::CodeAlreadyUsed {
            seconds_until_new: 17,
        };
        let s = typed(&ready(1), "123456").reduce(Action::Answered(Ok(answer)));
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.failures, 1, "nothing counted");
        assert!(s.input.is_empty());
        assert_eq!(s.notice, Some(Notice::AlreadyUsed { seconds: 17 }));
        assert_eq!(
            s.effects,
            vec![Effect::FocusInput],
            "no event: not a failure"
        );
        assert!(crate::i18n::already_used(crate::i18n::Lang::Ko, 17).contains("17초 뒤"));
        assert!(crate::i18n::already_used(crate::i18n::Lang::Ko, 0).contains("지금 나온 새 번호"));
    }

    #[test]
    fn verified_hands_the_receipt_to_the_host() {
        let s = typed(&ready(2), "123456").reduce(Action::Answered(Ok(VerifyOutcome::Verified {
            receipt: "r.e.c".into(),
        })));
        assert_eq!(s.screen, Screen::Verified);
        assert_eq!(s.failures, 0);
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Verified {
            receipt: "r.e.c".into()
        })));
    }

    #[test]
    fn locked_then_unlocked() {
        let s = typed(&ready(4), "123456").reduce(Action::Answered(Ok(VerifyOutcome::Locked)));
        assert_eq!(s.screen, Screen::Locked);
        assert_eq!(s.remaining(), 0);
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Locked)));
        // Submitting on the lock screen does nothing.
        assert!(s.reduce(Action::Submit).effects.is_empty());
        let s = s.reduce(Action::Unlocked);
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.notice, Some(Notice::Unlocked));
        assert_eq!(s.remaining(), 5);
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Unlocked)));
    }

    fn locked() -> State {
        typed(&ready(4), "123456").reduce(Action::Answered(Ok(VerifyOutcome::Locked)))
    }

    fn waiting() -> State {
        locked()
            .reduce(Action::CheckStart { popup_opened: true })
            .reduce(Action::IdentityStarted(Ok(IdentityStart {
                state: "st1".into(),
                popup_url: "/v1/identity/sandbox/st1".into(),
                expires_in_seconds: 600,
            })))
    }

    #[test]
    fn unlock_opens_the_check_in_the_popup_then_resets() {
        let s = locked().reduce(Action::CheckStart { popup_opened: true });
        assert_eq!(s.check, Check::Starting { here: false });
        assert_eq!(s.effects, vec![Effect::StartIdentity(Purpose::Reset)]);
        // A second press while starting does nothing.
        assert!(s
            .reduce(Action::CheckStart { popup_opened: true })
            .effects
            .is_empty());
        let s = waiting();
        assert_eq!(
            s.check,
            Check::Waiting {
                state: "st1".into()
            }
        );
        assert_eq!(
            s.effects,
            vec![Effect::NavigatePopup("/v1/identity/sandbox/st1".into())]
        );
        // Pending polls change nothing; a message about another check is ignored.
        let s = s.reduce(Action::IdentityResult {
            state: "st1".into(),
            status: IdentityStatus::Pending,
        });
        assert_eq!(
            s.check,
            Check::Waiting {
                state: "st1".into()
            }
        );
        let other = s.reduce(Action::IdentityResult {
            state: "zz".into(),
            status: IdentityStatus::Succeeded,
        });
        assert!(other.effects.is_empty());
        let s = s.reduce(Action::IdentityResult {
            state: "st1".into(),
            status: IdentityStatus::Succeeded,
        });
        assert_eq!(
            s.check,
            Check::Finishing {
                state: "st1".into()
            }
        );
        assert_eq!(s.effects, vec![Effect::Reset("st1".into())]);
        let s = s.reduce(Action::ResetAnswered(Ok(ResetOutcome::Unlocked)));
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.notice, Some(Notice::Unlocked));
        assert_eq!(s.check, Check::Idle);
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Unlocked)));
    }

    #[test]
    fn a_closed_popup_never_strands_the_trainee() {
        // Closed before the check was decided: said so, and the button starts again.
        let closed = waiting().reduce(Action::PopupClosed {
            state: "st1".into(),
        });
        assert_eq!(closed.check, Check::Problem(CheckProblem::PopupClosed));
        assert!(closed.effects.contains(&Effect::FocusHeading));
        let again = closed.reduce(Action::CheckStart { popup_opened: true });
        assert_eq!(again.check, Check::Starting { here: false });
        // A stale notice about another check changes nothing.
        let s = waiting().reduce(Action::PopupClosed { state: "zz".into() });
        assert!(matches!(s.check, Check::Waiting { .. }));
        assert!(s.effects.is_empty());
        // While waiting, the window can be opened again (a new check) or the check cancelled.
        let reopened = waiting().reduce(Action::CheckStart { popup_opened: true });
        assert_eq!(reopened.check, Check::Starting { here: false });
        let cancelled = waiting().reduce(Action::CancelCheck);
        assert_eq!(cancelled.check, Check::Idle);
        assert_eq!(
            cancelled.effects,
            vec![Effect::ClosePopup, Effect::FocusHeading]
        );
    }

    /// No popup (blocked, or an in-app browser): the check runs in this window and comes back.
    #[test]
    fn without_a_popup_the_check_runs_in_this_window_and_comes_back() {
        let s = locked().reduce(Action::CheckStart {
            popup_opened: false,
        });
        assert_eq!(s.check, Check::Starting { here: true });
        assert_eq!(s.effects, vec![Effect::StartIdentity(Purpose::Reset)]);
        let s = s.reduce(Action::IdentityStarted(Ok(IdentityStart {
            state: "st1".into(),
            popup_url: "/v1/identity/nice/st1".into(),
            expires_in_seconds: 600,
        })));
        assert_eq!(
            s.effects,
            vec![Effect::GoToCheck("/v1/identity/nice/st1".into())]
        );
        // The page is reloaded from the check's last page with #motp-reset=st1.
        let back = State::resuming(Some(("st1".into(), Purpose::Reset)));
        let back = back.reduce(Action::SessionLoaded {
            info: info(5, true),
            local_now: 0,
        });
        assert_eq!(back.screen, Screen::Locked);
        assert_eq!(
            back.check,
            Check::Returning {
                state: "st1".into()
            }
        );
        assert_eq!(back.resume, None);
        let back = back.reduce(Action::IdentityResult {
            state: "st1".into(),
            status: IdentityStatus::Succeeded,
        });
        assert_eq!(back.effects, vec![Effect::Reset("st1".into())]);
        // A reset check on a page whose trainee is not locked (any more) is left alone.
        let unlocked =
            State::resuming(Some(("st1".into(), Purpose::Reset))).reduce(Action::SessionLoaded {
                info: info(0, false),
                local_now: 0,
            });
        assert_eq!(
            (unlocked.screen, unlocked.check),
            (Screen::Code, Check::Idle)
        );
    }

    #[test]
    fn unlock_problems_each_have_a_way_forward() {
        let resetting = waiting().reduce(Action::IdentityResult {
            state: "st1".into(),
            status: IdentityStatus::Succeeded,
        });
        let refused = resetting.reduce(Action::ResetAnswered(Ok(ResetOutcome::ResetRefused {
            hrd_code: "AP010".into(),
        })));
        assert_eq!(
            refused.check,
            Check::Problem(CheckProblem::Refused {
                hrd_code: "AP010".into()
            })
        );
        assert!(refused.effects.contains(&Effect::ClosePopup));
        assert_eq!(
            refused
                .reduce(Action::CheckStart { popup_opened: true })
                .check,
            Check::Starting { here: false }
        );

        let mismatch = resetting.reduce(Action::ResetAnswered(Ok(ResetOutcome::IdentityMismatch)));
        assert_eq!(mismatch.check, Check::Problem(CheckProblem::Mismatch));

        let queued = resetting.reduce(Action::ResetAnswered(Ok(ResetOutcome::ResetQueued)));
        assert_eq!(queued.check, Check::Problem(CheckProblem::Queued));
        // The way forward is the code step; the lock lifts when HRD gets the queued reset.
        let back = queued.reduce(Action::BackToCode);
        assert_eq!((back.screen, back.check), (Screen::Code, Check::Idle));

        let failed = waiting().reduce(Action::IdentityResult {
            state: "st1".into(),
            status: IdentityStatus::Expired,
        });
        assert_eq!(failed.check, Check::Problem(CheckProblem::CheckFailed));

        let offline = locked()
            .reduce(Action::CheckStart { popup_opened: true })
            .reduce(Action::IdentityStarted(Err(ClientError::Network)));
        assert_eq!(offline.check, Check::Problem(CheckProblem::Network));
        assert!(offline.effects.contains(&Effect::ClosePopup));
    }

    #[test]
    fn hrd_down_lets_the_phone_check_stand_in_for_the_code() {
        let down = typed(&ready(0), "123456").reduce(Action::Answered(Ok(
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: true,
                hrd_code: Some("IE001".into()),
            },
        )));
        let s = down.reduce(Action::CheckStart { popup_opened: true });
        assert_eq!(s.effects, vec![Effect::StartIdentity(Purpose::Substitute)]);
        let s = s
            .reduce(Action::IdentityStarted(Ok(IdentityStart {
                state: "sub1".into(),
                popup_url: "/p".into(),
                expires_in_seconds: 600,
            })))
            .reduce(Action::IdentityResult {
                state: "sub1".into(),
                status: IdentityStatus::Succeeded,
            });
        assert_eq!(s.effects, vec![Effect::Substitute("sub1".into())]);
        let s = s.reduce(Action::SubstituteAnswered(Ok(
            SubstituteOutcome::Verified {
                receipt: "phone.receipt".into(),
                emon_log: "sent".into(),
            },
        )));
        assert_eq!(s.screen, Screen::Verified);
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Verified {
            receipt: "phone.receipt".into()
        })));

        // Not offered when the institution does not allow it.
        let no = typed(&ready(0), "123456").reduce(Action::Answered(Ok(
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: false,
                hrd_code: None,
            },
        )));
        assert!(no
            .reduce(Action::CheckStart { popup_opened: true })
            .effects
            .is_empty());
    }

    #[test]
    fn not_registered_has_a_way_back() {
        let s =
            typed(&ready(0), "123456").reduce(Action::Answered(Ok(VerifyOutcome::NotRegistered)));
        assert_eq!(s.screen, Screen::NotRegistered);
        let s = s.reduce(Action::BackToCode);
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.effects, vec![Effect::FocusInput]);
    }

    #[test]
    fn hrd_down_offers_the_substitute_check_when_allowed() {
        let s = typed(&ready(0), "123456").reduce(Action::Answered(Ok(
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: true,
                hrd_code: Some("IE001".into()),
            },
        )));
        assert_eq!(
            s.screen,
            Screen::HrdUnavailable {
                substitute_allowed: true
            }
        );
        assert!(s
            .effects
            .contains(&Effect::Emit(WidgetEvent::SubstituteOffered)));
        let s = typed(&ready(0), "123456").reduce(Action::Answered(Ok(
            VerifyOutcome::HrdUnavailable {
                substitute_allowed: false,
                hrd_code: None,
            },
        )));
        assert!(!s
            .effects
            .contains(&Effect::Emit(WidgetEvent::SubstituteOffered)));
    }

    #[test]
    fn rate_limited_says_how_long() {
        let s =
            typed(&ready(0), "123456").reduce(Action::Answered(Ok(VerifyOutcome::RateLimited {
                retry_after_seconds: 42,
            })));
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.notice, Some(Notice::RateLimited { seconds: 42 }));
    }

    #[test]
    fn network_failure_keeps_the_code_step() {
        let s = typed(&ready(0), "123456").reduce(Action::Answered(Err(ClientError::Network)));
        assert_eq!(s.screen, Screen::Code);
        assert_eq!(s.notice, Some(Notice::Network));
        assert!(!s.busy);
    }

    fn refused(error: &str) -> ClientError {
        ClientError::Refused {
            error: error.into(),
            message: format!("why: {error}"),
        }
    }

    #[test]
    fn an_expired_token_asks_for_a_reload_and_a_misconfiguration_for_the_institution() {
        let s = typed(&ready(0), "123456").reduce(Action::Answered(Err(refused("token_expired"))));
        assert_eq!(s.screen, Screen::TokenRefused { expired: true });
        let s = State::default().reduce(Action::SessionFailed(refused("invalid_token")));
        assert_eq!(s.screen, Screen::TokenRefused { expired: false });
        // The LMS developer hears the server's own code and reason.
        assert!(s.effects.contains(&Effect::Emit(WidgetEvent::Error {
            code: "invalid_token".into(),
            message: "why: invalid_token".into(),
        })));
        let s = State::default().reduce(Action::SessionFailed(refused("origin_not_allowed")));
        assert_eq!(s.screen, Screen::TokenRefused { expired: false });
    }

    #[test]
    fn a_failed_session_load_can_be_retried() {
        let s = State::default().reduce(Action::SessionFailed(ClientError::Network));
        assert_eq!(
            s.screen,
            Screen::Failed {
                retry_session: true
            }
        );
        let s = s.reduce(Action::Reload);
        assert_eq!(s.screen, Screen::Loading);
        assert_eq!(s.effects, vec![Effect::LoadSession]);
    }
}
