//! The HTTP surface, axum only: [`AppState`], the router and its layers, and one file per area.
//! A handler extracts, calls one domain function, and maps its typed outcome to a response —
//! nothing else. Outcomes carry their own status (`motp_protocol::api`); errors are [`AppError`].

pub mod admin;
pub mod check_pages;
pub mod code_check;
pub mod console;
pub mod error;
pub mod extract;
pub mod identity;
pub mod lock_reset;
pub mod metrics;
pub mod nice;
pub mod openapi;
pub mod receipts;
pub mod sandbox;
pub mod substitute;
pub mod transport;
pub mod widget_files;

pub use error::{AppError, AppForm, AppJson, AppQuery};

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
    /// Header and request timeouts, requests in flight.
    pub transport: transport::Limits,
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

/// Every 429 of the API, whichever limit: `Retry-After`, and one body that reads both as the API's
/// error (`error`, `message`) and as the code check's outcome (`result`, `retry_after_seconds`),
/// so the widget shows its wait screen whichever door refused it.
pub fn rate_limited(seconds: u64) -> Response {
    let body = serde_json::json!({
        "result": "rate_limited",
        "error": "rate_limited",
        "message": format!("too many requests; retry in {seconds} s"),
        "retry_after_seconds": seconds,
    });
    let mut res = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    res
}

/// Middleware in front of every route of the public port: one request more for the client's
/// address (before the token, the body or the query is read).
async fn per_address(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use crate::domain::limits::{admit, Door};
    let gw = &state.gateway;
    let result = match extract::request_ip(
        request.extensions(),
        request.headers(),
        &state.trusted_proxies,
    ) {
        Ok(ip) => admit(gw, Door::Address(ip), gw.now())
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            per_address,
        ))
        // Outside the limit: a 429 carries CORS headers, so the widget can read it.
        .layer(cors);
    // The rest of the public port is limited per address too, the help desk's console included
    // (the sandbox's own pages and its emulator, which the server itself calls, on loopback in
    // sandbox mode only, are not).
    let public = Router::new()
        .merge(console::routes())
        .route("/healthz", get(healthz))
        .route("/readyz", get(ready))
        .route("/openapi.json", get(openapi::document))
        .merge(receipts::jwks_routes())
        .nest(
            "/widget",
            widget_files::service(&state.widget_dir, &state.public_origin, tenant_origins),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            per_address,
        ));
    let mut router = Router::new().nest("/v1", api).merge(public);
    if let Some(sandbox) = &state.sandbox {
        router = router
            .merge(sandbox::demo::routes())
            .nest_service("/hrd", hrd_sandbox::router(sandbox.hrd.clone()))
            // NICE 본인확인, emulated: the demo tenant's identity check.
            .nest_service("/nice", hrd_sandbox::nice::nice_router(sandbox.hrd.nice()));
    }
    let guard = transport::Guard::new(&state.transport);
    router
        .with_state(state)
        .layer(axum::middleware::from_fn(metrics::count_requests))
        .layer(axum::middleware::from_fn(transport::headers))
        .layer(axum::middleware::from_fn_with_state(
            guard,
            transport::guard,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// The operations listener (`--metrics-listen`, loopback by default): `/metrics` and the detailed
/// `/readyz`, which the public port does not serve.
pub fn operations(state: AppState) -> Router {
    Router::new()
        .route("/readyz", get(readyz))
        .merge(metrics::routes())
        .with_state(state)
}

/// Alive.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses(
        (status = 200, body = String, content_type = "text/plain"),
        (status = 429, body = openapi::RateLimited, headers(("Retry-After" = u64))),
    ))]
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

/// Ready or not, and nothing more (the details are on the operations listener).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Ready {
    ready: bool,
}

/// The public readiness check: ready or not, nothing about the database or the outbox.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, body = Ready),
        (status = 503, body = Ready),
        (status = 429, body = openapi::RateLimited, headers(("Retry-After" = u64))),
    ))]
pub(crate) async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match crate::domain::ready(&state.gateway).await {
        Ok(_) => Json(Ready { ready: true }).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Ready { ready: false }),
        )
            .into_response(),
    }
}

/// Ready when the database answers and the code check can be recorded ([`crate::domain::ready`]);
/// also reports the outbox's depth and its oldest item's age.
async fn readyz(axum::extract::State(state): axum::extract::State<AppState>) -> Response {
    match crate::domain::ready(&state.gateway).await {
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
