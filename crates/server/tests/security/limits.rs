//! Every door has a limit: the client's address in front of every `/v1` route before anything is
//! parsed (IPv6 by /64), per trainee on identity starts, resets and substitute completions, a cap on
//! pending checks, and failed HTTP Basic logins per tenant and address. Every 429 has
//! `Retry-After` and one body.

use crate::target::{claims, sign, target, Target};
use motp_server::tenant::SANDBOX_DEMO_API_KEY;
use serde_json::{json, Value};

/// The one shape of every 429: the API error and the code check's outcome at once, its
/// `retry_after_seconds` equal to `Retry-After`.
async fn assert_rate_limited(res: reqwest::Response, case: &str) {
    assert_eq!(res.status(), 429, "{case}");
    let header: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&header), "{case}: {header}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited", "{case}: {body}");
    assert_eq!(body["result"], "rate_limited", "{case}: {body}");
    assert_eq!(body["retry_after_seconds"], header, "{case}: {body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn every_v1_route_is_limited_per_address_before_anything_is_parsed() {
    let t = target(&["--per-ip-per-minute", "6"]).await;
    let v1 = |path: &str| format!("{}/v1{path}", t.url);
    // Six requests nobody could authenticate or parse: each counts at the door.
    let garbage = [
        t.http.post(v1("/otp/verify")).body("{"),
        t.http.get(v1("/session")),
        t.http.post(v1("/identity/start")),
        t.http.get(v1("/admin/audit")),
        t.http.post(v1("/receipts/redeem")).body("x"),
        t.http.get(v1("/nowhere")),
    ];
    for req in garbage {
        assert_ne!(req.send().await.unwrap().status(), 429);
    }
    // The seventh is refused at the door, whatever it is, with a valid token or none.
    let token = sign(&claims());
    let session = t.http.get(v1("/session")).bearer_auth(&token).send().await;
    assert_rate_limited(session.unwrap(), "session with a valid token").await;
    let verify = t
        .http
        .post(v1("/otp/verify"))
        .bearer_auth(&token)
        .json(&json!({ "code": "123456" }))
        .send()
        .await;
    assert_rate_limited(verify.unwrap(), "verify").await;
    let unparsed = t.http.post(v1("/otp/verify")).body("{").send().await;
    assert_rate_limited(unparsed.unwrap(), "malformed").await;
    // The trainee's count cannot be read from this address for a minute; HRD's log can.
    let calls = t.upstream_calls().await;
    assert!(calls.is_empty(), "reached the sandbox: {calls:?}");
}

#[tokio::test]
async fn ipv6_clients_are_counted_per_64() {
    let t = target(&["--per-ip-per-minute", "3", "--trusted-proxies", "127.0.0.1"]).await;
    let mut statuses = vec![];
    // Four addresses of one /64 (one host can use them all), then one of another /64.
    for xff in [
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2:ffff::3",
        "2001:db8:1:2:abcd::4",
        "2001:db8:1:3::1",
    ] {
        let res = t
            .http
            .get(format!("{}/v1/nowhere", t.url))
            .header("X-Forwarded-For", xff)
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [404, 404, 404, 429, 404]);
}

impl Target {
    async fn post_state(&self, path: &str, state: &str) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.url))
            .bearer_auth(sign(&claims()))
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn resets_and_substitute_completions_are_limited_per_trainee() {
    let t = target(&[]).await;
    for path in ["/v1/lock/reset", "/v1/substitute/complete"] {
        let unknown = "0".repeat(32);
        for _ in 0..5 {
            assert_eq!(t.post_state(path, &unknown).await.status(), 409, "{path}");
        }
        assert_rate_limited(t.post_state(path, &unknown).await, path).await;
    }
    t.assert_nothing_moved(vec![], 12).await;
}

#[tokio::test]
async fn a_trainee_has_at_most_three_identity_checks_pending() {
    let t = target(&[]).await;
    let start = || {
        t.http
            .post(format!("{}/v1/identity/start", t.url))
            .bearer_auth(sign(&claims()))
            .header("Origin", &t.url)
            .send()
    };
    for _ in 0..3 {
        assert_eq!(start().await.unwrap().status(), 200);
    }
    assert_rate_limited(start().await.unwrap(), "a fourth pending check").await;
    // Another trainee is not held up by this one.
    let mut other = claims();
    other.sub = "someone-else".into();
    let res = t
        .http
        .post(format!("{}/v1/identity/start", t.url))
        .bearer_auth(sign(&other))
        .header("Origin", &t.url)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    t.assert_nothing_moved(vec![], 5).await;
}

#[tokio::test]
async fn failed_basic_logins_are_throttled_per_tenant_and_address() {
    let t = target(&[]).await;
    let flush = |key: &str| {
        t.http
            .post(format!("{}/v1/admin/outbox/flush", t.url))
            .basic_auth("demo", Some(key))
            .send()
    };
    for i in 0..10 {
        let wrong = format!("wrong-key-{i}-0123456789abcdef0123456789");
        assert_eq!(flush(&wrong).await.unwrap().status(), 401);
    }
    // Over the limit, even the right key waits: guessing costs a minute per ten tries.
    assert_rate_limited(flush(SANDBOX_DEMO_API_KEY).await.unwrap(), "right key").await;
    t.assert_nothing_moved(vec![], 11).await;
}

#[tokio::test]
async fn the_rest_of_the_public_port_is_limited_per_address_too() {
    let t = target(&["--per-ip-per-minute", "4"]).await;
    for path in [
        "/healthz",
        "/readyz",
        "/openapi.json",
        "/.well-known/jwks.json",
    ] {
        let res = t.http.get(format!("{}{path}", t.url)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    for path in [
        "/healthz",
        "/.well-known/jwks.json",
        "/widget/motp-embed.js",
    ] {
        let res = t.http.get(format!("{}{path}", t.url)).send().await.unwrap();
        assert_rate_limited(res, path).await;
    }
}
