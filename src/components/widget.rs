//! The widget: runs the state machine, performs its effects and draws the current screen.

use crate::api::Client;
use crate::components::check_panel::CheckPanel;
use crate::components::code_form::CodeForm;
use crate::components::identity_watch::IdentityWatch;
use crate::components::panel::Panel;
use crate::events;
use crate::i18n::{strings, Lang};
use crate::state::{Action, Check, Effect, Screen, State};
use std::cell::RefCell;
use std::rc::Rc;
use web_sys::{HtmlElement, Window};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WidgetProps {
    pub client: Client,
    pub lang: Lang,
    /// The element the LMS mounted the widget on: events are dispatched there.
    pub host: HtmlElement,
}

/// [`State`] with a counter, so the same effects twice in a row still run twice.
#[derive(PartialEq)]
struct Machine {
    state: State,
    seq: u64,
}

impl Reducible for Machine {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        Rc::new(Machine {
            state: self.state.reduce(action),
            seq: self.seq + 1,
        })
    }
}

fn local_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

#[function_component]
pub fn Widget(props: &WidgetProps) -> Html {
    let machine = use_reducer(|| Machine {
        state: State::default(),
        seq: 0,
    });
    let input_ref = use_node_ref();
    let heading_ref = use_node_ref();
    // The identity-check popup, opened in the click that asked for it.
    let popup = use_mut_ref(|| None::<Window>);

    {
        let dispatcher = machine.dispatcher();
        let effects = machine.state.effects.clone();
        let client = props.client.clone();
        let host = props.host.clone();
        let refs = Refs {
            input: input_ref.clone(),
            heading: heading_ref.clone(),
            popup: popup.clone(),
        };
        use_effect_with(machine.seq, move |_| {
            for effect in effects {
                run(effect, &client, &host, &dispatcher, &refs);
            }
        });
    }

    let s = strings(props.lang);
    let state = &machine.state;
    let send = |action: fn() -> Action| {
        let dispatcher = machine.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(action()))
    };
    let body = match &state.screen {
        Screen::Loading => html! { <p class="loading" role="status">{ s.loading }</p> },
        Screen::Code => {
            let d = machine.dispatcher();
            html! {
                <CodeForm
                    lang={props.lang}
                    input={AttrValue::from(state.input.clone())}
                    busy={state.busy}
                    notice={state.notice.clone()}
                    clock_offset={state.clock_offset}
                    input_ref={input_ref.clone()}
                    oninput={Callback::from(move |text| d.dispatch(Action::Input(text)))}
                    onsubmit={send(|| Action::Submit)}
                />
            }
        }
        Screen::Verified => html! {
            <Panel tone="success" title={s.verified_title} heading_ref={heading_ref.clone()}>
                <p>{ s.verified_body }</p>
            </Panel>
        },
        Screen::Locked | Screen::HrdUnavailable { .. } => {
            let onstart = {
                let (dispatcher, popup) = (machine.dispatcher(), popup.clone());
                Callback::from(move |_| {
                    // Opened here, inside the click, so pop-up blockers allow it; navigated once
                    // the server has prepared the check.
                    let opened = web_sys::window()
                        .and_then(|w| {
                            w.open_with_url_and_target_and_features(
                                "about:blank",
                                "motp-identity",
                                "popup,width=480,height=720",
                            )
                            .ok()
                        })
                        .flatten();
                    let popup_opened = opened.is_some();
                    *popup.borrow_mut() = opened;
                    dispatcher.dispatch(Action::CheckStart { popup_opened });
                })
            };
            let watch = match &state.check {
                Check::Waiting { state: check } => {
                    let d = machine.dispatcher();
                    html! { <IdentityWatch client={props.client.clone()} state={check.clone()} ondone={Callback::from(move |a| d.dispatch(a))} /> }
                }
                _ => html! {},
            };
            let panel = match &state.screen {
                Screen::Locked => html! {
                    <CheckPanel lang={props.lang} tone="danger" title={s.locked_title} check={state.check.clone()}
                        heading_ref={heading_ref.clone()} start_label={s.unlock_button}
                        {onstart} onback={send(|| Action::BackToCode)}>
                        <p>{ s.locked_body }</p>
                        <p class="small">{ s.locked_reregister }</p>
                    </CheckPanel>
                },
                Screen::HrdUnavailable {
                    substitute_allowed: true,
                } => html! {
                    <CheckPanel lang={props.lang} tone="warning" title={s.hrd_down_title} check={state.check.clone()}
                        heading_ref={heading_ref.clone()} start_label={s.substitute_button}
                        {onstart} onback={send(|| Action::BackToCode)}
                        secondary={(AttrValue::from(s.try_again), send(|| Action::BackToCode))}>
                        <p>{ s.hrd_down_body }</p>
                        <p>{ s.hrd_down_substitute }</p>
                    </CheckPanel>
                },
                _ => html! {
                    <Panel tone="warning" title={s.hrd_down_title} heading_ref={heading_ref.clone()}
                        action={(AttrValue::from(s.try_again), send(|| Action::BackToCode))}>
                        <p>{ s.hrd_down_body }</p>
                    </Panel>
                },
            };
            html! { <>{ panel }{ watch }</> }
        }
        Screen::NotRegistered => html! {
            <Panel tone="warning" title={s.not_registered_title} heading_ref={heading_ref.clone()}
                action={(AttrValue::from(s.try_again), send(|| Action::BackToCode))}>
                <ul>{ for s.not_registered_body.iter().map(|l| html! { <li>{ *l }</li> }) }</ul>
            </Panel>
        },
        Screen::SessionExpired => {
            let reload = Callback::from(|_| {
                let _ = web_sys::window().map(|w| w.location().reload());
            });
            html! {
                <Panel tone="info" title={s.expired_title} heading_ref={heading_ref.clone()}
                    action={(AttrValue::from(s.reload_page), reload)}>
                    <p>{ s.expired_body }</p>
                </Panel>
            }
        }
        Screen::Failed { .. } => html! {
            <Panel tone="danger" title={s.failed_title} heading_ref={heading_ref.clone()}
                action={(AttrValue::from(s.retry), send(|| Action::Reload))}>
                <p>{ s.failed_body }</p>
            </Panel>
        },
    };
    html! {
        <div class="motp" lang={props.lang.code()}>
            <h1 class="title">{ s.title }
                if !state.eval_label.is_empty() { <span class="badge">{ state.eval_label.clone() }</span> }
            </h1>
            { body }
        </div>
    }
}

