//! The mOTP widget: a Yew component that takes a trainee through the 6-digit code, the 5-attempt
//! warning and the lock, inside any LMS page.
//!
//! - [`state`]: the steps as a pure state machine (tested natively);
//! - [`components`]: what is drawn for each step;
//! - [`api`]: the one client for `motp-server`, [`wire`]: its JSON;
//! - [`mount`]: mounting into a shadow root, from `data-` attributes or `MotpWidget.mount()`;
//! - [`i18n`]: every string, Korean and English; [`events`]: what the host page is told.

pub mod api;
pub mod components;
pub mod error;
pub mod events;
pub mod i18n;
pub mod mount;
pub mod state;
pub mod wire;

/// The widget's stylesheet, placed inside its shadow root.
pub const STYLE: &str = include_str!("../static/widget.css");

#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
