//! The one error type of the HTTP API, and the extractors that keep axum's own rejections in the
//! same shape: every non-2xx answer that is not a typed outcome is an [`ApiError`] JSON body with a
//! stable `error` string. Internal details are logged, never sent.

use crate::domain::Error;
use crate::store::StoreError;
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use motp_protocol::api::ApiError;

#[derive(Debug)]
pub enum AppError {
    /// No `Authorization: Bearer …` at all.
    MissingToken,
    /// The request itself is malformed (axum's rejection): its status, code and description.
    Malformed {
        status: StatusCode,
        error: &'static str,
        message: String,
    },
    /// No such route, or not with that method.
    NoRoute(StatusCode),
    /// As many requests as allowed are in progress (`http::transport`): come back in a second.
    Busy,
    /// The request (its body, or the answer it waits for) took longer than the request timeout.
    RequestTimeout,
    /// A use case refused or failed.
    Domain(Error),
}

impl From<Error> for AppError {
    fn from(e: Error) -> Self {
        AppError::Domain(e)
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Domain(Error::Store(e))
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        let error = match &r {
            JsonRejection::JsonDataError(_) => "invalid_body",
            JsonRejection::JsonSyntaxError(_) => "malformed_json",
            JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            _ => "bad_request",
        };
        AppError::Malformed {
            status: r.status(),
            error,
            message: r.body_text(),
        }
    }
}

impl From<FormRejection> for AppError {
    fn from(r: FormRejection) -> Self {
        let error = match &r {
            FormRejection::InvalidFormContentType(_) => "unsupported_media_type",
            FormRejection::FailedToDeserializeForm(_)
            | FormRejection::FailedToDeserializeFormBody(_) => "invalid_body",
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            _ => "bad_request",
        };
        AppError::Malformed {
            status: r.status(),
            error,
            message: r.body_text(),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::Malformed {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_query",
            message: r.body_text(),
        }
    }
}

impl AppError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::MissingToken => (StatusCode::UNAUTHORIZED, "missing_token"),
            AppError::Malformed { status, error, .. } => (*status, error),
            AppError::NoRoute(StatusCode::METHOD_NOT_ALLOWED) => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
            }
            AppError::NoRoute(_) => (StatusCode::NOT_FOUND, "not_found"),
            AppError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            AppError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            AppError::Domain(e) => match e {
                Error::InvalidToken(_) => (StatusCode::UNAUTHORIZED, "invalid_token"),
                Error::TokenExpired => (StatusCode::UNAUTHORIZED, "token_expired"),
                Error::OriginNotAllowed => (StatusCode::FORBIDDEN, "origin_not_allowed"),
                Error::Invalid(_) => (StatusCode::BAD_REQUEST, "bad_request"),
                Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
                Error::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
                Error::InvalidReceipt => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_receipt"),
                Error::ReceiptExpired => (StatusCode::GONE, "receipt_expired"),
                Error::ReceiptAlreadyRedeemed => (StatusCode::CONFLICT, "receipt_already_redeemed"),
                Error::ReceiptMismatch => (StatusCode::CONFLICT, "receipt_mismatch"),
                Error::SubstituteNotAvailable => (StatusCode::CONFLICT, "substitute_not_available"),
                Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
                Error::ProviderUnavailable => (StatusCode::BAD_GATEWAY, "provider_unavailable"),
                Error::Internal(_) | Error::Store(_) => {
                    (StatusCode::INTERNAL_SERVER_ERROR, "internal")
                }
            },
        }
    }

    fn message(&self) -> String {
        match self {
            AppError::MissingToken => "a launch token is required (Authorization: Bearer …)".into(),
            AppError::Malformed { message, .. } => message.clone(),
            AppError::NoRoute(StatusCode::METHOD_NOT_ALLOWED) => {
                "this route does not take that method".into()
            }
            AppError::NoRoute(_) => "no such route".into(),
            AppError::Busy => "the server is at its limit of requests in progress; retry".into(),
            AppError::RequestTimeout => "the request took too long to arrive or to answer".into(),
            AppError::Domain(Error::Internal(_) | Error::Store(_)) => "internal error".into(),
            AppError::Domain(e) => e.to_string(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Domain(Error::RateLimited { retry_after }) = self {
            return super::rate_limited(retry_after);
        }
        let (status, code) = self.status_and_code();
        if let AppError::Domain(e @ (Error::Internal(_) | Error::Store(_))) = &self {
            tracing::error!(detail = %e, "internal error");
        }
        let body = ApiError {
            error: code.to_string(),
            message: self.message(),
        };
        let mut res = (status, Json(body)).into_response();
        if let AppError::Busy = self {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, 1.into());
        }
        res
    }
}

/// `Json<T>` whose rejections (malformed JSON, wrong content type, missing fields, too large) are
/// answered as [`AppError`].
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let Json(value) = Json::<T>::from_request(req, state).await?;
        Ok(AppJson(value))
    }
}

/// `Form<T>` (a form-encoded body) whose rejections are answered as [`AppError`].
pub struct AppForm<T>(pub T);

impl<S, T> FromRequest<S> for AppForm<T>
where
    axum::Form<T>: FromRequest<S, Rejection = FormRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let axum::Form(value) = axum::Form::<T>::from_request(req, state).await?;
        Ok(AppForm(value))
    }
}

/// `Query<T>` whose rejections are answered as [`AppError`].
pub struct AppQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for AppQuery<T>
where
    axum::extract::Query<T>: FromRequestParts<S, Rejection = QueryRejection>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Query(value) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(AppQuery(value))
    }
}
