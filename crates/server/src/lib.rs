//! `motp-server`: the gateway between the widget and HRD. It learns who the trainee is only from
//! the LMS's signed launch token, forwards codes to HRD, keeps attempt counts and an audit trail,
//! runs the phone identity check, queues resets so none is lost, and hands the LMS a receipt.
//!
//! The layers, each importing only those below it (`docs/architecture.md` is the map):
//!
//! - [`http`]: axum only — the router, extractors, one file per area; handlers call one domain
//!   function and answer its typed outcome; `http::sandbox` holds the demo LMS and the sandbox
//!   carrier page, mounted in sandbox mode only;
//! - [`domain`]: the decisions and use cases, no axum;
//! - [`upstream`]: the HRD and e-mon clients; [`store`]: SQL by table, its own error;
//! - [`model`]: the records and their states; [`tenant`]: the institutions served; [`urls`]: what
//!   an upstream URL and an origin may be;
//! - [`config`] (flags) and [`startup`] (building and starting it all).

pub mod config;
pub mod domain;
pub mod http;
pub mod model;
pub mod startup;
pub mod store;
pub mod tenant;
pub mod upstream;
pub mod urls;
