//! The screens, as view functions: plain functions from props to [`Html`](yew::Html), called by the
//! [`Widget`](crate::components::Widget) while it renders. They hold no state and run no effects
//! (the live parts are [`hooks`](crate::hooks) used by the widget itself): each Yew component is its
//! own monomorphised lifecycle in the wasm, and one component instead of six saved 6.5 KB of the
//! 100 KB gzip budget.
//!
//! - [`code_form`]: the code step (field, submit, countdown, messages);
//! - [`panel`]: a full-widget message with one way forward (verified, not registered, HRD down,
//!   session expired, failed to load);
//! - [`check_panel`]: a [`panel`] offering the phone identity check (lock, HRD down), showing
//!   where the check stands.

pub mod check_panel;
pub mod code_form;
pub mod panel;
