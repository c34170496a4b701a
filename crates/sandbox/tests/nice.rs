//! The NICE emulator over HTTP, driven the way the gateway will drive it, with `nice-identity` as
//! the client: E1 → E3 → a sealed request to the standard window → the delivery opened and read.
//! Routes are the standalone binary's (`/nice/…`), on a fixed sandbox clock.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hrd_sandbox::nice::compact_kst;
use hrd_sandbox::{form, standalone_router, Sandbox, SandboxConfig};
use http_body_util::BodyExt;
use motp_protocol::clock::AdjustableClock;
use nice_identity::api::{AccessToken, CryptoToken, Envelope};
use nice_identity::{Keys, OpenError, Outcome, Request as NiceRequest};
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

const T0: i64 = 1_795_773_600; // 2026-11-27 19:00:00 KST
const CLIENT: &str = "sandbox-nice-client";
const SECRET: &str = "sandbox-nice-secret";
const E1: &str = "/nice/digital/niceid/oauth/oauth/token";
const E3: &str = "/nice/digital/niceid/api/v1.0/common/crypto/token";
const WINDOW: &str = "/nice/CheckPlusSafeModel/service.cb";
const RETURN: &str = "https://gateway.example/v1/nice/return";

fn setup() -> (Arc<Sandbox>, Router) {
    let sb = Sandbox::new(SandboxConfig::default(), AdjustableClock::fixed(T0)).unwrap();
    (sb.clone(), standalone_router(sb))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(app: &Router, req: Request<Body>) -> Answer {
    let res = app.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

fn basic(user: &str, pass: &str) -> String {
    format!("Basic {}", BASE64.encode(format!("{user}:{pass}")))
}

async fn e1(app: &Router, authorization: &str, body: &'static str) -> Envelope<AccessToken> {
    let req = Request::post(E1)
        .header(header::AUTHORIZATION, authorization)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let a = send(app, req).await;
    assert_eq!(a.status, StatusCode::OK);
    serde_json::from_str(&a.body).unwrap()
}

async fn access_token(app: &Router) -> String {
    let env = e1(
        app,
        &basic(CLIENT, SECRET),
        "grant_type=client_credentials&scope=default",
    )
    .await;
    env.body.unwrap().access_token
}

fn bearer(token: &str, ts: i64, client: &str) -> String {
    format!("bearer {}", BASE64.encode(format!("{token}:{ts}:{client}")))
}

async fn e3(
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

fn e3_body(req_dtim: &str, req_no: &str) -> String {
    serde_json::to_string(&nice_identity::api::crypto_token_request(req_dtim, req_no)).unwrap()
}

/// A crypto token as the gateway holds it.
struct Issued {
    token_version_id: String,
    keys: Keys,
    site_code: String,
}

async fn issue(app: &Router, sb: &Sandbox) -> Issued {
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

fn request(issued: &Issued, requestno: &str, methodtype: Option<&str>) -> NiceRequest {
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
fn window_form(issued: &Issued, plaintext: &[u8]) -> String {
    let sealed = issued.keys.seal(plaintext);
    window_form_with(
        &issued.token_version_id,
        &sealed.enc_data,
        &sealed.integrity_value,
    )
}

fn window_form_with(token_version_id: &str, enc_data: &str, integrity: &str) -> String {
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

async fn post_window(app: &Router, path: &str, form_body: String) -> Answer {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form_body))
        .unwrap();
    send(app, req).await
}

async fn control(app: &Router, path: &str, body: Value) -> Value {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let a = send(app, req).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    serde_json::from_str(&a.body).unwrap()
}

async fn deliveries(app: &Router) -> Vec<Value> {
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
fn hidden(page: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {page}"))
        + marker.len();
    page[start..].split('"').next().unwrap().to_string()
}

/// What arrived at `returnurl`: the three fields, from an auto-submitting page or a redirect.
fn delivered(a: &Answer) -> (String, String, String) {
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

fn opened(issued: &Issued, a: &Answer) -> Outcome {
    let (id, enc, integrity) = delivered(a);
    assert_eq!(id, issued.token_version_id);
    Outcome::from_wire(&issued.keys.open(&enc, &integrity).unwrap()).unwrap()
}

fn hong() -> Value {
    json!({"resultcode": "0000", "name": "홍길동", "mobileno": "01012345678", "birthdate": "19900101"})
}

fn error_reason(a: &Answer) -> String {
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

#[tokio::test]
async fn a_queued_outcome_is_delivered_by_post_and_opens_as_the_gateway_reads_it() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    assert_eq!(issued.token_version_id.len(), 43);
    assert_eq!(issued.site_code, "SBX01");
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let plain = request(&issued, "R-0001", Some("post")).to_json();
    let a = post_window(&app, WINDOW, window_form(&issued, plain.as_bytes())).await;
    let o = opened(&issued, &a);
    assert_eq!((o.resultcode.as_str(), o.name.as_str()), ("0000", "홍길동"));
    assert_eq!(
        (o.mobileno.as_str(), o.birthdate.as_str()),
        ("01012345678", "19900101")
    );
    assert_eq!(o.requestno, "R-0001");
    assert_eq!(o.sitecode, "SBX01");
    assert_eq!(o.receivedata.as_deref(), Some("check-42"));
    assert_eq!(o.enctime, "20261127190000");
    assert_eq!(o.enctime_for_hrd().as_deref(), Some("2026-11-27 19:00:00"));
    assert_eq!(o.utf8_name, "%ED%99%8D%EA%B8%B8%EB%8F%99");
    assert_eq!((o.ci.len(), o.di.len()), (88, 64));
    let no = o.responseno.unwrap();
    assert_eq!(no.len(), 24);
    assert!(
        no[..2].bytes().all(|b| b.is_ascii_uppercase())
            && no[2..].bytes().all(|b| b.is_ascii_digit())
    );
    let log = deliveries(&app).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["method"].as_str(), log[0]["resultcode"].as_str()),
        (Some("post"), Some("0000"))
    );
    assert_eq!(log[0]["responseno"].as_str(), Some(no.as_str()));
}

#[tokio::test]
async fn get_delivery_redirects_with_the_fields_percent_encoded() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    // Opened by GET at another of the window's paths, as some samples do.
    let plain = request(&issued, "R-GET", Some("get")).to_json();
    let uri = format!(
        "/nice/cert/request?{}",
        window_form(&issued, plain.as_bytes())
    );
    let a = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, StatusCode::FOUND);
    let location = a.headers[header::LOCATION].to_str().unwrap();
    let query = location.split_once('?').unwrap().1;
    assert!(
        !query.contains('+') && !query.contains('/') && query.matches('=').count() == 3,
        "{location}"
    );
    assert_eq!(opened(&issued, &a).requestno, "R-GET");
}

#[tokio::test]
async fn knobs_force_get_with_raw_plus_then_reset() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let k = control(
        &app,
        "/nice/sandbox/knobs",
        json!({"force_get": true, "raw_plus": true}),
    )
    .await;
    assert_eq!(k["force_get"], true);
    for n in 1..=2 {
        control(&app, "/nice/sandbox/outcome", hong()).await;
        let plain = request(&issued, &format!("R-K{n}"), Some("post")).to_json();
        let a = post_window(
            &app,
            "/nice/CheckPlusSafeModel/checkplus.cb",
            window_form(&issued, plain.as_bytes()),
        )
        .await;
        // Raw base64 in a query: `+` reads back as a space, which `Keys::open` mends.
        assert_eq!(opened(&issued, &a).requestno, format!("R-K{n}"));
        let expected = if n == 1 {
            StatusCode::FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(a.status, expected, "the knobs apply to one delivery only");
    }
}

#[tokio::test]
async fn a_tampered_integrity_value_is_refused_by_open() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(
        &app,
        "/nice/sandbox/knobs",
        json!({"tamper_integrity": true}),
    )
    .await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let plain = request(&issued, "R-T", None).to_json();
    let a = post_window(&app, WINDOW, window_form(&issued, plain.as_bytes())).await;
    let (_, enc, integrity) = delivered(&a);
    assert_eq!(
        issued.keys.open(&enc, &integrity),
        Err(OpenError::Integrity)
    );
    assert_eq!(deliveries(&app).await[0]["knobs"]["tamper_integrity"], true);
}

#[tokio::test]
async fn a_requestno_is_single_use_and_replay_last_resends_the_delivery() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let form_body = window_form(
        &issued,
        request(&issued, "R-ONCE", None).to_json().as_bytes(),
    );
    let first = post_window(&app, WINDOW, form_body.clone()).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let again = post_window(&app, WINDOW, form_body).await;
    assert_eq!(error_reason(&again), "requestno_used");
    assert_eq!(deliveries(&app).await.len(), 1);
    // Another requestno with the same crypto token is fine (§4.3).
    let other = post_window(
        &app,
        WINDOW,
        window_form(
            &issued,
            request(&issued, "R-TWO", None).to_json().as_bytes(),
        ),
    )
    .await;
    assert_eq!(opened(&issued, &other).requestno, "R-TWO");
    let replay = send(
        &app,
        Request::post("/nice/sandbox/replay-last")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(delivered(&replay), delivered(&other));
    let log = deliveries(&app).await;
    assert_eq!((log.len(), log[2]["replay"].as_bool()), (3, Some(true)));
    assert_ne!(delivered(&first), delivered(&other));
}

#[tokio::test]
async fn the_sandbox_clock_expires_crypto_tokens() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let form_body =
        |no: &str| window_form(&issued, request(&issued, no, None).to_json().as_bytes());
    control(&app, "/sandbox/clock", json!({"fixed_unix": T0 + 3600})).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    assert_eq!(
        opened(&issued, &post_window(&app, WINDOW, form_body("R-1")).await).enctime,
        "20261127200000"
    );
    // HRD's clock control moves NICE's expiry too.
    control(&app, "/sandbox/clock", json!({"fixed_unix": T0 + 3601})).await;
    assert_eq!(
        error_reason(&post_window(&app, WINDOW, form_body("R-2")).await),
        "expired_token"
    );
    let fresh = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/expire-crypto-tokens", json!({})).await;
    let form_body = window_form(&fresh, request(&fresh, "R-3", None).to_json().as_bytes());
    assert_eq!(
        error_reason(&post_window(&app, WINDOW, form_body).await),
        "expired_token"
    );
}

