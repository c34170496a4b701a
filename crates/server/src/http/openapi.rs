//! The OpenAPI 3.1 document of the HTTP API, generated from the handlers' annotations and the wire
//! types (`utoipa`), served at `GET /openapi.json` and committed as `docs/openapi.json` (a test
//! fails when they differ; `motp-server openapi > docs/openapi.json` writes it). The console's
//! pages are in it as `text/html`; the sandbox's pages and the widget's files are not part of the
//! API and are left out.

use axum::http::header;
use axum::response::IntoResponse;
use motp_protocol::api::{ApiError, VerifyOutcome};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// Every 429, whichever limit: the API's error and the code check's verdict at once.
#[derive(Serialize, ToSchema)]
pub(crate) struct RateLimited {
    /// Always `rate_limited`.
    result: String,
    /// Always `rate_limited`.
    error: String,
    message: String,
    /// Equal to the `Retry-After` header.
    retry_after_seconds: u64,
}

/// A 422 of the code check: what was typed is not a code (`result` `invalid_input`), or the body
/// is not the request (`error` `invalid_body`).
#[allow(dead_code)] // only its schema is used
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum InvalidOrMalformed {
    Outcome(VerifyOutcome),
    Error(ApiError),
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "mOTP gateway",
        description = "Verifies LMS launch tokens, forwards mOTP codes to HRD, runs the phone \
                       identity check, issues receipts. Errors are ApiError JSON; every /v1 route \
                       is rate-limited (429 with Retry-After).",
    ),
    paths(
        super::code_check::session,
        super::code_check::verify,
        super::identity::start,
        super::identity::status,
        super::identity::attestation,
        super::nice::window,
        super::nice::returned_get,
        super::nice::returned_post,
        super::lock_reset::reset,
        super::substitute::complete,
        super::receipts::redeem,
        super::receipts::jwks,
        super::admin::export,
        super::admin::flush,
        super::console::login_page,
        super::console::login,
        super::console::logout,
        super::console::set_lang,
        super::console::today,
        super::console::search,
        super::console::trainee,
        super::console::codes,
        super::console::export,
        super::console::style,
        super::healthz,
        super::ready,
        document,
    ),
    // Schemas only query parameters name (not collected from the paths by themselves).
    components(schemas(crate::domain::audit::Format)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "trainee", description = "the widget, with the LMS's launch token"),
        (name = "lms", description = "the LMS's own server"),
        (name = "provider", description = "an identity provider's return (NICE)"),
        (name = "admin", description = "an institution's operators, with the tenant's API key"),
        (name = "console", description = "the help desk's console: HTML pages for an institution's \
                                           staff, signed in with a session cookie"),
        (name = "operations", description = "health and this document"),
    )
)]
pub struct ApiDoc;

/// The two credentials: the launch token (Bearer) and the tenant's API key (Basic).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "launch_token",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "tenant_api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
    }
}

/// The document as served and committed: pretty JSON with a final newline.
pub fn json() -> String {
    let mut text = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the document serialises");
    text.push('\n');
    text
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses(
        (status = 200, body = Object, description = "OpenAPI 3.1"),
        (status = 429, body = RateLimited, headers(("Retry-After" = u64))),
    ))]
pub(crate) async fn document() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], json())
}
