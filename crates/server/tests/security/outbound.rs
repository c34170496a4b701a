//! What the gateway sends out and reads back: a redirect from "HRD" is never followed (a 307/308
//! would re-post the trainee's name, mobile and code, or e-mon's API key, to the host it names),
//! and an answer larger than any of HRD's is not read to its end nor believed.

use crate::target::{claims, sign, target};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Serves `app` on a free loopback port; its base URL.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// Verifies a code through a server whose HRD is `hrd`; the outcome.
async fn verify_through(hrd: &str) -> Value {
    let t = target(&["--hrd-url", hrd]).await;
    let res = t
        .http
        .post(format!("{}/v1/otp/verify", t.url))
        .bearer_auth(sign(&claims()))
        .json(&json!({ "code": "123456" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_redirect_from_hrd_is_not_followed() {
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    let elsewhere = serve(axum::Router::new().fallback(move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async { r#"{"code":200,"msg":"ok"}"# }
    }))
    .await;
    for status in [
        StatusCode::TEMPORARY_REDIRECT,
        StatusCode::PERMANENT_REDIRECT,
    ] {
        let to = format!("{elsewhere}/collect");
        let redirector = serve(axum::Router::new().fallback(move || {
            let to = to.clone();
            async move { (status, [(header::LOCATION, to)]).into_response() }
        }))
        .await;
        let outcome = verify_through(&redirector).await;
        assert_eq!(outcome["result"], "hrd_unavailable", "{status}: {outcome}");
    }
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

#[tokio::test]
async fn an_oversized_answer_is_not_believed() {
    // A well-formed "wrong code" answer, padded past anything HRD sends.
    let padded = format!(r#"{{"code":"AP001","msg":"x"{}}}"#, " ".repeat(200 * 1024));
    let hrd = serve(axum::Router::new().fallback(move || {
        let body = padded.clone();
        async move { ([(header::CONTENT_TYPE, "application/json")], body) }
    }))
    .await;
    let outcome = verify_through(&hrd).await;
    assert_eq!(outcome["result"], "hrd_unavailable", "{outcome}");
}