#[tokio::test]
async fn the_window_refuses_bad_requests_with_nices_error_page() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let good = |no: &str| request(&issued, no, None);
    let sealed = issued.keys.seal(good("R-1").to_json().as_bytes());
    let cases: Vec<(String, &str)> = vec![
        (
            window_form(&issued, good("R-1").to_json().as_bytes())
                .replace("m=service", "m=checkplusService"),
            "bad_service",
        ),
        (
            window_form_with(
                "2026112719000000-NCAACC000-00000-0000000000",
                &sealed.enc_data,
                &sealed.integrity_value,
            ),
            "unknown_token",
        ),
        (
            window_form_with(
                &issued.token_version_id,
                &sealed.enc_data,
                &issued.keys.integrity("other"),
            ),
            "integrity",
        ),
        (
            window_form_with(
                &issued.token_version_id,
                "AAAA",
                &issued.keys.integrity("AAAA"),
            ),
            "malformed",
        ),
        (window_form(&issued, b"requestno=R-1"), "bad_json"),
        (
            window_form(
                &issued,
                format!(r#"{{"returnurl":"{RETURN}","sitecode":"SBX01"}}"#).as_bytes(),
            ),
            "bad_requestno",
        ),
        (
            window_form(&issued, br#"{"requestno":"R-1","sitecode":"SBX01"}"#),
            "bad_returnurl",
        ),
        (
            window_form(
                &issued,
                br#"{"requestno":"R-1","returnurl":"https://","sitecode":"SBX01"}"#,
            ),
            "bad_returnurl",
        ),
        (
            window_form(
                &issued,
                NiceRequest {
                    sitecode: "AB123".into(),
                    ..good("R-1")
                }
                .to_json()
                .as_bytes(),
            ),
            "sitecode_mismatch",
        ),
    ];
    for (body, reason) in cases {
        control(&app, "/nice/sandbox/outcome", hong()).await;
        assert_eq!(error_reason(&post_window(&app, WINDOW, body).await), reason);
    }
    assert!(deliveries(&app).await.is_empty());
}

async fn open_page(app: &Router, issued: &Issued, no: &str) -> String {
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

async fn step(app: &Router, window: &str, fields: &str) -> Answer {
    post_window(app, WINDOW, format!("window={window}&{fields}")).await
}

const PERSON: &str = "step=sms&mobileco=3&name=%ED%99%8D%EA%B8%B8%EB%8F%99&birthdate=19900101&gender=1&mobileno=010-1234-5678";

#[tokio::test]
async fn a_person_goes_through_the_pages_and_their_answers_are_delivered() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let window = open_page(&app, &issued, "R-P").await;
    let bad = step(
        &app,
        &window,
        "step=sms&mobileco=3&name=<b>&birthdate=1990&gender=1&mobileno=01012345678",
    )
    .await;
    assert!(
        bad.body.contains("생년월일")
            && bad.body.contains("&lt;b&gt;")
            && !bad.body.contains("<b>")
    );
    let page = step(&app, &window, PERSON).await.body;
    let code = page.split(r#"id="sms-code">"#).nth(1).unwrap()[..6].to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(step(&app, &window, &format!("step=confirm&sms={wrong}"))
        .await
        .body
        .contains("(1/3)"));
    let a = step(&app, &window, &format!("step=confirm&sms={code}")).await;
    let o = opened(&issued, &a);
    assert_eq!(
        (o.resultcode.as_str(), o.name.as_str(), o.mobileno.as_str()),
        ("0000", "홍길동", "01012345678")
    );
    assert_eq!(
        (o.mobileco.as_str(), o.birthdate.as_str(), o.gender.as_str()),
        ("3", "19900101", "1")
    );
    assert_eq!(
        error_reason(&step(&app, &window, "step=confirm&sms=1").await),
        "unknown_window"
    );
}

#[tokio::test]
async fn three_wrong_codes_deliver_9097_and_cancel_delivers_nothing() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let window = open_page(&app, &issued, "R-W").await;
    let code = step(&app, &window, PERSON)
        .await
        .body
        .split(r#"id="sms-code">"#)
        .nth(1)
        .unwrap()[..6]
        .to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    step(&app, &window, &format!("step=confirm&sms={wrong}")).await;
    step(&app, &window, &format!("step=confirm&sms={wrong}")).await;
    let o = opened(
        &issued,
        &step(&app, &window, &format!("step=confirm&sms={wrong}")).await,
    );
    assert_eq!(
        (o.resultcode.as_str(), o.name.as_str()),
        ("9097", ""),
        "a failure names nobody"
    );
    assert!(o.responseno.is_some());

    let window = open_page(&app, &issued, "R-C").await;
    let closed = step(&app, &window, "step=cancel").await;
    assert!(closed.body.contains("nice-closed") && !closed.headers.contains_key(header::LOCATION));
    control(&app, "/nice/sandbox/outcome", json!({"close": true})).await;
    let closed = post_window(
        &app,
        WINDOW,
        window_form(&issued, request(&issued, "R-C2", None).to_json().as_bytes()),
    )
    .await;
    assert!(closed.body.contains("nice-closed"));
    // A person may also pick a failure; the knob drops responseno from failures.
    control(
        &app,
        "/nice/sandbox/knobs",
        json!({"omit_responseno_on_failure": true}),
    )
    .await;
    let window = open_page(&app, &issued, "R-F").await;
    let o = opened(
        &issued,
        &step(&app, &window, "step=fail&resultcode=0001").await,
    );
    assert_eq!((o.resultcode.as_str(), o.responseno), ("0001", None));
    assert_eq!(deliveries(&app).await.len(), 2);
}

#[tokio::test]
async fn the_utf8_knob_seals_a_result_the_euc_kr_decoder_does_not_read_as_the_name() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/knobs", json!({"utf8_result": true})).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let a = post_window(
        &app,
        WINDOW,
        window_form(&issued, request(&issued, "R-U", None).to_json().as_bytes()),
    )
    .await;
    let (_, enc, integrity) = delivered(&a);
    let plain = issued.keys.open(&enc, &integrity).unwrap();
    assert_ne!(
        Outcome::from_wire(&plain).map(|o| o.name),
        Ok("홍길동".to_string())
    );
}

