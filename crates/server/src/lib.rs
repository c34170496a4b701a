//! `motp-server`: the gateway between the widget and HRD. It learns who the trainee is only from the
//! LMS's signed launch token ([`token`]), forwards codes to HRD ([`hrd`], [`verify`]), keeps attempt
//! counts and an audit trail ([`store`]) and hands the LMS a receipt it can check ([`receipt`]).

pub mod audit;
pub mod config;
pub mod demo;
pub mod emon;
pub mod error;
pub mod hrd;
pub mod identity;
pub mod identity_sandbox;
pub mod launch;
pub mod limits;
pub mod metrics;
pub mod outbox;
pub mod receipt;
pub mod receipts;
pub mod reset;
pub mod store;
pub mod substitute;
pub mod tenant;
pub mod token;
pub mod trainee;
pub mod verify;
pub mod widget_files;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, Method};
use axum::routing::get;
use axum::{Json, Router};
use motp_protocol::clock::SharedClock;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Request bodies of the API are a few hundred bytes; anything much larger is refused unread.
pub const MAX_API_BODY_BYTES: usize = 8 * 1024;

/// Everything the server is built from. `main` fills it from [`config`]; tests fill it directly.
pub struct Settings {
    pub tenants: tenant::Tenants,
    pub database_url: String,
    pub hrd_url: String,
    /// e-mon's base URL (identity-check logs).
    pub emon_url: String,
    /// e-mon's server-to-server API (`phone_auth_hist`).
    pub emon_api_url: String,
    pub hrd_timeout: Duration,
    pub trusted_proxies: Vec<IpAddr>,
    pub per_trainee_per_minute: u32,
    pub per_ip_per_minute: u32,
    pub widget_dir: PathBuf,
    pub clock: SharedClock,
    /// Sandbox mode: the embedded HRD emulator and the demo trainee's virtual phone.
    pub demo: Option<demo::Demo>,
}

/// Shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub tenants: tenant::Tenants,
    pub store: store::Store,
    pub hrd: hrd::HrdClient,
    pub emon: emon::EmonClient,
    /// Wakes the outbox worker when something is queued.
    pub outbox_wakeup: tokio::sync::Notify,
    pub clock: SharedClock,
    pub limits: limits::RateLimiter,
    pub trusted_proxies: Vec<IpAddr>,
    pub per_trainee_per_minute: u32,
    pub per_ip_per_minute: u32,
    pub widget_dir: PathBuf,
    pub demo: Option<demo::Demo>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub async fn new(s: Settings) -> Result<AppState, sqlx::Error> {
        Ok(AppState(Arc::new(Inner {
            store: store::Store::open(&s.database_url).await?,
            hrd: hrd::HrdClient::new(&s.hrd_url, s.hrd_timeout),
            emon: emon::EmonClient::new(&s.emon_url, &s.emon_api_url, s.hrd_timeout),
            outbox_wakeup: tokio::sync::Notify::new(),
            tenants: s.tenants,
            clock: s.clock,
            limits: limits::RateLimiter::default(),
            trusted_proxies: s.trusted_proxies,
            per_trainee_per_minute: s.per_trainee_per_minute,
            per_ip_per_minute: s.per_ip_per_minute,
            widget_dir: s.widget_dir,
            demo: s.demo,
        })))
    }

    pub fn now(&self) -> i64 {
        self.clock.now_unix()
    }
}

/// The whole HTTP surface. Serve with `into_make_service_with_connect_info::<SocketAddr>()`: the
/// trainee's IP (EXIP) comes from the connection.
pub fn app(state: AppState) -> Router {
    let tenants = state.tenants.clone();
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
    let api = Router::new()
        .merge(verify::routes())
        .merge(receipts::routes())
        .merge(identity::routes())
        .merge(identity_sandbox::routes())
        .merge(reset::routes())
        .merge(audit::routes())
        .merge(substitute::routes())
        .merge(outbox::routes())
        .layer(DefaultBodyLimit::max(MAX_API_BODY_BYTES))
        .layer(cors);
    let mut router = Router::new()
        .nest("/v1", api)
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(metrics::routes())
        .nest(
            "/widget",
            widget_files::service(&state.widget_dir, tenant_origins),
        );
    if let Some(demo) = &state.demo {
        router = router
            .merge(demo::routes())
            .nest_service("/hrd", hrd_sandbox::router(demo.sandbox.clone()));
    }
    router
        .with_state(state)
        .layer(axum::middleware::from_fn(metrics::count_requests))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Ready when the database answers; also reports the outbox's depth and its oldest item's age.
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match state.store.outbox_depth().await {
        Ok((depth, oldest)) => Json(serde_json::json!({
            "database": true,
            "outbox_depth": depth,
            "outbox_oldest_age_seconds": oldest.map(|t| state.now() - t),
        }))
        .into_response(),
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "database": false })),
        )
            .into_response(),
    }
}
