//! What the NICE emulator's tests share: acting as the gateway does, with `nice-identity` as the
//! client (E1 → E3 → a sealed request to the standard window → the delivery opened and read).
//! Routes are the standalone binary's (`/nice/…`), on a fixed sandbox clock.
#![allow(dead_code, unused_imports)] // each test file uses its own subset

pub use axum::body::Body;
pub use axum::http::{header, HeaderMap, Request, StatusCode};
pub use axum::Router;
pub use base64::engine::general_purpose::STANDARD as BASE64;
pub use base64::Engine;
pub use hrd_sandbox::nice::compact_kst;
pub use hrd_sandbox::{form, standalone_router, Sandbox, SandboxConfig};
use http_body_util::BodyExt;
pub use motp_protocol::clock::AdjustableClock;
pub use nice_identity::api::{AccessToken, CryptoToken, Envelope};
pub use nice_identity::{Keys, OpenError, Outcome, Request as NiceRequest};
pub use serde_json::{json, Value};
pub use std::sync::Arc;
use tower::ServiceExt;

pub const T0: i64 = 1_795_773_600; // 2026-11-27 19:00:00 KST
pub const CLIENT: &str = "sandbox-nice-client";
pub const SECRET: &str = "sandbox-nice-secret";
pub const E1: &str = "/nice/digital/niceid/oauth/oauth/token";
pub const E3: &str = "/nice/digital/niceid/api/v1.0/common/crypto/token";
pub const WINDOW: &str = "/nice/CheckPlusSafeModel/service.cb";
pub const RETURN: &str = "https://gateway.example/v1/nice/return";

pub fn setup() -> (Arc<Sandbox>, Router) {
    let sb = Sandbox::new(SandboxConfig::default(), AdjustableClock::fixed(T0)).unwrap();
    (sb.clone(), standalone_router(sb))
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

pub fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{user}:{pass}")))
}

pub async fn e1(app: &Router, authorization: &str, body: &'static str) -> Envelope<AccessToken> {
    let req = Request::post(E1)
        .header(header::AUTHORIZATION, authorization)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let a = send(app, req).await;
    assert_eq!(a.status, StatusCode::OK);
    serde_json::from_str(&a.body).unwrap()
}

pub async fn access_token(app: &Router) -> String {
    let env = e1(
        app,
        &basic(CLIENT, SECRET),
        "grant_type=client_credentials&scope=default",
    )
    .await;
    env.body.unwrap().access_token
}

pub fn bearer(token: &str, ts: i64, client: &str) -> String {
    format!("bearer {}", BASE64.encode(format!("{token}:{ts}:{client}")))
}

pub async fn e3(
    app: &Router,
    path: &str,
    auth: Option<String>,
    product: Option<&str>,
    body: String,
) -> Envelope<CryptoToken> {
    let mut req = Request::post(path).header(header::CONTENT_TYPE, "application/json");
    if let Some(a) = auth {
        req = req.header(header::AUTHORIZATION, a);
    }
    if let Some(p) = product {
        req = req.header("ProductID", p);
    }
    let a = send(app, req.body(Body::from(body)).unwrap()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    serde_json::from_str(&a.body).unwrap()
}

pub fn e3_body(req_dtim: &str, req_no: &str) -> String {
    serde_json::to_string(&nice_identity::api::crypto_token_request(req_dtim, req_no)).unwrap()
}

/// A crypto token as the gateway holds it.
pub struct Issued {
    pub token_version_id: String,
    pub keys: Keys,
    pub site_code: String,
}

pub async fn issue(app: &Router, sb: &Sandbox) -> Issued {
    let token = access_token(app).await;
    let (req_dtim, req_no) = (compact_kst(sb.now()), "REQ20261127190000000001".to_string());
    let env = e3(
        app,
        E3,
        Some(bearer(&token, sb.now(), CLIENT)),
        Some("2101979031"),
        e3_body(&req_dtim, &req_no),
    )
    .await;
    assert_eq!(env.header.gateway_code.as_deref(), Some("1200"));
    let body = env.body.unwrap();
    assert_eq!(
        (body.rsp_cd.as_str(), body.result_cd.as_deref()),
        ("P000", Some("0000"))
    );
    Issued {
        token_version_id: body.token_version_id.unwrap(),
        keys: Keys::derive(&req_dtim, &req_no, &body.token_val.unwrap()),
        site_code: body.site_code.unwrap(),
    }
}

pub fn request(issued: &Issued, requestno: &str, methodtype: Option<&str>) -> NiceRequest {
    NiceRequest {
        requestno: requestno.into(),
        returnurl: RETURN.into(),
        sitecode: issued.site_code.clone(),
        authtype: Some("M".into()),
        methodtype: methodtype.map(str::to_string),
        popupyn: Some("Y".into()),
        receivedata: Some("check-42".into()),
    }
}

/// The form the gateway's page posts to the standard window.
pub fn window_form(issued: &Issued, plaintext: &[u8]) -> String {
    let sealed = issued.keys.seal(plaintext);
    window_form_with(
        &issued.token_version_id,
        &sealed.enc_data,
        &sealed.integrity_value,
    )
}

pub fn window_form_with(token_version_id: &str, enc_data: &str, integrity: &str) -> String {
    let enc = |v: &str| {
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "m=service&token_version_id={}&enc_data={}&integrity_value={}",
        enc(token_version_id),
        enc(enc_data),
        enc(integrity)
    )
}

pub async fn post_window(app: &Router, path: &str, form_body: String) -> Answer {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body))
        .unwrap();
    send(app, req).await
}

