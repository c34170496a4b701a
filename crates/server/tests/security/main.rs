//! The attack suite: black-box cases against a real `motp-server` process in `--sandbox` mode
//! (the embedded HRD emulator under `/hrd`, the demo tenant). Each case is a request an attacker
//! could send; each asserts the status and the `ApiError` JSON it is refused with, and every area
//! then asserts that nothing reached the sandbox HRD or e-mon (its logs) and that the trainee's
//! count did not move.
//!
//! One file per area; `target` starts the server and holds what the cases share.

#[path = "../common/mod.rs"]
mod common;
mod target;

mod attestations;
mod claims;
mod console;
mod limits;
mod logs;
mod nice;
mod outbound;
mod pages;
mod proxies;
mod requests;
mod surface;
mod transport;
