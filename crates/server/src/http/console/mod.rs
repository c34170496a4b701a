//! `/console`: the help desk's console, server-rendered HTML for a tenant's staff (issue 16). The
//! session is a cookie (`HttpOnly`, `SameSite=Strict`, `Secure` unless the server's public origin
//! is loopback) naming a session in the store; every form that changes something carries the
//! session's CSRF token (the login form a cookie's, double-submitted); every page names the
//! session's tenant in each read. Pages are drawn by [`pages`] (maud), styled by one stylesheet,
//! with no script, under a strict Content-Security-Policy.

mod pages;

use super::extract::ClientIp;
use super::AppState;
use crate::domain::staff::{self, Login, SignedIn};
use crate::domain::{audit, help_desk, Error};
use crate::model::StaffSession;
use crate::tenant::Tenant;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use motp_protocol::i18n::Lang;
use serde::Deserialize;

/// The session cookie.
const SESSION_COOKIE: &str = "motp_console";
/// The login form's CSRF cookie (double-submitted: the form carries the same value).
const LOGIN_COOKIE: &str = "motp_console_login";

/// The console's own policy: its stylesheet, nothing else; forms post to itself only.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = include_str!("console.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(today))
        .route("/console/login", get(login_page).post(login))
        .route("/console/logout", post(logout))
        .route("/console/lang", post(set_lang))
        .route("/console/trainees", get(search))
        .route("/console/trainees/{usrid}", get(trainee))
        .route("/console/codes", get(codes))
        .route("/console/audit", get(export))
        .route("/console/style.css", get(style))
        .layer(axum::middleware::from_fn(policy))
}

/// Every console answer: the strict policy, and never cached (personal data).
async fn policy(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A cookie's value from the request, if sent.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(name)?.strip_prefix('='))
        .find(|v| !v.is_empty())
}

/// `Set-Cookie` for the console: `Secure` unless the server is reached on loopback (where browsers
/// treat http as secure enough, and the demo runs).
fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
) -> String {
    let loopback =
        url::Url::parse(&state.public_origin).is_ok_and(|u| crate::urls::is_loopback(&u));
    let mut c = format!("{name}={value}; Path={path}; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if !loopback {
        c.push_str("; Secure");
    }
    c
}

/// Adds a `Set-Cookie` (made by [`set_cookie`]) to `res`.
fn append_cookie(res: &mut Response, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// An HTML page with `status`.
fn page(status: StatusCode, html: maud::Markup) -> Response {
    (status, Html(html.into_string())).into_response()
}

/// What a console request can end in besides its page: HTML error pages, never JSON.
pub(crate) struct ConsoleError {
    lang: Lang,
    error: Error,
}

impl ConsoleError {
    fn new(lang: Lang, error: Error) -> ConsoleError {
        ConsoleError { lang, error }
    }
}

impl IntoResponse for ConsoleError {
    fn into_response(self) -> Response {
        let lang = self.lang;
        let (status, message) = match &self.error {
            Error::NotFound(_) => (
                StatusCode::NOT_FOUND,
                lang.pick(
                    "이 기관에 그런 훈련생 기록이 없습니다.",
                    "No such trainee in this institution's records.",
                )
                .to_string(),
            ),
            Error::Invalid(why) => (StatusCode::BAD_REQUEST, why.clone()),
            Error::RateLimited { retry_after } => {
                let mut res = page(
                    StatusCode::TOO_MANY_REQUESTS,
                    pages::error(
                        lang,
                        &match lang {
                            Lang::Ko => format!(
                                "로그인 실패가 너무 많습니다. {retry_after}초 뒤에 다시 시도하세요."
                            ),
                            Lang::En => {
                                format!("Too many failed logins. Try again in {retry_after} s.")
                            }
                        },
                    ),
                );
                res.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
                return res;
            }
            Error::Unauthorized => (
                StatusCode::FORBIDDEN,
                lang.pick(
                    "보안 토큰이 맞지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요.",
                    "The form's security token does not match. Reload the page and try again.",
                )
                .to_string(),
            ),
            e => {
                tracing::error!(detail = %e, "console");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    lang.pick("서버 오류입니다.", "Server error.").to_string(),
                )
            }
        };
        page(status, pages::error(lang, &message))
    }
}

