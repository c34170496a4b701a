//! What the widget draws. [`widget::Widget`] is the one Yew component: it runs the state machine,
//! performs its effects and picks the screen. The screens are view functions ([`code_form`],
//! [`panel`], [`check_panel`]) and the live parts are hooks ([`clock::use_clock`],
//! [`identity_watch::use_identity_watch`]). One component, not six: each Yew component is its own
//! monomorphised lifecycle in the wasm, and merging them saved 6.5 KB of the 100 KB gzip budget.

pub mod check_panel;
pub mod clock;
pub mod code_form;
pub mod identity_watch;
pub mod panel;
pub mod widget;

pub use widget::{Widget, WidgetProps};
