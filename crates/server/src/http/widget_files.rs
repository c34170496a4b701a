//! `/widget/*`: the widget's files (`motp-embed.js`, the loader LMS pages include, and the module and
//! wasm it loads), as `trunk build` wrote them to `--widget-dir`.
//!
//! - CORS for the tenants' LMS origins: the loader imports the module and fetches the wasm in CORS
//!   mode from the LMS page's origin.
//! - Precompressed: the build writes `*.br` and `*.gz` beside each file; browsers get the one they
//!   accept (brotli 80 KB, gzip 95 KB, instead of 238 KB).
//! - Cached by version: the loader asks for `motp-widget.js?v=<build>` and
//!   `motp-widget_bg.wasm?v=<build>` (the build writes its content hash into the loader), so those
//!   are cached for good and a page load costs one revalidation of the loader alone; everything
//!   without a version is revalidated on every use, so a new release reaches every trainee at once
//!   and the module and wasm never come from two different builds.

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

pub fn service<S: Clone + Send + Sync + 'static>(
    dir: &Path,
    lms_origins: AllowOrigin,
) -> Router<S> {
    let files = ServiceBuilder::new()
        .layer(
            CorsLayer::new()
                .allow_origin(lms_origins)
                .allow_methods([Method::GET, Method::HEAD]),
        )
        .layer(middleware::from_fn(cache_by_version))
        // Chosen by Accept-Encoding, so caches must key on it; tower-http 0.6's ServeDir does not
        // say so itself (tower-rs/tower-http#692, fixed in 0.7).
        .layer(SetResponseHeaderLayer::appending(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .service(ServeDir::new(dir).precompressed_br().precompressed_gzip());
    Router::new().fallback_service(files)
}

/// `v=` and the 16 hex digits the build writes; anything else is not a version.
fn is_build_mark(param: &str) -> bool {
    param
        .strip_prefix("v=")
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

async fn cache_by_version(req: Request, next: Next) -> Response {
    let versioned = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(is_build_mark));
    let mut res = next.run(req).await;
    if res.status().is_success() || res.status().is_redirection() {
        let policy = if versioned { FOREVER } else { REVALIDATE };
        res.headers_mut().insert(header::CACHE_CONTROL, policy);
    }
    res
}
