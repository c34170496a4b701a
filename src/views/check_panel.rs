//! A screen that offers the phone identity check: the lock screen (the check lifts the lock) and
//! the "HRD is down" screen (the check stands in for the code). It shows where the check stands and
//! always one way forward. A view function, like [`panel`].

use crate::i18n::Strings;
use crate::state::{Check, CheckProblem};
use crate::views::panel::{panel, PanelProps};
use yew::prelude::*;

pub struct CheckPanelProps {
    /// The screen: tone `danger` for the lock (then announced as an alert), `warning` when HRD is
    /// down; its children explain. Its action is set here, from where the check stands.
    pub panel: PanelProps,
    pub check: Check,
    /// The button that starts a check.
    pub start_label: &'static str,
    /// Opens the popup and starts a check (must run in the click itself, or popups are blocked).
    pub onstart: Callback<()>,
    /// Back to the code step (after a reset was queued).
    pub onback: Callback<()>,
    /// Gives up the check in progress (the window was lost, or the trainee changed their mind).
    pub oncancel: Callback<()>,
    /// The check will run in this window (no popups here): the trainee is told before tapping.
    pub here: bool,
    /// In KakaoTalk's browser: the address that opens this page in the phone's own browser.
    pub external: Option<String>,
}

pub fn check_panel(s: &Strings, props: CheckPanelProps) -> Html {
    let reopen = (s.reopen_window, props.onstart.clone());
    let start = (props.start_label, props.onstart);
    let (status, action) = match &props.check {
        // Where the check will open, said before the tap.
        Check::Idle => (
            Some(if props.here {
                s.check_opens_here
            } else {
                s.check_opens_popup
            }),
            Some(start),
        ),
        Check::Starting { .. } => (Some(s.unlock_starting), None),
        // Every wait has a way out: the window again, or cancel.
        Check::Waiting { .. } => (Some(s.unlock_waiting), Some(reopen)),
        Check::Returning { .. } => (Some(s.check_returning), None),
        Check::Finishing { .. } => (Some(s.unlock_resetting), None),
        Check::Problem(problem) => {
            let (text, back_to_code) = match problem {
                CheckProblem::PopupClosed => (s.popup_closed, false),
                CheckProblem::CheckFailed => (s.check_failed, false),
                CheckProblem::Mismatch => (s.identity_mismatch, false),
                CheckProblem::Refused { .. } => (s.reset_refused, false),
                CheckProblem::Queued => (s.reset_queued, true),
                CheckProblem::Network => (s.unlock_network, false),
            };
            let action = if back_to_code {
                (s.try_again, props.onback)
            } else {
                start
            };
            (Some(text), Some(action))
        }
    };
    let problem = matches!(props.check, Check::Problem(_));
    let mut p = props.panel;
    p.role = if p.tone == "danger" {
        "alert"
    } else {
        "region"
    };
    p.action = action;
    // While a check runs the way out is to cancel it (its answer would land on another screen).
    if !matches!(props.check, Check::Idle | Check::Problem(_)) {
        p.secondary = Some((s.cancel_check, props.oncancel));
    }
    p.children = html! {
        <>
            { p.children }
            <div class="notice" data-tone={problem.then_some("error")} aria-live="polite" role="status">
                { for status }
            </div>
            if let Some(href) = props.external.filter(|_| matches!(props.check, Check::Idle | Check::Problem(_))) {
                <p><a {href}>{ s.open_in_browser }</a></p>
            }
        </>
    };
    panel(p)
}
