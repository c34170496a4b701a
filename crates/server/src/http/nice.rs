//! NICE 본인확인 pages (`identity_provider = "nice"`): the check's popup page, which posts the
//! sealed request on to NICE's standard window, and the return URL NICE sends the sealed result
//! to, by POST or by GET (NICE uses either, by browser and device).

use super::check_pages::{done_page, shell};
use super::{AppError, AppForm, AppQuery, AppState};
use crate::domain::nice::{self, WindowRefusal};
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use maud::{html, PreEscaped};
use motp_protocol::api::ApiError;
use serde::Deserialize;

/// Where NICE sends results, on this server's public origin.
pub const RETURN_PATH: &str = "/v1/identity/nice/return";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/identity/nice/return",
            get(returned_get).post(returned_post),
        )
        .route("/identity/nice/{state}", get(window))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct WindowQuery {
    /// `same`: the page runs in the trainee's own window, not a popup (NICE then shows no close
    /// button).
    window: Option<String>,
}

/// The check's popup: on to NICE's standard window at once (a form, as NICE requires a POST).
#[utoipa::path(get, path = "/v1/identity/nice/{state}", tag = "trainee",
    params(("state" = String, Path, description = "the check's id: 32 lower-case hex digits"), WindowQuery),
    responses(
        (status = 200, body = String, content_type = "text/html",
         description = "the page that posts the sealed request to NICE's standard window, or says why not"),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn window(
    State(state): State<AppState>,
    Path(check_id): Path<String>,
    AppQuery(q): AppQuery<WindowQuery>,
) -> Result<Html<String>, AppError> {
    let return_url = format!("{}{RETURN_PATH}", state.public_origin);
    let in_popup = q.window.as_deref() != Some("same");
    let form = match nice::open_window(&state.gateway, &check_id, &return_url, in_popup).await? {
        Ok(form) => form,
        Err(WindowRefusal::Done(check, status)) => return Ok(done_page(&check, status, None)),
        Err(WindowRefusal::Unknown) => {
            return Ok(shell(
                "본인인증",
                html! { p.err { "인증 요청을 찾을 수 없습니다. 창을 닫고 다시 시도하세요." } },
            ))
        }
    };
    Ok(shell(
        "NICE 휴대폰 본인인증",
        html! {
            p { "NICE 본인인증 창으로 이동합니다…" }
            form #nice method="post" action=(form.action) {
                input type="hidden" name="m" value="service";
                input type="hidden" name="token_version_id" value=(form.token_version_id);
                input type="hidden" name="enc_data" value=(form.enc_data);
                input type="hidden" name="integrity_value" value=(form.integrity_value);
                noscript { button type="submit" { "NICE 본인인증 계속하기" } }
            }
            // Safe unescaped: fixed script text.
            script { (PreEscaped(r#"document.getElementById("nice").submit();"#)) }
        },
    ))
}

/// What NICE delivers to the return URL.
#[derive(Deserialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub(crate) struct Delivery {
    token_version_id: String,
    enc_data: String,
    integrity_value: String,
}

/// NICE's result, by GET.
#[utoipa::path(get, path = "/v1/identity/nice/return", tag = "provider",
    params(Delivery),
    responses(
        (status = 200, body = String, content_type = "text/html",
         description = "the check's last page: tells the widget, or goes back to the LMS page"),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn returned_get(
    State(state): State<AppState>,
    AppQuery(d): AppQuery<Delivery>,
) -> Result<Html<String>, AppError> {
    returned(&state, d).await
}

/// NICE's result, by POST.
#[utoipa::path(post, path = "/v1/identity/nice/return", tag = "provider",
    request_body(content = Delivery, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, body = String, content_type = "text/html",
         description = "the check's last page: tells the widget, or goes back to the LMS page"),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", body = ApiError),
    ))]
pub(crate) async fn returned_post(
    State(state): State<AppState>,
    AppForm(d): AppForm<Delivery>,
) -> Result<Html<String>, AppError> {
    returned(&state, d).await
}

/// The result opened, checked and recorded; the page tells the widget and closes.
async fn returned(state: &AppState, d: Delivery) -> Result<Html<String>, AppError> {
    let received = nice::receive(
        &state.gateway,
        &d.token_version_id,
        &d.enc_data,
        &d.integrity_value,
    )
    .await?;
    let failed = received.result_code != "0000";
    let detail = failed.then(|| format!("NICE {}: {}", received.result_code, received.meaning));
    Ok(done_page(
        &received.check,
        received.status,
        detail.as_deref(),
    ))
}
