//! The widget: holds the state machine, has each transition's [`effects`](crate::effects) run and
//! draws the current screen with the [`views`](crate::views).

use crate::api::Client;
use crate::effects::{run, Refs};
use crate::hooks::clock::use_clock;
use crate::hooks::identity_watch::use_identity_watch;
use crate::i18n::{self, strings, Lang};
use crate::state::{Action, Purpose, Screen, State};
use crate::views::check_panel::{check_panel, CheckPanelProps};
use crate::views::code_form::{code_form, CodeFormProps};
use crate::views::panel::{panel, PanelProps};
use motp_protocol::CODE_STEP_SECONDS;
use std::rc::Rc;
use web_sys::{HtmlElement, Window};
use yew::prelude::*;

/// From this window width (CSS px) the widget shows the reasons a code fails without being asked.
const WIDE_WINDOW_PX: f64 = 600.0;

#[derive(Properties, PartialEq)]
pub struct WidgetProps {
    pub client: Client,
    pub lang: Lang,
    /// The element the LMS mounted the widget on: events are dispatched there.
    pub host: HtmlElement,
    /// The check this page came back from (`#motp-reset=…` / `#motp-substitute=…`), if any.
    pub resume: Option<(String, Purpose)>,
}

/// An in-app browser, where a popup does not open or opens without a way back to this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InApp {
    /// KakaoTalk's, which can hand the page to the phone's own browser.
    KakaoTalk,
    Other,
}

/// Which in-app browser `user_agent` is: KakaoTalk, Naver, Line, Instagram, Facebook, or an
/// Android WebView (`; wv)`); `None` for a browser of its own.
pub fn in_app_browser(user_agent: &str) -> Option<InApp> {
    const OTHERS: [&str; 6] = [
        "NAVER(inapp",
        " Line/",
        "Instagram",
        "FBAN/",
        "FBAV/",
        "; wv)",
    ];
    // A byte-window search: `str::contains` brings core's two-way searcher into the wasm (≈1 KB gzip)
    // for these few short, ASCII markers.
    let has = |marker: &str| {
        user_agent
            .as_bytes()
            .windows(marker.len())
            .any(|w| w == marker.as_bytes())
    };
    if has("KAKAOTALK") {
        Some(InApp::KakaoTalk)
    } else {
        OTHERS.iter().any(|m| has(m)).then_some(InApp::Other)
    }
}

/// [`State`] with a counter, so the same effects twice in a row still run twice.
#[derive(PartialEq)]
pub(crate) struct Machine {
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
        state: State::resuming(props.resume.clone()),
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
    // The check the popup is running (or this page came back from), watched until it is decided.
    let watching = state.check.watched().cloned();
    {
        let d = machine.dispatcher();
        use_identity_watch(
            &props.client,
            &popup,
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
                wide: web_sys::window()
                    .and_then(|w| w.inner_width().ok())
                    .and_then(|w| w.as_f64())
                    .is_none_or(|w| w >= WIDE_WINDOW_PX),
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
            let window = web_sys::window();
            let in_app = window
                .as_ref()
                .and_then(|w| w.navigator().user_agent().ok())
                .and_then(|ua| in_app_browser(&ua));
            // KakaoTalk hands the page to the phone's own browser, where popups work.
            let external = (in_app == Some(InApp::KakaoTalk))
                .then(|| window.as_ref()?.location().href().ok())
                .flatten()
                .map(|here| {
                    format!(
                        "kakaotalk://web/openExternal?url={}",
                        js_sys::encode_uri_component(&here)
                    )
                });
            let onstart = {
                let (dispatcher, popup) = (machine.dispatcher(), popup.clone());
                Callback::from(move |_| {
                    // Opened here, inside the click, so pop-up blockers allow it; navigated once
                    // the server has prepared the check. Not in an in-app browser: the check runs
                    // in this window instead.
                    let opened = web_sys::window()
                        .filter(|_| in_app.is_none())
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
                        oncancel: send(|| Action::CancelCheck),
                        here: in_app.is_some(),
                        external: external.clone(),
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
        Screen::TokenRefused { expired: true } => {
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
        // A reload would not help: the way forward is the institution.
        Screen::TokenRefused { expired: false } => panel(PanelProps::new(
            "danger",
            s.misconfigured_title,
            &heading_ref,
            html! { <p>{ s.misconfigured_body }</p> },
        )),
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
    // HRD's EVAL_CD named in the widget's language; the server's label for a code it does not know.
    let eval = i18n::eval_name(props.lang, &state.eval_cd).unwrap_or(&state.eval_label);
    html! {
        <div class="motp" lang={props.lang.code()}>
            <h1 class="title">{ s.title }
                if !eval.is_empty() { <span class="badge">{ eval }</span> }
            </h1>
            { body }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{in_app_browser, InApp};

    #[test]
    fn in_app_browsers_are_told_apart() {
        let kakao = "Mozilla/5.0 (Linux; Android 14; SM-S918N Build/UP1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 KAKAOTALK 10.4.5";
        assert_eq!(in_app_browser(kakao), Some(InApp::KakaoTalk));
        let naver = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 NAVER(inapp; search; 2000; 12.1.1)";
        let instagram = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 312.0.0.32.112";
        let webview = "Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36";
        for ua in [naver, instagram, webview] {
            assert_eq!(in_app_browser(ua), Some(InApp::Other), "{ua}");
        }
        let chrome = "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1";
        let samsung = "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0 Mobile Safari/537.36";
        for ua in [chrome, safari, samsung] {
            assert_eq!(in_app_browser(ua), None, "{ua}");
        }
    }
}
