//! Tenants whose LMS does the identity check itself (`identity_provider = "lms-attested"`) and
//! posts a signed attestation.

use crate::world::{claims, world, NAME, OTHER_SECRET, T0, TEL};
use motp_server::domain::jwt as token;
use serde_json::json;

const OTHER_ORIGIN: &str = "https://lms.other.example";

fn attestation(state: &str, iat: i64, jti: &str, name: &str) -> String {
    let claims = json!({
        "iss": "other", "aud": "motp-attestation", "state": state, "result": "T",
        "result_code": "B000", "trnid": "NICE-2026112719001234", "trndt": "2026-11-27 19:00:10",
        "sub": "trainee01", "name": name, "tel": "010-1234-5678", "iat": iat, "jti": jti,
    });
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(OTHER_SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn lms_attested_checks_are_signed_fresh_and_used_once() {
    let w = world().await;
    let token = token::mint(&claims("other", "trainee01", NAME, TEL), OTHER_SECRET);
    let started = w.start_check(&token, OTHER_ORIGIN).await;
    let state = started["state"].as_str().unwrap();
    assert_eq!(
        started["popup_url"],
        format!("https://lms.other.example/motp/identity?state={state}")
    );
    let post = |body: String| {
        w.http
            .post(format!("{}/v1/identity/attestations", w.server.url()))
            .json(&json!({ "attestation": body }))
            .send()
    };
    // Signed with the wrong key, or too old: refused.
    let forged = attestation(state, T0, "j0", NAME).replace('.', "-");
    assert_eq!(post(forged).await.unwrap().status(), 400);
    assert_eq!(
        post(attestation(state, T0 - 11 * 60, "j1", NAME))
            .await
            .unwrap()
            .status(),
        400
    );

    let good = attestation(state, T0, "j2", NAME);
    assert_eq!(post(good.clone()).await.unwrap().status(), 200);
    let replay = post(good).await.unwrap();
    assert_eq!(replay.status(), 400);
    assert!(replay.text().await.unwrap().contains("replayed"));

    let res = w
        .http
        .post(format!("{}/v1/lock/reset", w.server.url()))
        .bearer_auth(&token)
        .header("Origin", OTHER_ORIGIN)
        .json(&json!({ "state": state }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let f = &w.sandbox.logs(Some("reset"))[0].fields;
    assert_eq!(
        (
            f["M_RETCD"].as_str(),
            f["M_TRNID"].as_str(),
            f["M_TRNDT"].as_str()
        ),
        ("B000", "NICE-2026112719001234", "2026-11-27 19:00:10")
    );
    assert_eq!(f["AGTID"], "OTHER01");
}

#[tokio::test]
async fn attestations_are_limited_per_trainee() {
    let w = world().await;
    let token = token::mint(&claims("other", "trainee01", NAME, TEL), OTHER_SECRET);
    let started = w.start_check(&token, OTHER_ORIGIN).await;
    let state = started["state"].as_str().unwrap();
    let post = |jti: String| {
        w.http
            .post(format!("{}/v1/identity/attestations", w.server.url()))
            .json(&json!({ "attestation": attestation(state, T0, &jti, NAME) }))
            .send()
    };
    // One records the result; four more are refused as answered already; all five count.
    let mut statuses = vec![];
    for i in 0..6 {
        statuses.push(post(format!("a{i}")).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [200, 400, 400, 400, 400, 429]);
}
