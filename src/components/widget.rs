//! The widget: runs the state machine, performs its effects and draws the current screen.

use crate::api::Client;
use crate::components::check_panel::{check_panel, CheckPanelProps};
use crate::components::clock::{local_now, use_clock};
use crate::components::code_form::{code_form, CodeFormProps};
use crate::components::identity_watch::use_identity_watch;
use crate::components::panel::{panel, PanelProps};
use crate::events;
use crate::i18n::{strings, Lang};
use crate::state::{Action, Check, Effect, Screen, State};
use motp_protocol::CODE_STEP_SECONDS;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
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
                run(effect, client.clone(), &host, &dispatcher, &refs);
            }
        });
    }

    let state = &machine.state;
    let now = use_clock(state.screen == Screen::Code);
    // The check the popup is running, watched until it is decided.
    let watching = match &state.check {
        Check::Waiting { state: check } => Some(check.clone()),
        _ => None,
    };
    {
        let d = machine.dispatcher();
        use_identity_watch(
            &props.client,
            watching,
            Callback::from(move |a| d.dispatch(a)),
        );
    }

    let s = strings(props.lang);
    let send = |action: fn() -> Action| {
        let dispatcher = machine.dispatcher();
        Callback::from(move |_| dispatcher.dispatch(action()))
    };
    let body = match &state.screen {
        Screen::Loading => html! { <p class="loading" role="status">{ s.loading }</p> },
        Screen::Code => {
            let d = machine.dispatcher();
            code_form(CodeFormProps {
                lang: props.lang,
                input: &state.input,
                busy: state.busy,
                notice: &state.notice,
                seconds_left: state.seconds_left(now, CODE_STEP_SECONDS as i64),
                input_ref: input_ref.clone(),
                oninput: Callback::from(move |text| d.dispatch(Action::Input(text))),
                onsubmit: send(|| Action::Submit),
            })
        }
        Screen::Verified => panel(PanelProps::new(
            "success",
            s.verified_title,
            &heading_ref,
            html! { <p>{ s.verified_body }</p> },
        )),
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
            let offer_check = |panel: PanelProps, start_label| {
                check_panel(
                    s,
                    CheckPanelProps {
                        panel,
                        check: state.check.clone(),
                        start_label,
                        onstart: onstart.clone(),
                        onback: send(|| Action::BackToCode),
                    },
                )
            };
            match &state.screen {
                Screen::Locked => offer_check(
                    PanelProps::new(
                        "danger",
                        s.locked_title,
                        &heading_ref,
                        html! {
                            <>
                                <p>{ s.locked_body }</p>
                                <p class="small">{ s.locked_reregister }</p>
                            </>
                        },
                    ),
                    s.unlock_button,
                ),
                Screen::HrdUnavailable {
                    substitute_allowed: true,
                } => {
                    let mut p = PanelProps::new(
                        "warning",
                        s.hrd_down_title,
                        &heading_ref,
                        html! {
                            <>
                                <p>{ s.hrd_down_body }</p>
                                <p>{ s.hrd_down_substitute }</p>
                            </>
                        },
                    );
                    p.secondary = Some((s.try_again, send(|| Action::BackToCode)));
                    offer_check(p, s.substitute_button)
                }
                _ => panel(
                    PanelProps::new(
                        "warning",
                        s.hrd_down_title,
                        &heading_ref,
                        html! { <p>{ s.hrd_down_body }</p> },
                    )
                    .action(s.try_again, send(|| Action::BackToCode)),
                ),
            }
        }
        Screen::NotRegistered => panel(
            PanelProps::new(
                "warning",
                s.not_registered_title,
                &heading_ref,
                html! {
                    <ul>{ for s.not_registered_body.iter().map(|l| html! { <li>{ *l }</li> }) }</ul>
                },
            )
            .action(s.try_again, send(|| Action::BackToCode)),
        ),
        Screen::SessionExpired => {
            let reload = Callback::from(|_| {
                let _ = web_sys::window().map(|w| w.location().reload());
            });
            panel(
                PanelProps::new(
                    "info",
                    s.expired_title,
                    &heading_ref,
                    html! { <p>{ s.expired_body }</p> },
                )
                .action(s.reload_page, reload),
            )
        }
        Screen::Failed { .. } => panel(
            PanelProps::new(
                "danger",
                s.failed_title,
                &heading_ref,
                html! { <p>{ s.failed_body }</p> },
            )
            .action(s.retry, send(|| Action::Reload)),
        ),
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

/// Runs a server call in the background and dispatches the action its answer makes. Boxed, so the
/// wasm holds one copy of the task machinery rather than one per call.
fn ask(dispatcher: &UseReducerDispatcher<Machine>, call: impl Future<Output = Action> + 'static) {
    let call: Pin<Box<dyn Future<Output = Action>>> = Box::pin(call);
    let dispatcher = dispatcher.clone();
    wasm_bindgen_futures::spawn_local(async move { dispatcher.dispatch(call.await) });
}

fn run(
    effect: Effect,
    client: Client,
    host: &HtmlElement,
    dispatcher: &UseReducerDispatcher<Machine>,
    refs: &Refs,
) {
    match effect {
        Effect::LoadSession => ask(dispatcher, async move {
            match client.session().await {
                Ok(info) => Action::SessionLoaded {
                    info,
                    local_now: local_now(),
                },
                Err(e) => Action::SessionFailed(e),
            }
        }),
        Effect::Verify(code) => ask(dispatcher, async move {
            Action::Answered(client.verify(&code).await)
        }),
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
        Effect::StartIdentity(purpose) => ask(dispatcher, async move {
            Action::IdentityStarted(client.identity_start(purpose).await)
        }),
        Effect::Substitute(state) => ask(dispatcher, async move {
            Action::SubstituteAnswered(client.substitute(&state).await)
        }),
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
        Effect::Reset(state) => ask(dispatcher, async move {
            Action::ResetAnswered(client.reset(&state).await)
        }),
    }
}
