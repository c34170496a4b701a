//! The OpenAPI document: served at `/openapi.json`, committed as `docs/openapi.json`, the same.

use crate::world::world;

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let w = world().await;
    let res = w
        .http
        .get(format!("{}/openapi.json", w.server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/json");
    let served = res.text().await.unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap();
    assert!(
        served == committed,
        "docs/openapi.json is stale: run `cargo run -p motp-server -- openapi > docs/openapi.json`"
    );
    let doc: serde_json::Value = serde_json::from_str(&served).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    // Every route of the API is in it.
    for path in [
        "/v1/session",
        "/v1/otp/verify",
        "/v1/identity/start",
        "/v1/identity/{state}",
        "/v1/identity/attestations",
        "/v1/lock/reset",
        "/v1/substitute/complete",
        "/v1/receipts/redeem",
        "/v1/admin/audit",
        "/v1/admin/outbox/flush",
        "/.well-known/jwks.json",
        "/healthz",
        "/readyz",
        "/openapi.json",
        "/console",
        "/console/login",
        "/console/logout",
        "/console/lang",
        "/console/trainees",
        "/console/trainees/{usrid}",
        "/console/codes",
        "/console/audit",
        "/console/style.css",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} is missing");
    }
}
