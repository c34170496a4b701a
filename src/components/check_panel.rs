//! A screen that offers the phone identity check: the lock screen (the check lifts the lock) and
//! the "HRD is down" screen (the check stands in for the code). It shows where the check stands and
//! always one way forward.

use crate::components::panel::Panel;
use crate::i18n::{strings, Lang};
use crate::state::{Check, CheckProblem};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckPanelProps {
    pub lang: Lang,
    /// `danger` for the lock (announced as an alert), `warning` when HRD is down.
    pub tone: AttrValue,
    pub title: AttrValue,
    pub check: Check,
    pub heading_ref: NodeRef,
    /// The button that starts a check.
    pub start_label: AttrValue,
    /// Opens the popup and starts a check (must run in the click itself, or popups are blocked).
    pub onstart: Callback<()>,
    /// Back to the code step (after a reset was queued).
    pub onback: Callback<()>,
    /// Another way forward besides the check (e.g. "type a code again").
    #[prop_or_default]
    pub secondary: Option<(AttrValue, Callback<()>)>,
    #[prop_or_default]
    pub children: Html,
}

#[function_component]
pub fn CheckPanel(props: &CheckPanelProps) -> Html {
    let s = strings(props.lang);
    let start = (props.start_label.clone(), props.onstart.clone());
    let (status, action) = match &props.check {
        Check::Idle => (None, Some(start)),
        Check::Starting => (Some(s.unlock_starting), None),
        Check::Waiting { .. } => (Some(s.unlock_waiting), None),
        Check::Finishing { .. } => (Some(s.unlock_resetting), None),
        Check::Problem(problem) => {
            let (text, back_to_code) = match problem {
                CheckProblem::PopupBlocked => (s.popup_blocked, false),
                CheckProblem::CheckFailed => (s.check_failed, false),
                CheckProblem::Mismatch => (s.identity_mismatch, false),
                CheckProblem::Refused { .. } => (s.reset_refused, false),
                CheckProblem::Queued => (s.reset_queued, true),
                CheckProblem::Network => (s.unlock_network, false),
            };
            let action = if back_to_code {
                (AttrValue::from(s.try_again), props.onback.clone())
            } else {
                start
            };
            (Some(text), Some(action))
        }
    };
    let problem = matches!(props.check, Check::Problem(_));
    let role = if props.tone == "danger" {
        "alert"
    } else {
        "region"
    };
    // No way out while a check is running: its answer would land on another screen.
    let secondary = props
        .secondary
        .clone()
        .filter(|_| matches!(props.check, Check::Idle | Check::Problem(_)));
    html! {
        <Panel tone={props.tone.clone()} role={role} title={props.title.clone()} heading_ref={props.heading_ref.clone()} {action} {secondary}>
            { props.children.clone() }
            <div class={classes!("notice", problem.then_some("error"))} aria-live="polite" role="status">
                { for status }
            </div>
        </Panel>
    }
}
