//! The gateway over real HTTP on loopback, with the HRD sandbox as its upstream on its own socket.
//! Time is injected: one fixed clock for both, moved by the tests, never slept on.
//!
//! One file per area; `world` holds the helpers and constants they share.

#[path = "../common/mod.rs"]
mod common;
mod world;

mod api_errors;
mod audit_export;
mod code_check;
mod console;
mod lms_attested;
mod lock_reset;
mod metrics;
mod nice;
mod openapi;
mod personal_data;
mod substitute;
mod tokens_and_cors;
mod trust;
mod widget_files;
mod widget_loader;
