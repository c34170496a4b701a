//! The one error type of the HTTP API. Each variant has a stable `error` string and status; internal
//! details are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use motp_protocol::api::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("a launch token is required (Authorization: Bearer …)")]
    MissingToken,
    #[error("the launch token is invalid: {0}")]
    InvalidToken(&'static str),
    #[error("the launch token has expired; reload the page")]
    TokenExpired,
    #[error("this origin may not use this tenant's widget")]
    OriginNotAllowed,
    #[error("too many requests; retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("{0}")]
    BadRequest(String),
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
    #[error("the substitute check is offered only while HRD is not answering this trainee")]
    SubstituteNotAvailable,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::MissingToken => (StatusCode::UNAUTHORIZED, "missing_token"),
            AppError::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
            AppError::TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
            AppError::OriginNotAllowed => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            AppError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            AppError::InvalidReceipt => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_receipt"),
            AppError::ReceiptExpired => (StatusCode::GONE, "receipt_expired"),
            AppError::ReceiptAlreadyRedeemed => (StatusCode::CONFLICT, "receipt_already_redeemed"),
            AppError::SubstituteNotAvailable => (StatusCode::CONFLICT, "substitute_not_available"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(format!("database: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let body = ApiError {
            error: code.to_string(),
            message: self.to_string(),
        };
        let mut res = (status, Json(body)).into_response();
        if let AppError::RateLimited { retry_after } = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        res
    }
}