impl From<FormRejection> for ConsoleError {
    fn from(r: FormRejection) -> Self {
        ConsoleError::new(Lang::Ko, Error::Invalid(r.body_text()))
    }
}

/// A signed-in staff member: the open session of the cookie, and their tenant. Without one, the
/// request goes to the login page.
pub(crate) struct Staff {
    session: StaffSession,
    tenant: Tenant,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/console/login").into_response();
        let Some(secret) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let gw = &state.gateway;
        let session = staff::session(gw, secret)
            .await
            .map_err(|e| ConsoleError::new(Lang::Ko, e).into_response())?;
        let Some(session) = session else {
            return Err(to_login());
        };
        let tenant = gw
            .tenants
            .get(&session.tenant)
            .cloned()
            .ok_or_else(to_login)?;
        Ok(Staff { session, tenant })
    }
}

impl Staff {
    fn lang(&self) -> Lang {
        self.session.lang
    }

    /// The form's token is this session's, or the request is refused and nothing changes.
    fn check_csrf(&self, sent: &str) -> Result<(), ConsoleError> {
        if staff::csrf_matches(&self.session.csrf, sent) {
            Ok(())
        } else {
            tracing::warn!(login = %self.session.login, "console form without its CSRF token");
            Err(ConsoleError::new(self.lang(), Error::Unauthorized))
        }
    }

