//! The connection before any route: a client that never finishes its headers or its body is cut
//! off (timeouts set short here, each wait bounded), requests beyond the cap are answered `503
//! busy` at once, `/metrics` and the detailed readiness are not on the public port, and every
//! answer carries its security headers.

use crate::target::{claims, sign, target, Target};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Longest any test here waits for the server to act on a short timeout.
const BOUND: Duration = Duration::from_secs(8);

/// A raw connection to `t` that has sent `bytes` and then stays silent.
async fn stalled(t: &Target, bytes: &str) -> TcpStream {
    let addr = t.url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes.as_bytes()).await.unwrap();
    stream
}

/// Everything the server writes before it closes `stream`, or `None` if it is still open after
/// [`BOUND`].
async fn until_closed(stream: &mut TcpStream) -> Option<String> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&seen).into_owned())
}

/// A POST to the API whose body never arrives in full.
fn slow_body() -> String {
    format!(
        "POST /v1/otp/verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 40\r\n\r\n{{\"code\":",
        sign(&claims())
    )
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let t = target(&["--header-timeout-secs", "1"]).await;
    let mut slow = stalled(&t, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: 1").await;
    assert!(until_closed(&mut slow).await.is_some(), "still open");
    // The server still serves everyone else.
    let res = t
        .http
        .get(format!("{}/healthz", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_body_that_never_arrives_is_answered_408_and_changes_nothing() {
    let t = target(&["--hrd-timeout-secs", "1", "--request-timeout-secs", "2"]).await;
    let mut slow = stalled(&t, &slow_body()).await;
    let answer = until_closed(&mut slow).await.expect("cut off");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"error\":\"request_timeout\""), "{answer}");
    t.assert_nothing_moved(vec![], 1).await;
}

#[tokio::test]
async fn beyond_the_cap_requests_are_answered_503_busy_at_once() {
    let t = target(&["--max-in-flight", "1"]).await;
    // One request holds the only slot, waiting for its body. It may itself meet the cap (a probe
    // below can hold the slot for a moment, longer on PostgreSQL, where each request's address
    // limit is a query): then it is answered at once, and another one takes its place.
    let mut answer = None;
    'holding: for _ in 0..20 {
        let mut holder = stalled(&t, &slow_body()).await;
        let mut first = [0u8; 1];
        let refused = tokio::time::timeout(
            std::time::Duration::from_millis(100),
            holder.read(&mut first),
        )
        .await;
        if refused.is_ok() {
            continue;
        }
        for _ in 0..100 {
            let res = t
                .http
                .get(format!("{}/healthz", t.url))
                .send()
                .await
                .unwrap();
            if res.status() == 503 {
                answer = Some(res);
                drop(holder);
                break 'holding;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
    let res = answer.expect("503 once the slot is taken");
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "busy");
}

#[tokio::test]
async fn oversized_headers_are_refused_before_any_route() {
    let t = target(&[]).await;
    let res = t
        .http
        .post(format!("{}/v1/otp/verify", t.url))
        .bearer_auth(sign(&claims()))
        .header("X-Padding", "p".repeat(512 * 1024))
        .body("{\"code\":\"123456\"}")
        .send()
        .await;
    // hyper answers 431 (or drops the connection) before the request is read.
    if let Ok(res) = res {
        assert_eq!(res.status(), 431);
    }
    t.assert_nothing_moved(vec![], 1).await;
}

#[tokio::test]
async fn metrics_and_details_are_not_on_the_public_port() {
    let t = target(&[]).await;
    let metrics = t
        .http
        .get(format!("{}/metrics", t.url))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 404);
    let ready = crate::common::get_json(&t.http, format!("{}/readyz", t.url), None).await;
    assert_eq!(ready, serde_json::json!({ "ready": true }), "nothing more");
}

#[tokio::test]
async fn every_answer_carries_its_security_headers() {
    let t = target(&[]).await;
    let token = sign(&claims());
    let get = |path: &str| {
        t.http
            .get(format!("{}{path}", t.url))
            .bearer_auth(&token)
            .send()
    };
    for path in [
        "/healthz",
        "/readyz",
        "/v1/session",
        "/v1/nowhere",
        "/nowhere",
        "/",
    ] {
        let res = get(path).await.unwrap();
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
    for path in ["/v1/session", "/v1/nowhere"] {
        let res = get(path).await.unwrap();
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    // The server's own page (the sandbox's demo LMS): never framed, no referrer.
    let page = get("/").await.unwrap();
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let csp: Vec<_> = page
        .headers()
        .get_all("content-security-policy")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(csp.iter().any(|v| v == "frame-ancestors 'none'"), "{csp:?}");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    // CORS for the demo page's origin still answers on the API.
    let origin = t.url.clone();
    let preflight = t
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/v1/otp/verify", t.url))
        .header("Origin", &origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization,content-type",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        origin.as_str()
    );
}