/// What effects act on besides the server and the host element.
struct Refs {
    input: NodeRef,
    heading: NodeRef,
    popup: Rc<RefCell<Option<Window>>>,
}

fn run(
    effect: Effect,
    client: &Client,
    host: &HtmlElement,
    dispatcher: &UseReducerDispatcher<Machine>,
    refs: &Refs,
) {
    match effect {
        Effect::LoadSession => {
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(match client.session().await {
                    Ok(info) => Action::SessionLoaded {
                        info,
                        local_now: local_now(),
                    },
                    Err(e) => Action::SessionFailed(e),
                });
            });
        }
        Effect::Verify(code) => {
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(Action::Answered(client.verify(&code).await));
            });
        }
        Effect::Emit(event) => events::dispatch(host, &event),
        Effect::FocusInput => {
            if let Some(input) = refs.input.cast::<HtmlElement>() {
                let _ = input.focus();
            }
        }
        Effect::FocusHeading => {
            if let Some(h) = refs.heading.cast::<HtmlElement>() {
                let _ = h.focus();
            }
        }
        Effect::StartIdentity(purpose) => {
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(Action::IdentityStarted(
                    client.identity_start(purpose).await,
                ));
            });
        }
        Effect::Substitute(state) => {
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(Action::SubstituteAnswered(client.substitute(&state).await));
            });
        }
        Effect::NavigatePopup(url) => {
            if let Some(popup) = refs.popup.borrow().as_ref() {
                let _ = popup.location().set_href(&client.resolve(&url));
            }
        }
        Effect::ClosePopup => {
            if let Some(popup) = refs.popup.borrow_mut().take() {
                let _ = popup.close();
            }
        }
        Effect::Reset(state) => {
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            wasm_bindgen_futures::spawn_local(async move {
                dispatcher.dispatch(Action::ResetAnswered(client.reset(&state).await));
            });
        }
    }
}
