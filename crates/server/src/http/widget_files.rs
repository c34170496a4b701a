//! `/widget/*`: the widget's files (`motp-embed.js`, the loader LMS pages include, and the module and
//! wasm it loads), as `trunk build` wrote them to `--widget-dir`.
//!
//! - CORS for the tenants' LMS origins: the loader imports the module and fetches the wasm in CORS
//!   mode from the LMS page's origin.
//! - Precompressed: the build writes `*.br` and `*.gz` beside each file; browsers get the one they
//!   accept (brotli 70 KB, gzip 79 KB, instead of 200 KB).
//! - Cached by version: the loader asks for `motp-widget.js?v=<build>` and
//!   `motp-widget_bg.wasm?v=<build>` (the build writes its content hash into the loader), so those
//!   are cached for good and a page load costs one revalidation of the loader alone; everything
//!   without a version is revalidated on every use, so a new release reaches every trainee at once
//!   and the module and wasm never come from two different builds.
//! - The loader names the server: the build leaves `__MOTP_ORIGIN__` in it, replaced here, as it is
//!   served, by the server's public origin (`--public-url`). The loader loads the widget from there
//!   and the widget calls the API there, never where the page's markup says (issue #12). So that one
//!   file is read and filled in at each request (the build's `.br`/`.gz` of it, placeholder and all,
//!   are never sent), compressed as the browser accepts (1.7 KB, 0.9 KB gzip: the one file of the
//!   widget fetched again on every page load) and revalidated by its (weak) `ETag`.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The loader's file name, and what the build leaves in it for the server's origin.
const LOADER: &str = "motp-embed.js";
const ORIGIN_MARK: &str = "__MOTP_ORIGIN__";

/// `/widget/*` from `dir`, for pages of `lms_origins`; the loader names `public_origin`.
pub fn service<S: Clone + Send + Sync + 'static>(
    dir: &Path,
    public_origin: &str,
    lms_origins: AllowOrigin,
) -> Router<S> {
    let loader = Arc::new(Loader {
        path: dir.join(LOADER),
        origin: public_origin.to_string(),
    });
    let layers = ServiceBuilder::new()
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
        ));
    Router::new()
        .route(
            &format!("/{LOADER}"),
            get(move |headers: HeaderMap| async move { loader.serve(&headers).await })
                .layer(CompressionLayer::new()),
        )
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(layers)
}

/// The built loader and the origin written into it.
struct Loader {
    path: PathBuf,
    origin: String,
}

impl Loader {
    /// The loader as built, the origin written in: `200` with its `ETag`, or `304` when the browser
    /// has it already. Read at each request, so a new build is served at once, like the other files.
    async fn serve(&self, headers: &HeaderMap) -> Response {
        let built = match tokio::fs::read_to_string(&self.path).await {
            Ok(built) => built,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return StatusCode::NOT_FOUND.into_response()
            }
            Err(e) => {
                tracing::error!(path = %self.path.display(), error = %e, "cannot read the widget's loader");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        if !built.contains(ORIGIN_MARK) {
            tracing::error!(path = %self.path.display(),
                "the widget's loader has no {ORIGIN_MARK} to write the origin into: rebuild the widget (make widget)");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        // The origin goes into a JavaScript string: `--public-url` is an origin, so only these.
        let plain = |b: u8| b.is_ascii_alphanumeric() || b".:/-[]".contains(&b);
        if !self.origin.bytes().all(plain) {
            tracing::error!(origin = %self.origin, "not an origin to write into the widget's loader");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        let body = built.replace(ORIGIN_MARK, &self.origin);
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let tag = format!("\"{:016x}\"", hasher.finish());
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| {
                tags.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == tag || t == "*")
            });
        let headers = [
            (header::CONTENT_TYPE, "text/javascript".to_string()),
            (header::CACHE_CONTROL, "no-cache".to_string()),
            // Weak: the same tag stands for the plain and the compressed bytes.
            (header::ETAG, format!("W/{tag}")),
        ];
        if fresh {
            (StatusCode::NOT_MODIFIED, headers).into_response()
        } else {
            (headers, body).into_response()
        }
    }
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
    // The loader says itself (never for good: it is what a release changes).
    let said = res.headers().contains_key(header::CACHE_CONTROL);
    if !said && (res.status().is_success() || res.status().is_redirection()) {
        let policy = if versioned { FOREVER } else { REVALIDATE };
        res.headers_mut().insert(header::CACHE_CONTROL, policy);
    }
    res
}
