//! The state machine's effects, performed: server calls (each answer comes back as an [`Action`]),
//! `motp:*` events on the host element, focus, and the identity-check popup. Run by the
//! [`Widget`](crate::components::Widget) once per transition.

use crate::api::{Call, Client};
use crate::components::widget::Machine;
use crate::events;
use crate::state::Effect;
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlElement, HtmlInputElement, Window};
use yew::prelude::*;

/// What effects act on besides the server and the host element.
pub(crate) struct Refs {
    /// The code field ([`Effect::FocusInput`]).
    pub input: NodeRef,
    /// The panel's heading ([`Effect::FocusHeading`]).
    pub heading: NodeRef,
    /// The identity-check popup, opened in the click that asked for it.
    pub popup: Rc<RefCell<Option<Window>>>,
}

/// Makes server call `call` in the background and dispatches the action its answer makes.
fn ask(dispatcher: &UseReducerDispatcher<Machine>, client: Client, call: Call) {
    let dispatcher = dispatcher.clone();
    wasm_bindgen_futures::spawn_local(async move { dispatcher.dispatch(client.call(call).await) });
}

/// Performs `effect`; a server call's answer is dispatched as an action when it arrives.
pub(crate) fn run(
    effect: Effect,
    client: Client,
    host: &HtmlElement,
    dispatcher: &UseReducerDispatcher<Machine>,
    refs: &Refs,
) {
    match effect {
        Effect::LoadSession => ask(dispatcher, client, Call::Session),
        Effect::Verify(code) => ask(dispatcher, client, Call::Verify(code)),
        Effect::Emit(event) => events::dispatch(host, &event),
        // Selected as well: what was refused ("1234", the app password) goes as the trainee types.
        Effect::FocusInput => {
            if let Some(input) = refs.input.cast::<HtmlInputElement>() {
                let _ = input.focus();
                input.select();
            }
        }
        Effect::FocusHeading => {
            if let Some(h) = refs.heading.cast::<HtmlElement>() {
                let _ = h.focus();
            }
        }
        Effect::StartIdentity(purpose) => {
            let here = web_sys::window()
                .map(|w| crate::mount::page_address(&w.location()))
                .unwrap_or_default();
            ask(dispatcher, client, Call::IdentityStart { purpose, here })
        }
        Effect::GoToCheck(url) => {
            // Checked like the popup's address: only ever an http(s) page.
            if let (Some(target), Some(window)) = (client.popup_url(&url), web_sys::window()) {
                let sep = if target.contains('?') { '&' } else { '?' };
                let _ = window
                    .location()
                    .assign(&format!("{target}{sep}window=same"));
            }
        }
        Effect::Substitute(state) => ask(dispatcher, client, Call::Substitute(state)),
        Effect::NavigatePopup(url) => {
            // Checked when the server answered (`Client::identity_start`); again here, where it
            // counts: only ever an http(s) page.
            let target = client.popup_url(&url);
            if let (Some(popup), Some(target)) = (refs.popup.borrow().as_ref(), target) {
                let _ = popup.location().set_href(&target);
            }
        }
        Effect::ClosePopup => {
            if let Some(popup) = refs.popup.borrow_mut().take() {
                let _ = popup.close();
            }
        }
        Effect::Reset(state) => ask(dispatcher, client, Call::Reset(state)),
    }
}
