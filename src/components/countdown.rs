//! Seconds until the phone shows a new code, by the server's clock (the PC's may be wrong).

use crate::i18n::{strings, Lang};
use gloo_timers::callback::Interval;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CountdownProps {
    pub lang: Lang,
    /// Server clock minus the PC's, in seconds.
    pub clock_offset: i64,
    pub step_seconds: i64,
}

fn local_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

#[function_component]
pub fn Countdown(props: &CountdownProps) -> Html {
    let now = use_state(local_now);
    {
        let now = now.clone();
        use_effect_with((), move |_| {
            let tick = Interval::new(1000, move || now.set(local_now()));
            move || drop(tick)
        });
    }
    let left = props.step_seconds - (*now + props.clock_offset).rem_euclid(props.step_seconds);
    // Not a live region: announcing every second would drown everything else out.
    html! {
        <p class="countdown">
            <span class="countdown-n">{ left }</span>
            { strings(props.lang).seconds_until_new_code }
        </p>
    }
}
