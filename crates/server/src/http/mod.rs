//! The HTTP surface, axum only: [`AppState`], the router and its layers, and one file per area.
//! A handler extracts, calls one domain function, and maps its typed outcome to a response —
//! nothing else. Outcomes carry their own status (`motp_protocol::api`); errors are [`AppError`].

pub mod admin;
pub mod check_pages;
pub mod code_check;
pub mod error;
pub mod extract;
pub mod identity;
pub mod lock_reset;
pub mod metrics;
pub mod nice;
pub mod receipts;
pub mod sandbox;
pub mod substitute;
pub mod widget_files;

pub use error::{AppError, AppJson, AppQuery};

use crate::domain::Gateway;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sandbox::SandboxMode;
use serde::Serialize;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Request bodies of the API are a few hundred bytes; anything much larger is refused unread.
pub const MAX_API_BODY_BYTES: usize = 8 * 1024;

/// Shared by every handler: the domain's [`Gateway`] and what only HTTP needs.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub gateway: Arc<Gateway>,
    /// Reverse proxies whose X-Forwarded-For is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Where the built widget's files are.
    pub widget_dir: PathBuf,
    /// The origin browsers reach this server at, written into the widget's loader.
    pub public_origin: String,
    /// Sandbox mode: the sandbox identity provider's page is served.
    pub sandbox_mode: bool,
    /// Sandbox mode with the embedded emulator: it is served under `/hrd`, beside the demo LMS.
    pub sandbox: Option<SandboxMode>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: Inner) -> AppState {
        AppState(Arc::new(inner))
    }
}

/// A typed outcome as the answer: its JSON with the status the outcome itself names.
pub fn outcome<T: Serialize>(status: u16, body: T) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(body)).into_response()
}

/// A 429 outcome also says when to come back, in the header clients and proxies read.
pub fn with_retry_after(mut res: Response, seconds: u64) -> Response {
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    res
}

/// The whole HTTP surface. Serve with `into_make_service_with_connect_info::<SocketAddr>()`: the
/// trainee's IP (EXIP) comes from the connection.
pub fn app(state: AppState) -> Router {
    let tenants = state.gateway.tenants.clone();
    // Only the tenants' LMS pages, for the API and for the widget's files alike: the loader imports
    // the widget's module and fetches its wasm in CORS mode from the LMS page's origin.
    let tenant_origins = AllowOrigin::predicate(move |origin, _| {
        origin.to_str().is_ok_and(|o| tenants.any_allows_origin(o))
    });
    let cors = CorsLayer::new()
        .allow_origin(tenant_origins.clone())
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    let mut api = Router::new()
        .merge(code_check::routes())
        .merge(identity::routes())
        .merge(nice::routes())
        .merge(lock_reset::routes())
        .merge(substitute::routes())
        .merge(receipts::routes())
        .merge(admin::routes());
    // Nothing of the sandbox exists outside sandbox mode: its carrier page, the demo LMS and the
    // emulator's routes answer 404 there.
    if state.sandbox_mode {
        api = api.merge(sandbox::identity_page::routes());
    }
    let api = api
        .fallback(|| async { AppError::NoRoute(StatusCode::NOT_FOUND) })
        .method_not_allowed_fallback(|| async { AppError::NoRoute(StatusCode::METHOD_NOT_ALLOWED) })
        .layer(DefaultBodyLimit::max(MAX_API_BODY_BYTES))
        .layer(cors);
    let mut router = Router::new()
        .nest("/v1", api)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(receipts::jwks_routes())
        .merge(metrics::routes())
        .nest(
            "/widget",
            widget_files::service(&state.widget_dir, &state.public_origin, tenant_origins),
        );
    if let Some(sandbox) = &state.sandbox {
        router = router
            .merge(sandbox::demo::routes())
            .nest_service("/hrd", hrd_sandbox::router(sandbox.hrd.clone()));
    }
    router
        .with_state(state)
        .layer(axum::middleware::from_fn(metrics::count_requests))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Ready when the database answers; also reports the outbox's depth and its oldest item's age.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match crate::domain::outbox::depth(&state.gateway).await {
        Ok((depth, oldest_age)) => Json(serde_json::json!({
            "database": true,
            "outbox_depth": depth,
            "outbox_oldest_age_seconds": oldest_age,
        }))
        .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "database": false })),
        )
            .into_response(),
    }
}
