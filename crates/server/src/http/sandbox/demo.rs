//! Sandbox mode's demo LMS: a lecture page that embeds the widget with one script tag, mints the
//! launch token server-side as a real LMS would, shows the virtual phone next to it, and checks the
//! receipt server-side before "playing" the lecture.

use crate::domain::jwt::{self, LaunchClaims, LAUNCH_AUDIENCE};
use crate::domain::receipts::{self, Expectation};
use crate::domain::Error;
use crate::http::{AppError, AppJson, AppQuery, AppState};
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use tower_http::compression::CompressionLayer;

/// A demo trainee: the LMS member record, and the app password of the virtual phone registered
/// for them at start-up.
pub struct DemoTrainee {
    pub usrid: &'static str,
    pub name: &'static str,
    pub tel: &'static str,
    pub pin: &'static str,
}

/// `/` shows the first; `/?trainee=2` the second (two trainees at once in two browsers), `/?trainee=3`
/// the third (a third story for the help desk's console).
pub const TRAINEES: [DemoTrainee; 3] = [
    DemoTrainee {
        usrid: "trainee01",
        name: "홍길동",
        tel: "01012345678",
        pin: "1234",
    },
    DemoTrainee {
        usrid: "trainee02",
        name: "김철수",
        tel: "01098765432",
        pin: "5678",
    },
    DemoTrainee {
        usrid: "trainee03",
        name: "이영희",
        tel: "01055556666",
        pin: "9012",
    },
];

/// The demo LMS page goes compressed (brotli or gzip, as the browser accepts), as a real LMS
/// behind its web server would: the first load Lighthouse measures is the page's as much as the
/// widget's.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(page))
        .route("/demo/lms/unlock", post(unlock))
        .layer(CompressionLayer::new())
}

#[derive(Deserialize)]
struct PageQuery {
    lang: Option<String>,
    eval_cd: Option<String>,
    /// `unregistered`: a trainee whose LMS record matches no registered app (AP005), to try the
    /// FAQ's "등록되지 않은 사용자" case by hand.
    r#as: Option<String>,
    /// `2` for the second demo trainee.
    trainee: Option<usize>,
    /// Where the page loads the loader from (and its `data-server`), e.g. `http://127.0.0.1:8080`
    /// on a page opened at `http://localhost:8080`: the widget then runs cross-origin, as on an LMS.
    /// One of the demo tenant's origins; the page's own by default. The loader loads the widget from
    /// the server's public origin whatever this says.
    server: Option<String>,
    /// `strict`: the page is sent with only the Content-Security-Policy README says the widget
    /// needs (and `default-src 'none'` for everything else), to show that it is enough. The demo's
    /// own inline scripts and styles are blocked then; the widget is not.
    csp: Option<String>,
    /// `eval`: the page fetches the loader and evaluates it, as jQuery's `$.getScript` does for
    /// its own origin, instead of including it with a script tag.
    embed: Option<String>,
    /// A port: before the widget, the page also shows what user HTML the LMS keeps (a forum post, a
    /// profile field) can carry: `<a id="MotpWidget">` (which browsers make `window.MotpWidget`)
    /// and a widget element whose `data-server` names `http://127.0.0.1:<port>`. The widget must
    /// still load from, and talk to, this server only.
    hostile: Option<u16>,
    /// `wrong`: the launch token is signed with a secret that is not the tenant's, as an LMS with a
    /// misconfigured secret would sign it (the widget then says to contact the institution, and the
    /// page hears `motp:error` `invalid_token` with the reason).
    secret: Option<String>,
}

/// The demo LMS's sessions, as any LMS keeps its own: the `demo_session` cookie → the USRID it
/// launched the widget for. The launch token's `sid` is that session; the receipt must name both.
#[derive(Default)]
pub struct Sessions(std::sync::Mutex<std::collections::HashMap<String, String>>);

/// The cookie that carries the demo LMS's session id.
const SESSION_COOKIE: &str = "demo_session";

impl Sessions {
    fn remember(&self, session: &str, usrid: &str) {
        let mut map = self.0.lock().expect("sessions lock");
        // A demo: bounded, forgotten wholesale rather than aged.
        if map.len() >= 10_000 {
            map.clear();
        }
        map.insert(session.to_string(), usrid.to_string());
    }

    fn usrid(&self, session: &str) -> Option<String> {
        self.0.lock().expect("sessions lock").get(session).cloned()
    }
}

/// The demo session id the browser sent, if it is one this server could have made.
fn session_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
        .find(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
}

/// With `?as=unregistered`, the LMS record's name differs from the app's registration by one
/// character (AP005).
pub const UNREGISTERED_NAME: &str = "홍길둥";

const PAGE: &str = include_str!("demo_page.html");