#[tokio::test]
async fn access_tokens_repeat_until_revoked_and_bad_clients_get_1801() {
    let (sb, app) = setup();
    let wrong = e1(
        &app,
        &basic(CLIENT, "not-the-secret"),
        "grant_type=client_credentials&scope=default",
    )
    .await;
    assert_eq!(
        (wrong.header.gateway_code.as_deref(), wrong.body),
        (Some("1801"), None)
    );
    let grant = e1(&app, &basic(CLIENT, SECRET), "grant_type=password").await;
    assert_eq!(grant.header.gateway_code.as_deref(), Some("1400"));
    let first = e1(
        &app,
        &basic(CLIENT, SECRET),
        "grant_type=client_credentials&scope=default",
    )
    .await;
    assert_eq!(first.header.gateway_message.as_deref(), Some("오류 없음"));
    let first = first.body.unwrap();
    assert_eq!(
        (first.token_type.as_str(), first.expires_in),
        ("bearer", 1_576_800_000)
    );
    sb.clock.advance(38);
    let second = e1(
        &app,
        &basic(CLIENT, SECRET),
        "grant_type=client_credentials&scope=default",
    )
    .await
    .body
    .unwrap();
    assert_eq!(
        (second.access_token.as_str(), second.expires_in),
        (first.access_token.as_str(), 1_576_800_000 - 38)
    );
    let revoke = Request::post("/nice/digital/niceid/oauth/oauth/token/revokeById")
        .header(
            header::AUTHORIZATION,
            format!(
                "Basic {}",
                BASE64.encode(format!("{}:{}:{CLIENT}", first.access_token, sb.now()))
            ),
        )
        .body(Body::empty())
        .unwrap();
    let revoked: Value = serde_json::from_str(&send(&app, revoke).await.body).unwrap();
    assert_eq!(
        (
            revoked["dataHeader"]["GW_RSLT_CD"].as_str(),
            revoked["dataBody"]["result"].as_str()
        ),
        (Some("1200"), Some("true"))
    );
    let old = e3(
        &app,
        E3,
        Some(bearer(&first.access_token, sb.now(), CLIENT)),
        Some("2101979031"),
        e3_body("20261127190038", "R1"),
    )
    .await;
    assert_eq!(old.header.gateway_code.as_deref(), Some("1800"));
    assert_ne!(access_token(&app).await, first.access_token);
}

