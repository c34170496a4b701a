//! `GET /metrics` in Prometheus text: requests by route and status, HRD's answers by call and code
//! and HRD's latency (recorded by `upstream::instrumented`), and the outbox's depth and oldest age.

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// The process's one recorder (the `metrics` macros report to a global), installed on first use.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets(&[
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
            .expect("static buckets")
            .install_recorder()
            .expect("the only metrics recorder")
    })
}

pub fn routes() -> Router<AppState> {
    handle();
    Router::new().route("/metrics", get(render))
}

async fn render(State(state): State<AppState>) -> Response {
    if let Ok((depth, oldest_age)) = crate::domain::outbox::depth(&state.gateway).await {
        metrics::gauge!("motp_outbox_depth").set(depth as f64);
        let age = oldest_age.unwrap_or(0);
        metrics::gauge!("motp_outbox_oldest_age_seconds").set(age as f64);
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        handle().render(),
    )
        .into_response()
}

/// Middleware: counts every request by its route pattern (never the raw path: no ids in labels).
pub async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("motp_requests_total", "route" => route, "status" => status).increment(1);
    response
}