/// The lecture page; each load mints a fresh launch token, as an LMS page would.
async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppQuery(q): AppQuery<PageQuery>,
) -> Result<Response, AppError> {
    let gw = &state.gateway;
    let sessions = &state
        .sandbox
        .as_ref()
        .expect("mounted in sandbox mode")
        .sessions;
    let session = session_of(&headers).unwrap_or_else(jwt::random_id);
    let tenant = gw
        .tenants
        .only()
        .ok_or_else(|| Error::Internal("demo needs exactly one tenant".into()))?;
    let now = gw.now();
    let unregistered = q.r#as.as_deref() == Some("unregistered");
    let trainee = &TRAINEES[q.trainee.unwrap_or(1).clamp(1, TRAINEES.len()) - 1];
    let eval_cd = q
        .eval_cd
        .as_deref()
        .filter(|e| motp_protocol::EvalCd::parse(e).is_some())
        .unwrap_or("01");
    let claims = LaunchClaims {
        iss: tenant.id.clone(),
        aud: LAUNCH_AUDIENCE.into(),
        sub: if unregistered {
            "trainee99"
        } else {
            trainee.usrid
        }
        .into(),
        name: if unregistered {
            UNREGISTERED_NAME
        } else {
            trainee.name
        }
        .into(),
        tel: trainee.tel.into(),
        course: "AIG20260001".into(),
        class: "AIG20260001,3".into(),
        eval_cd: eval_cd.into(),
        class_tme: if matches!(eval_cd, "00" | "99") {
            "00"
        } else {
            "01"
        }
        .into(),
        sid: session.clone(),
        iat: now,
        exp: now + 600,
        jti: jwt::random_id(),
    };
    let lang = match q.lang.as_deref() {
        Some("en") => "en",
        _ => "ko",
    };
    // Only an origin the tenant lists, so the value is safe to put in the page as it is.
    let server = match q.server {
        Some(server) if tenant.origins.contains(&server) => server,
        Some(_) => {
            return Err(Error::Invalid("server must be one of the demo's origins".into()).into())
        }
        None => String::new(),
    };
    let csp = (q.csp.as_deref() == Some("strict")).then(|| {
        // Where the loader comes from, and where it loads the widget from (the same on an LMS).
        let mut widget = if server.is_empty() { "'self'" } else { &server }.to_string();
        if widget != state.public_origin {
            widget = format!("{widget} {}", state.public_origin);
        }
        format!("default-src 'none'; script-src {widget} 'wasm-unsafe-eval'; connect-src {widget}")
    });
    let loader = format!("{server}/widget/motp-embed.js");
    let embed = if q.embed.as_deref() == Some("eval") {
        format!(
            "<script>var x = new XMLHttpRequest(); x.open('GET', '{loader}', false); x.send(); (0, eval)(x.responseText);</script>"
        )
    } else {
        format!("<script src=\"{loader}\"></script>")
    };
    let signing_secret = match q.secret.as_deref() {
        Some("wrong") => "sandbox-not-the-tenant-secret-0123456789abcdef",
        _ => tenant.secret.as_str(),
    };
    let hostile = q.hostile.map(|port| {
        format!(
            "<a id=\"MotpWidget\"></a>\n    <div data-motp-widget data-server=\"http://127.0.0.1:{port}\" data-launch-token=\"x\"></div>"
        )
    });
    let html = PAGE
        .replace("{{HOSTILE}}", hostile.as_deref().unwrap_or_default())
        .replace("{{EMBED}}", &embed)
        .replace("{{SERVER}}", &server)
        .replace("{{LAUNCH_TOKEN}}", &jwt::mint(&claims, signing_secret))
        .replace("{{LANG}}", lang)
        .replace("{{NAME}}", trainee.name)
        .replace(
            "{{LMS_NAME}}",
            if unregistered {
                UNREGISTERED_NAME
            } else {
                trainee.name
            },
        )
        .replace("{{TEL}}", trainee.tel)
        .replace("{{PIN}}", trainee.pin)
        .replace("{{EVAL_CD}}", &claims.eval_cd)
        .replace("{{CLASS_TME}}", &claims.class_tme);
    sessions.remember(&session, &claims.sub);
    let cookie = format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax");
    let mut res = Html(html).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::SET_COOKIE,
        cookie.parse().expect("a hex id is a header value"),
    );
    if let Some(csp) = csp {
        let csp = csp
            .parse()
            .map_err(|_| Error::Internal("CSP header".into()))?;
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(res)
}

#[derive(Deserialize)]
struct UnlockRequest {
    receipt: String,
    /// The lecture the page asks to play: its EVAL_CD and CLASS_TME.
    eval_cd: String,
    class_tme: String,
}

/// What the demo LMS's own server does with a receipt before it lets the lecture play, as a real
/// LMS should: redeem it with what it expects — the trainee of its own session, that session, the
/// lecture asked for — so a receipt for another lecture or another trainee, or a copied one, never
/// plays.
async fn unlock(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(req): AppJson<UnlockRequest>,
) -> Result<Json<Value>, AppError> {
    let gw = &state.gateway;
    let tenant = gw
        .tenants
        .only()
        .ok_or_else(|| Error::Internal("demo needs exactly one tenant".into()))?;
    let sessions = &state
        .sandbox
        .as_ref()
        .expect("mounted in sandbox mode")
        .sessions;
    let (session, usrid) = session_of(&headers)
        .and_then(|s| Some((s.clone(), sessions.usrid(&s)?)))
        .ok_or(Error::Unauthorized)?;
    let expect = Expectation {
        sub: usrid,
        eval_cd: req.eval_cd,
        class_tme: req.class_tme,
        sid: session,
    };
    let claims = receipts::redeem(gw, tenant, &req.receipt, &expect).await?;
    Ok(Json(
        json!({"play": true, "usrid": claims.sub, "eval_cd": claims.eval_cd, "method": claims.method}),
    ))
}