#[tokio::test]
async fn crypto_token_checks_come_in_the_specs_order_with_its_codes() {
    let (sb, app) = setup();
    let token = access_token(&app).await;
    let now = sb.now();
    let ok_body = e3_body("20261127190000", "REQ1");
    let ok_auth = || Some(bearer(&token, now, CLIENT));
    let product = Some("2101979031");
    let gw = |e: Envelope<CryptoToken>| e.header.gateway_code.unwrap();
    let result_cd = |e: Envelope<CryptoToken>| {
        assert_eq!(e.header.gateway_code.as_deref(), Some("1200"));
        let b = e.body.unwrap();
        assert_eq!(b.rsp_cd, "P000");
        b.result_cd.unwrap()
    };
    // Body shape first, even with no token at all.
    assert_eq!(
        gw(e3(&app, E3, None, None, "not json".into()).await),
        "1500"
    );
    assert_eq!(
        gw(e3(&app, E3, ok_auth(), product, r#"{"dataHeader":{}}"#.into()).await),
        "1500"
    );
    assert_eq!(
        gw(e3(&app, E3, None, product, ok_body.clone()).await),
        "1401"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer("unknown", now, CLIENT)),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(format!(
                "bearer {}",
                BASE64.encode(format!("{token}:{now}"))
            )),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer(&token, now - 180, CLIENT)),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer(&token, now + 180, CLIENT)),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        result_cd(
            e3(
                &app,
                E3,
                Some(bearer(&token, now - 179, CLIENT)),
                product,
                ok_body.clone()
            )
            .await
        ),
        "0000"
    );
    // Client before product: both wrong answers 1801.
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer(&token, now, "other-client")),
            Some("1"),
            ok_body.clone()
        )
        .await),
        "1801"
    );
    assert_eq!(
        gw(e3(&app, E3, ok_auth(), None, ok_body.clone()).await),
        "1706"
    );
    assert_eq!(
        gw(e3(&app, E3, ok_auth(), Some("2101434007"), ok_body.clone()).await),
        "1706"
    );
    let missing = r#"{"dataHeader":{"CNTY_CD":"ko"},"dataBody":{"req_dtim":"20261127190000","enc_mode":"1"}}"#;
    assert_eq!(
        result_cd(e3(&app, E3, ok_auth(), product, missing.into()).await),
        "0001"
    );
    let mode2 = ok_body.replace(r#""enc_mode":"1""#, r#""enc_mode":"2""#);
    assert_eq!(
        result_cd(e3(&app, E3, ok_auth(), product, mode2).await),
        "0001"
    );
    // The "Bearer" spelling and the path without /api are accepted; CNTY_CD is echoed.
    let alt = e3(
        &app,
        "/nice/digital/niceid/v1.0/common/crypto/token",
        Some(bearer(&token, now, CLIENT).replace("bearer", "Bearer")),
        product,
        ok_body.replace(r#""ko""#, r#""kr""#),
    )
    .await;
    assert_eq!(alt.header.country.as_deref(), Some("kr"));
    assert_eq!(result_cd(alt), "0000");
}

#[tokio::test]
async fn the_ip_allow_list_answers_1702_and_big_bodies_are_refused_unread() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let config = SandboxConfig {
        nice: hrd_sandbox::nice::NiceConfig {
            allowed_ips: Some(vec!["127.0.0.1".parse().unwrap()]),
            ..Default::default()
        },
        ..SandboxConfig::default()
    };
    let sb = Sandbox::new(config, AdjustableClock::fixed(T0)).unwrap();
    let app = standalone_router(sb.clone());
    let token = access_token(&app).await;
    for (peer, code) in [("10.0.0.7:5000", "1702"), ("127.0.0.1:5000", "1200")] {
        let mut req = Request::post(E3)
            .header(header::AUTHORIZATION, bearer(&token, sb.now(), CLIENT))
            .header("productID", "2101979031")
            .body(Body::from(e3_body("20261127190000", "R1")))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        let env: Envelope<CryptoToken> = serde_json::from_str(&send(&app, req).await.body).unwrap();
        assert_eq!(env.header.gateway_code.as_deref(), Some(code));
    }
    let big = "a".repeat(hrd_sandbox::MAX_BODY_BYTES + 1);
    let a = post_window(&app, WINDOW, big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
}
