//! The PC's clock, for the countdown to the next code. The countdown itself follows the server's
//! clock ([`State::seconds_left`](crate::state::State::seconds_left)): the PC's may be wrong.

use gloo_timers::callback::Interval;
use yew::prelude::*;

/// The PC's clock, in whole seconds since 1970.
pub fn local_now() -> i64 {
    (js_sys::Date::now() / 1000.0) as i64
}

/// [`local_now`], re-read once a second while `running` (the component re-renders on each tick).
#[hook]
pub fn use_clock(running: bool) -> i64 {
    let now = use_state(local_now);
    {
        let now = now.clone();
        use_effect_with(running, move |running| {
            let tick = running.then(|| Interval::new(1000, move || now.set(local_now())));
            move || drop(tick)
        });
    }
    *now
}
