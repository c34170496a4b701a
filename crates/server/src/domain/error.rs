//! What a use case can refuse or fail with. The HTTP layer maps each to a status and a stable
//! `error` string (`http::error`); nothing here knows about HTTP.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the launch token is invalid: {0}")]
    InvalidToken(&'static str),
    #[error("the launch token has expired; reload the page")]
    TokenExpired,
    #[error("this origin may not use this tenant's widget")]
    OriginNotAllowed,
    /// The request names something malformed or not allowed; the text says what.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error("tenant credentials are required (HTTP Basic tenant_id:secret)")]
    Unauthorized,
    #[error("the receipt is not valid for this tenant")]
    InvalidReceipt,
    #[error("the receipt has expired")]
    ReceiptExpired,
    #[error("the receipt was already redeemed")]
    ReceiptAlreadyRedeemed,
    #[error(
        "the receipt does not prove what was expected (trainee, EVAL_CD, CLASS_TME or session)"
    )]
    ReceiptMismatch,
    #[error("the substitute check is offered only while HRD is not answering this trainee")]
    SubstituteNotAvailable,
    /// Over a limit (`limits`): come back in `retry_after` seconds.
    #[error("too many requests; retry in {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// The identity provider (NICE) did not answer or refused the gateway; the detail is logged
    /// for the operator.
    #[error("the identity check service is not answering; try again in a moment")]
    ProviderUnavailable,
    /// A broken promise of our own (a vanished row, an unreadable payload); the detail is logged.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("internal error: {0}")]
    Store(#[from] StoreError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
