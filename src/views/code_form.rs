//! The code step: one labelled numeric field, the submit button, the countdown and the messages.
//! A view function: its one piece of live state, the countdown, is [`use_clock`] in the
//! widget (see [`panel`](super::panel) for why).
//!
//! [`use_clock`]: crate::hooks::clock::use_clock

use crate::i18n::{self, strings, Lang};
use crate::state::Notice;
use web_sys::HtmlInputElement;
use yew::prelude::*;

pub struct CodeFormProps<'a> {
    pub lang: Lang,
    pub input: &'a str,
    pub busy: bool,
    pub notice: &'a Option<Notice>,
    /// Seconds until the phone shows a new code.
    pub seconds_left: i64,
    /// The window is wide enough to show the reasons a code fails unasked.
    pub wide: bool,
    pub input_ref: NodeRef,
    pub oninput: Callback<String>,
    pub onsubmit: Callback<()>,
}

/// Keeps digits only (full-width ones as they are: the shared rules convert them), so a pasted or
/// autofilled "123 456" or "123-456" becomes the six digits. Nothing is cut: a seventh digit stays
/// for the trainee to see and the shared rules to explain.
fn digits_only(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .collect()
}

pub fn code_form(props: CodeFormProps) -> Html {
    let s = strings(props.lang);
    // Every change of the field (typing, paste, the keyboard's SMS or password-manager fill) goes
    // through here: no `maxlength`, which would cut "123 456" to "123 45" before any handler ran.
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let typed = input.value();
            let digits = digits_only(&typed);
            if digits != typed {
                input.set_value(&digits);
            }
            cb.emit(digits);
        })
    };
    let onsubmit = {
        let cb = props.onsubmit.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            cb.emit(());
        })
    };

    let (message, tone) = match props.notice {
        None => (None, ""),
        Some(Notice::Input(reason)) => (
            Some(html! { i18n::input_error(props.lang, *reason) }),
            "error",
        ),
        Some(Notice::WrongCode {
            failures,
            remaining,
        }) => (
            Some(html! {
                <>
                    <strong>{ i18n::failures_so_far(props.lang, *failures, *remaining) }</strong>
                    if *remaining <= 1 {
                        <span class="last-attempt">{ s.last_attempt }</span>
                    }
                    // Open from the second failure, where it has the room: on a phone the open
                    // list would push the field and the last-attempt warning off the screen.
                    <details open={*failures >= 2 && props.wide}>
                        <summary>{ s.why_wrong_title }</summary>
                        <ul>{ for s.why_wrong.iter().map(|r| html! { <li>{ *r }</li> }) }</ul>
                    </details>
                </>
            }),
            if *remaining <= 1 { "danger" } else { "warning" },
        ),
        Some(Notice::AlreadyUsed { seconds }) => (
            Some(html! { i18n::already_used(props.lang, *seconds) }),
            "warning",
        ),
        Some(Notice::Unlocked) => (Some(html! { s.unlocked }), "success"),
        Some(Notice::RateLimited { seconds }) => (
            Some(html! { i18n::rate_limited(props.lang, *seconds) }),
            "warning",
        ),
        Some(Notice::Refused { hrd_code, message }) => (
            Some(html! { i18n::refused(props.lang, hrd_code, message) }),
            "error",
        ),
        Some(Notice::Network) => (Some(html! { s.network }), "error"),
    };
    let invalid = matches!(
        props.notice,
        Some(Notice::Input(_)) | Some(Notice::WrongCode { .. })
    );

    html! {
        <form class="code-form" {onsubmit} novalidate=true>
            <label for="motp-code" class="label">{ s.code_label }</label>
            <p id="motp-code-hint" class="hint">{ s.code_hint }</p>
            <div class="row">
                <input
                    id="motp-code"
                    ref={props.input_ref}
                    class="code-input"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    spellcheck="false"
                    aria-describedby="motp-code-hint motp-notice"
                    aria-invalid={ if invalid { "true" } else { "false" } }
                    value={props.input.to_string()}
                    {oninput}
                />
                <button type="submit" class="primary" disabled={props.busy} aria-disabled={props.busy.to_string()}>
                    { if props.busy { s.submitting } else { s.submit } }
                </button>
            </div>
            // Not a live region: announcing every second would drown everything else out.
            <p class="countdown">
                <span class="countdown-n">{ props.seconds_left }</span>
                { s.seconds_until_new_code }
            </p>
            <div id="motp-notice" class="notice" data-tone={tone} aria-live="polite" role="status">
                { for message }
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::digits_only;

    #[test]
    fn pasted_separators_are_dropped() {
        assert_eq!(digits_only("123 456"), "123456");
        assert_eq!(digits_only("123-456\n"), "123456");
        assert_eq!(digits_only("１２３ ４５６"), "１２３４５６");
    }
}
