//! Types shared by the widget (wasm), the gateway (`motp-server`) and the HRD sandbox.
//!
//! Everything here is plain data and pure functions so it compiles for native and `wasm32` alike:
//! HRD's result codes and what they mean ([`HrdCode`]), the EVAL_CD table ([`EvalCd`]), the forms HRD
//! receives ([`hrd`]), the JSON spoken between widget and gateway ([`api`]), the input rules
//! ([`input`]), Korea time in HRD's format ([`kst`]), the injectable clock ([`clock`]), the product's two languages
//! with every word the widget shows ([`i18n`]) and, beside them, what the help desk tells a trainee,
//! in the FAQ's words ([`advice`]).

pub mod advice;
pub mod api;
pub mod clock;
pub mod eval;
pub mod hrd;
pub mod i18n;
pub mod input;
pub mod kst;
pub mod result_code;

pub use eval::EvalCd;
pub use result_code::HrdCode;

/// Five wrong 6-digit codes lock a trainee at HRD (AP009).
pub const MAX_FAILURES: u32 = 5;
/// The phone app shows a new code every minute.
pub const CODE_STEP_SECONDS: u64 = 60;
