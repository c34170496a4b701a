//! The widget's live parts, as Yew hooks called by the [`Widget`](crate::components::Widget):
//!
//! - [`clock`]: the PC's clock ([`clock::use_clock`] re-reads it each second for the countdown;
//!   [`clock::local_now`] is also what the session's clock offset is measured against);
//! - [`identity_watch`]: while the popup runs a phone identity check, its `postMessage` and a
//!   polling fallback ([`identity_watch::use_identity_watch`]).

pub mod clock;
pub mod identity_watch;