pub async fn control(app: &Router, path: &str, body: Value) -> Value {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let a = send(app, req).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

pub async fn deliveries(app: &Router) -> Vec<Value> {
    let a = send(
        app,
        Request::get("/nice/sandbox/deliveries")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    serde_json::from_str::<Vec<Value>>(&a.body).unwrap()
}

/// A hidden input's value on a page (the pages escape values; base64 needs no unescaping).
pub fn hidden(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// What arrived at `returnurl`: the three fields, from an auto-submitting page or a redirect.
pub fn delivered(a: &Answer) -> (String, String, String) {
    assert_eq!(a.headers[header::CACHE_CONTROL], "no-store");
    let fields = if a.status == StatusCode::FOUND {
        let location = a.headers[header::LOCATION].to_str().unwrap();
        let query = location
            .strip_prefix(&format!("{RETURN}?"))
            .expect(location);
        form::parse(query.as_bytes()).unwrap()
    } else {
        assert_eq!(a.status, StatusCode::OK);
        assert!(
            a.body
                .contains(&format!(r#"<form method="post" action="{RETURN}""#)),
            "{}",
            a.body
        );
        assert!(a.body.contains(".submit()") && a.body.contains(r#"<button type="submit">"#));
        ["token_version_id", "enc_data", "integrity_value"]
            .iter()
            .map(|n| (n.to_string(), hidden(&a.body, n)))
            .collect()
    };
    (
        fields["token_version_id"].clone(),
        fields["enc_data"].clone(),
        fields["integrity_value"].clone(),
    )
}

pub fn opened(issued: &Issued, a: &Answer) -> Outcome {
    let (id, enc, integrity) = delivered(a);
    assert_eq!(id, issued.token_version_id);
    Outcome::from_wire(&issued.keys.open(&enc, &integrity).unwrap()).unwrap()
}

pub fn hong() -> Value {
    json!({"resultcode": "0000", "name": "홍길동", "mobileno": "01012345678", "birthdate": "19900101"})
}

pub fn error_reason(a: &Answer) -> String {
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.headers.contains_key(header::LOCATION));
    assert!(
        a.body
            .contains("잘못된 요청이거나 서비스처리중 오류가 발생했습니다."),
        "{}",
        a.body
    );
    let start = a.body.find(r#"data-reason=""#).unwrap() + 13;
    a.body[start..].split('"').next().unwrap().to_string()
}

pub async fn open_page(app: &Router, issued: &Issued, no: &str) -> String {
    let a = post_window(
        app,
        WINDOW,
        window_form(issued, request(issued, no, None).to_json().as_bytes()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.body.contains(r#"lang="ko""#) && a.body.contains(r#"name="viewport""#));
    assert!(
        a.body.contains(r#"action="service.cb""#),
        "later pages post back to the same path"
    );
    hidden(&a.body, "window")
}

pub async fn step(app: &Router, window: &str, fields: &str) -> Answer {
    post_window(app, WINDOW, format!("window={window}&{fields}")).await
}

pub const PERSON: &str = "step=sms&mobileco=3&name=%ED%99%8D%EA%B8%B8%EB%8F%99&birthdate=19900101&gender=1&mobileno=010-1234-5678";