    fn frame(&self, path: &str) -> pages::Frame<'_> {
        pages::Frame {
            lang: self.lang(),
            login: &self.session.login,
            tenant: &self.tenant.id,
            csrf: &self.session.csrf,
            path: path.to_string(),
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct LangQuery {
    /// `ko` (default) or `en`.
    lang: Option<String>,
}

fn lang_of(q: &LangQuery) -> Lang {
    q.lang.as_deref().and_then(Lang::parse).unwrap_or_default()
}

/// The login page, with a fresh CSRF cookie for its form.
fn login_form(state: &AppState, status: StatusCode, lang: Lang, failed: bool) -> Response {
    let token = crate::domain::jwt::random_id();
    let mut res = page(status, pages::login(lang, &token, failed));
    append_cookie(
        &mut res,
        &set_cookie(state, LOGIN_COOKIE, &token, "/console/login", None),
    );
    res
}

/// The sign-in form.
#[utoipa::path(get, path = "/console/login", tag = "console", params(LangQuery),
    responses(
        (status = 200, description = "the sign-in form", body = String, content_type = "text/html"),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn login_page(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
) -> Response {
    login_form(&state, StatusCode::OK, lang_of(&q), false)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LoginForm {
    login: String,
    password: String,
    /// The login page's token (also in its cookie).
    csrf: String,
    /// `ko` or `en`: the session's language.
    lang: Option<String>,
}

/// Signs in: a session cookie and on to Today (303); a wrong login or password answers the form
/// again (401); too many failures from this address or for this login, 429 even for the right one.
#[utoipa::path(post, path = "/console/login", tag = "console",
    request_body(content = LoginForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "signed in: on to /console", headers(("Location" = String), ("Set-Cookie" = String))),
        (status = 401, description = "wrong login or password", body = String, content_type = "text/html"),
        (status = 403, description = "the form's CSRF token is missing or wrong", body = String, content_type = "text/html"),
        (status = 429, description = "too many failed logins", body = String, content_type = "text/html", headers(("Retry-After" = u64))),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Form(form) = form?;
    let lang = form
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !staff::csrf_matches(expected, &form.csrf) {
        return Err(ConsoleError::new(lang, Error::Unauthorized));
    }
    match staff::login(&state.gateway, &form.login, &form.password, ip, lang).await {
        Ok(Login::SignedIn(SignedIn { secret, .. })) => {
            let mut res = Redirect::to("/console").into_response();
            let session = set_cookie(&state, SESSION_COOKIE, &secret, "/console", None);
            let spent = set_cookie(&state, LOGIN_COOKIE, "", "/console/login", Some(0));
            for c in [session, spent] {
                append_cookie(&mut res, &c);
            }
            Ok(res)
        }
        Ok(Login::Refused) => Ok(login_form(&state, StatusCode::UNAUTHORIZED, lang, true)),
        Err(e) => Err(ConsoleError::new(lang, e)),
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct CsrfForm {
    /// The session's token, as the page's form carries it.
    csrf: String,
}

/// Signs out (the session is deleted) and back to the sign-in form.
#[utoipa::path(post, path = "/console/logout", tag = "console",
    request_body(content = CsrfForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "signed out (or not signed in): to /console/login", headers(("Location" = String))),
        (status = 403, description = "the form's CSRF token is missing or wrong", body = String, content_type = "text/html"),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    staff: Staff,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Form(form) =
        form.map_err(|r| ConsoleError::new(staff.lang(), Error::Invalid(r.body_text())))?;
    staff.check_csrf(&form.csrf)?;
    staff::logout(&state.gateway, &staff.session)
        .await
        .map_err(|e| ConsoleError::new(staff.lang(), e))?;
    let mut res = Redirect::to("/console/login").into_response();
    append_cookie(
        &mut res,
        &set_cookie(&state, SESSION_COOKIE, "", "/console", Some(0)),
    );
    Ok(res)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct LangForm {
    csrf: String,
    /// `ko` or `en`.
    lang: String,
    /// The console page to go back to.
    back: Option<String>,
}

/// The session's language, then back to the page it was changed on.
#[utoipa::path(post, path = "/console/lang", tag = "console",
    request_body(content = LangForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "back to the page (or to the sign-in form)", headers(("Location" = String))),
        (status = 400, description = "not a language", body = String, content_type = "text/html"),
        (status = 403, description = "the form's CSRF token is missing or wrong", body = String, content_type = "text/html"),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn set_lang(
    State(state): State<AppState>,
    staff: Staff,
    form: Result<Form<LangForm>, FormRejection>,
) -> Result<Response, ConsoleError> {
    let Form(form) =
        form.map_err(|r| ConsoleError::new(staff.lang(), Error::Invalid(r.body_text())))?;
    staff.check_csrf(&form.csrf)?;
    let lang = Lang::parse(&form.lang).ok_or_else(|| {
        ConsoleError::new(staff.lang(), Error::Invalid("lang must be ko or en".into()))
    })?;
    staff::set_lang(&state.gateway, &staff.session, lang)
        .await
        .map_err(|e| ConsoleError::new(lang, e))?;
    // Only back into the console: never a redirect elsewhere.
    let back = form
        .back
        .filter(|b| b.starts_with("/console") && !b.contains("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/console".into());
    Ok(Redirect::to(&back).into_response())
}

/// Today: counts since midnight KST, trainees locked, resets waiting or refused, HRD's last hour,
/// the last 24 hours as a chart.
#[utoipa::path(get, path = "/console", tag = "console",
    responses(
        (status = 200, description = "the Today page", body = String, content_type = "text/html"),
        (status = 303, description = "not signed in: to /console/login", headers(("Location" = String))),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn today(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Response, ConsoleError> {
    let today = help_desk::today(&state.gateway, &staff.tenant)
        .await
        .map_err(|e| ConsoleError::new(staff.lang(), e))?;
    Ok(page(
        StatusCode::OK,
        pages::today(&staff.frame("/console"), &today),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct SearchQuery {
    /// The trainee's LMS user id.
    usrid: Option<String>,
}

/// The search box: on to the trainee's page.
#[utoipa::path(get, path = "/console/trainees", tag = "console", params(SearchQuery),
    responses(
        (status = 303, description = "to the trainee's page (or, not signed in, to /console/login)", headers(("Location" = String))),
        (status = 400, description = "not a USRID", body = String, content_type = "text/html"),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn search(
    staff: Staff,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ConsoleError> {
    let usrid = q.usrid.unwrap_or_default();
    let usrid = usrid.trim();
    if !crate::domain::trainee::is_usrid(usrid) {
        return Err(ConsoleError::new(
            staff.lang(),
            Error::Invalid(
                staff
                    .lang()
                    .pick(
                        "훈련생 아이디(USRID)는 영문·숫자·_-.@ 1-64자입니다.",
                        "A USRID is 1-64 letters, digits and _-.@.",
                    )
                    .into(),
            ),
        ));
    }
    // Every character a USRID may have is safe in a path.
    Ok(Redirect::to(&format!("/console/trainees/{usrid}")).into_response())
}

/// One trainee: where they stand, their timeline (KST), and what to tell them now.
#[utoipa::path(get, path = "/console/trainees/{usrid}", tag = "console",
    params(("usrid" = String, Path, description = "the trainee's LMS user id")),
    responses(
        (status = 200, description = "the trainee's page", body = String, content_type = "text/html"),
        (status = 303, description = "not signed in: to /console/login", headers(("Location" = String))),
        (status = 400, description = "not a USRID", body = String, content_type = "text/html"),
        (status = 404, description = "no such trainee in this tenant", body = String, content_type = "text/html"),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn trainee(
    State(state): State<AppState>,
    staff: Staff,
    Path(usrid): Path<String>,
) -> Result<Response, ConsoleError> {
    let view = help_desk::trainee(&state.gateway, &staff.tenant, &usrid)
        .await
        .map_err(|e| ConsoleError::new(staff.lang(), e))?;
    let path = format!("/console/trainees/{}", view.usrid);
    Ok(page(
        StatusCode::OK,
        pages::trainee(&staff.frame(&path), &view),
    ))
}

/// The FAQ's two facts side by side: the 4-digit app password and the 6-digit code.
#[utoipa::path(get, path = "/console/codes", tag = "console",
    responses(
        (status = 200, description = "the page", body = String, content_type = "text/html"),
        (status = 303, description = "not signed in: to /console/login", headers(("Location" = String))),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn codes(staff: Staff) -> Response {
    page(StatusCode::OK, pages::codes(&staff.frame("/console/codes")))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ExportQuery {
    /// First day, YYYY-MM-DD (Korea time).
    from: String,
    /// Last day, YYYY-MM-DD (Korea time), inclusive.
    to: String,
}

/// The tenant's audit trail for a date range, as the admin export writes it (CSV).
#[utoipa::path(get, path = "/console/audit", tag = "console", params(ExportQuery),
    responses(
        (status = 200, description = "the audit trail", body = String, content_type = "text/csv; charset=utf-8"),
        (status = 303, description = "not signed in: to /console/login", headers(("Location" = String))),
        (status = 400, description = "not a date range", body = String, content_type = "text/html"),
        (status = "default", description = "an error page", body = String, content_type = "text/html"),
    ))]
pub(crate) async fn export(
    State(state): State<AppState>,
    staff: Staff,
    q: Result<Query<ExportQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ConsoleError> {
    let lang = staff.lang();
    let Query(q) = q.map_err(|r| ConsoleError::new(lang, Error::Invalid(r.body_text())))?;
    let csv = audit::export(
        &state.gateway.store,
        &staff.tenant.id,
        &q.from,
        &q.to,
        None,
        audit::Format::Csv,
    )
    .await
    .map_err(|e| ConsoleError::new(lang, e))?;
    let file = format!(
        "attachment; filename=\"motp-audit-{}-{}-{}.csv\"",
        staff.tenant.id,
        q.from.trim(),
        q.to.trim()
    );
    let mut res = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response();
    if let Ok(v) = HeaderValue::from_str(&file) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The console's one stylesheet.
#[utoipa::path(get, path = "/console/style.css", tag = "console",
    responses(
        (status = 200, description = "the stylesheet", body = String, content_type = "text/css; charset=utf-8"),
        (status = 429, body = super::openapi::RateLimited, headers(("Retry-After" = u64))),
    ))]
pub(crate) async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}
