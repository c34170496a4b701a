//! The lock screen: why the trainee is locked, and the phone identity check that lifts it.

use crate::components::panel::Panel;
use crate::i18n::{strings, Lang};
use crate::state::{Unlock, UnlockProblem};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LockScreenProps {
    pub lang: Lang,
    pub unlock: Unlock,
    pub heading_ref: NodeRef,
    /// Opens the popup and starts a check (must run in the click itself, or popups are blocked).
    pub onstart: Callback<()>,
    /// Sends the same successful check again after HRD did not answer.
    pub onretry: Callback<()>,
}

#[function_component]
pub fn LockScreen(props: &LockScreenProps) -> Html {
    let s = strings(props.lang);
    let start = (AttrValue::from(s.unlock_button), props.onstart.clone());
    let (status, action) = match &props.unlock {
        Unlock::Idle => (None, Some(start)),
        Unlock::Starting => (Some(s.unlock_starting), None),
        Unlock::Waiting { .. } => (Some(s.unlock_waiting), None),
        Unlock::Resetting { .. } => (Some(s.unlock_resetting), None),
        Unlock::Problem(problem) => {
            let (text, retry_same) = match problem {
                UnlockProblem::PopupBlocked => (s.popup_blocked, false),
                UnlockProblem::CheckFailed => (s.check_failed, false),
                UnlockProblem::Mismatch => (s.identity_mismatch, false),
                UnlockProblem::Refused { .. } => (s.reset_refused, false),
                UnlockProblem::HrdDown { .. } => (s.reset_hrd_down, true),
                UnlockProblem::Network => (s.unlock_network, false),
            };
            let action = if retry_same {
                (AttrValue::from(s.unlock_again), props.onretry.clone())
            } else {
                start
            };
            (Some(text), Some(action))
        }
    };
    let problem = matches!(props.unlock, Unlock::Problem(_));
    html! {
        <Panel tone="danger" role="alert" title={s.locked_title} heading_ref={props.heading_ref.clone()} {action}>
            <p>{ s.locked_body }</p>
            <p class="small">{ s.locked_reregister }</p>
            <div class={classes!("notice", problem.then_some("error"))} aria-live="polite" role="status">
                { for status }
            </div>
        </Panel>
    }
}
