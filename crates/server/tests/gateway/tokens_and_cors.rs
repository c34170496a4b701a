//! Who may call: expired, tampered and other tenants' launch tokens are refused, and CORS lets
//! only the tenant's own LMS origins in.

use crate::world::{claims, launch_token, world, NAME, ORIGIN, OTHER_SECRET, SECRET, T0, TEL};
use motp_server::domain::jwt::{self as token, LaunchClaims};
use serde_json::json;

#[tokio::test]
async fn expired_tampered_and_foreign_tokens_are_refused() {
    let w = world().await;
    let code = w.code_now();
    let expired = token::mint(
        &LaunchClaims {
            iat: T0 - 900,
            exp: T0 - 60,
            ..claims("kosa", "trainee01", NAME, TEL)
        },
        SECRET,
    );
    let forged = token::mint(
        &claims("kosa", "trainee01", NAME, TEL),
        "not-the-kosa-secret-0123456789abcdef",
    );
    let other = token::mint(&claims("other", "trainee01", NAME, TEL), OTHER_SECRET);
    let mut tampered = launch_token();
    let payload_start = tampered.find('.').unwrap() + 1;
    tampered.replace_range(payload_start..payload_start + 2, "ey");
    tampered.insert(payload_start + 5, 'x');
    for (token, error, status) in [
        (expired.as_str(), "token_expired", 401),
        (forged.as_str(), "invalid_token", 401),
        (tampered.as_str(), "invalid_token", 401),
        // A valid token of another tenant, used from this tenant's LMS page.
        (other.as_str(), "origin_not_allowed", 403),
        ("", "missing_token", 401),
    ] {
        let (got, body) = w.verify_with(token, json!({ "code": code })).await;
        assert_eq!(
            (got, body["error"].as_str().unwrap()),
            (status, error),
            "{token:.20}"
        );
    }
    assert!(w.arrived().is_empty());
}

#[tokio::test]
async fn cors_allows_only_the_tenants_origins() {
    let w = world().await;
    let preflight = |origin: &'static str| {
        w.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/otp/verify", w.server.url()),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
    };
    let ok = preflight(ORIGIN).await.unwrap();
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    let evil = preflight("https://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());

    let res = w
        .http
        .post(format!("{}/v1/otp/verify", w.server.url()))
        .bearer_auth(launch_token())
        .header("Origin", "https://evil.example")
        .json(&json!({ "code": w.code_now() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(w.arrived().is_empty());
}
