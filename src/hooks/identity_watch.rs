//! While the popup runs a check: listens for its `postMessage` (from the popup the widget opened,
//! and from the gateway's origin or this page's own) and, in case the message never comes, asks the
//! server every few seconds — and notices when the trainee closed the window before the check was
//! done, so the lock screen offers it again instead of waiting for ever.

use crate::api::{Call, Client};
use crate::state::Action;
use gloo_timers::callback::Interval;
use motp_protocol::api::{IdentityMessage, IdentityStatus};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::Window;
use yew::prelude::*;

/// How often to ask the server while no message has arrived.
const POLL_MS: u32 = 2_000;

fn origin_of(url: &str) -> Option<String> {
    web_sys::Url::new(url).ok().map(|u| u.origin())
}

/// The identity-check popup the widget opened, if it is open.
pub type Popup = Rc<RefCell<Option<Window>>>;

/// Watches check `state` (the server's id for it) while it is `Some`; `ondone` receives the result.
/// Messages are believed only from `popup`.
#[hook]
pub fn use_identity_watch(
    client: &Client,
    popup: &Popup,
    state: Option<String>,
    ondone: Callback<Action>,
) {
    let (client, popup) = (client.clone(), popup.clone());
    use_effect_with(state, move |state| {
        let watch = state
            .clone()
            .map(|state| watch(client, popup, state, ondone));
        move || {
            if let Some(stop) = watch {
                stop()
            }
        }
    });
}

/// Starts listening and polling for check `state`; the returned function stops both.
fn watch(client: Client, popup: Popup, state: String, ondone: Callback<Action>) -> impl FnOnce() {
    let window = web_sys::window().expect("a browser window");
    let trusted: Vec<String> = [origin_of(&client.server), window.location().origin().ok()]
        .into_iter()
        .flatten()
        .collect();
    let on_message = {
        let (state, ondone, popup) = (state.clone(), ondone.clone(), popup.clone());
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            // From the popup itself, not just from a trusted origin: another window or frame of
            // that origin (the LMS page's own, say) has no say in the check.
            let from_popup = popup
                .borrow()
                .as_ref()
                .zip(e.source())
                .is_some_and(|(popup, source)| js_sys::Object::is(popup, &source));
            if !from_popup || !trusted.contains(&e.origin()) {
                return;
            }
            let Some(msg) = <IdentityMessage as crate::wire::FromJs>::from_js(&e.data()) else {
                return;
            };
            if msg.kind == "motp:identity" && msg.state == state {
                ondone.emit(Action::IdentityResult {
                    state: msg.state,
                    status: msg.status,
                });
            }
        })
    };
    let _ = window.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    let ask = move || {
        let (client, state, ondone) = (client.clone(), state.clone(), ondone.clone());
        let popup = popup.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // The server first: a window that closed itself after a decided check is no loss.
            match client.call(Call::IdentityStatus(state.clone())).await {
                Action::IdentityResult {
                    status: IdentityStatus::Pending,
                    ..
                } => {
                    if popup
                        .borrow()
                        .as_ref()
                        .is_some_and(|w| w.closed().unwrap_or(false))
                    {
                        ondone.emit(Action::PopupClosed { state })
                    }
                }
                decided => ondone.emit(decided),
            }
        });
    };
    // Once at once (a page back from a check run in this window has its answer waiting), then
    // every few seconds.
    ask();
    let poll = Interval::new(POLL_MS, ask);
    move || {
        drop(poll);
        let _ = window
            .remove_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    }
}
