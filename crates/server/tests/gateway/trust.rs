//! Who can prove what: receipts only the server can sign, redeemed only for what the LMS expects,
//! the API key (never the signing secret) on the LMS server's endpoints, each tenant's outbox its
//! own, and attestations bound to the check's trainee.

use crate::world::*;
use motp_protocol::clock::Clock;
use motp_server::domain::jwt as token;
use serde_json::{json, Value};

impl World {
    /// The published receipt keys.
    async fn jwks(&self) -> Value {
        let url = format!("{}/.well-known/jwks.json", self.server.url());
        self.http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// A fresh receipt for the trainee of [`launch_token`].
    async fn receipt(&self) -> String {
        let (status, body) = self.verify(&self.code_now()).await;
        assert_eq!(status, 200, "{body}");
        body["receipt"].as_str().unwrap().to_string()
    }
}

fn header(jwt: &str) -> jsonwebtoken::Header {
    jsonwebtoken::decode_header(jwt).unwrap()
}

#[tokio::test]
async fn a_receipt_is_signed_by_the_server_alone_and_a_launch_token_is_not_one() {
    let w = world().await;
    let receipt = w.receipt().await;
    let h = header(&receipt);
    assert_eq!(h.alg, jsonwebtoken::Algorithm::EdDSA, "not HS*");
    assert_eq!(h.typ.as_deref(), Some("motp-receipt+jwt"));
    let jwks = w.jwks().await;
    let keys = jwks["keys"].as_array().unwrap();
    let jwk = keys
        .iter()
        .find(|k| k["kid"].as_str() == h.kid.as_deref())
        .expect("the receipt's kid is published");
    assert_eq!(
        (jwk["kty"].clone(), jwk["crv"].clone()),
        (json!("OKP"), json!("Ed25519"))
    );
    assert!(jwk.get("d").is_none(), "no private part");

    // It verifies with the published key, and under the tenant secret it does not.
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    v.set_audience(&["kosa"]);
    v.validate_exp = false;
    let public = jsonwebtoken::DecodingKey::from_ed_components(jwk["x"].as_str().unwrap()).unwrap();
    assert!(jsonwebtoken::decode::<Value>(&receipt, &public, &v).is_ok());
    let mut hs = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    hs.validate_aud = false;
    hs.validate_exp = false;
    let secret = jsonwebtoken::DecodingKey::from_secret(SECRET.as_bytes());
    assert!(jsonwebtoken::decode::<Value>(&receipt, &secret, &hs).is_err());

    // A launch token posted where a receipt is expected: refused, nothing spent.
    let res = w.redeem(&launch_token()).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_receipt");
    assert_eq!(w.redeem(&receipt).await.status(), 200);
}

#[tokio::test]
async fn redeem_proves_only_what_the_lms_expects_and_a_mismatch_spends_nothing() {
    let w = world().await;
    let receipt = w.receipt().await;
    let session = |sid: &str| {
        let mut e = expect("trainee01", "01", "3");
        e["sid"] = json!(sid);
        e
    };
    for wrong in [
        expect("trainee02", "01", "3"), // another trainee's receipt
        expect("trainee01", "02", "3"), // a chapter receipt for an exam
        expect("trainee01", "01", "4"), // chapter 3's for chapter 4
        session("another-session"),
    ] {
        let res = w.redeem_expecting(&receipt, wrong.clone()).await;
        assert_eq!(res.status(), 409, "{wrong}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "receipt_mismatch", "{wrong}");
    }
    // Still unspent: the right expectation redeems it, once.
    assert_eq!(
        w.redeem_expecting(&receipt, expect("trainee01", "01", "03"))
            .await
            .status(),
        200
    );
    let again: Value = w.redeem(&receipt).await.json().await.unwrap();
    assert_eq!(again["error"], "receipt_already_redeemed");

    // `expect` is required.
    let res = w
        .http
        .post(format!("{}/v1/receipts/redeem", w.server.url()))
        .basic_auth("kosa", Some(API_KEY))
        .json(&json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn only_the_api_key_opens_the_lms_servers_endpoints_never_the_signing_secret() {
    let w = world().await;
    let receipt = w.receipt().await;
    let url = |path: &str| format!("{}{path}", w.server.url());
    let redeem = json!({ "receipt": receipt, "expect": expect("trainee01", "01", "3") });
    for key in [SECRET, API_KEY] {
        let audit = w
            .http
            .get(url("/v1/admin/audit?from=2026-11-27&to=2026-11-27"))
            .basic_auth("kosa", Some(key));
        let flush = w
            .http
            .post(url("/v1/admin/outbox/flush"))
            .basic_auth("kosa", Some(key));
        let redeem = w
            .http
            .post(url("/v1/receipts/redeem"))
            .basic_auth("kosa", Some(key))
            .json(&redeem);
        let want = if key == SECRET { 401 } else { 200 };
        for (name, req) in [("audit", audit), ("flush", flush), ("redeem", redeem)] {
            let res = req.send().await.unwrap();
            assert_eq!(
                res.status(),
                want,
                "{name} with the {}",
                if key == SECRET { "secret" } else { "API key" }
            );
        }
    }
}

#[tokio::test]
async fn a_tenants_flush_sends_and_counts_its_own_outbox_only() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    w.sandbox
        .faults
        .set(serde_json::from_value(json!("ie001")).unwrap(), 1);
    let (status, _) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 202, "kosa's reset is queued");
    let flush = |tenant: &'static str, key: &'static str| {
        let req = w
            .http
            .post(format!("{}/v1/admin/outbox/flush", w.server.url()))
            .basic_auth(tenant, Some(key));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(
        flush("other", OTHER_API_KEY).await,
        json!({ "tried": 0, "queued": 0 }),
        "another tenant neither sends nor sees kosa's"
    );
    assert!(w.sandbox.logs(Some("reset")).is_empty());
    assert_eq!(
        flush("kosa", API_KEY).await,
        json!({ "tried": 1, "queued": 0 })
    );
    assert_eq!(w.sandbox.logs(Some("reset")).len(), 1);
}

#[tokio::test]
async fn an_attestation_names_the_checks_trainee_and_has_an_id() {
    let w = world().await;
    let launch = token::mint(&claims("other", "trainee01", NAME, TEL), OTHER_SECRET);
    let started = w.start_check(&launch, "https://lms.other.example").await;
    let state = started["state"].as_str().unwrap();
    let attest = |sub: &str, jti: &str| {
        let claims = json!({
            "iss": "other", "aud": "motp-attestation", "state": state, "sub": sub,
            "result": "T", "result_code": "B000", "trnid": "NICE-1", "trndt": "2026-11-27 19:00:10",
            "name": NAME, "tel": TEL, "iat": T0, "jti": jti,
        });
        let jwt = token::mint(&claims, OTHER_SECRET);
        let req = w
            .http
            .post(format!("{}/v1/identity/attestations", w.server.url()))
            .json(&json!({ "attestation": jwt }));
        async move {
            let res = req.send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = attest("trainee02", "j-1").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("sub"), "{body}");
    let (status, body) = attest("trainee01", " ").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("jti"), "{body}");
    // Neither refusal spent the check or the id: the right attestation goes through.
    let (status, body) = attest("trainee01", "j-1").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_rotated_key_signs_after_a_minute_and_the_old_one_stays_until_its_receipts_expired() {
    let w = world().await;
    let jwks_kids = || async {
        w.jwks().await["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let old = w.receipt().await;
    let old_kid = header(&old).kid.unwrap();
    let store = &w.server.state.gateway.store;
    let new_kid = motp_server::domain::receipt_keys::rotate(store, w.clock.now_unix())
        .await
        .unwrap();
    assert_ne!(new_kid, old_kid);

    // A minute on (instances reload their keys): both published, the new one signs.
    w.clock.advance(61);
    assert_eq!(jwks_kids().await, [old_kid.clone(), new_kid.clone()]);
    let new = w.receipt().await;
    assert_eq!(header(&new).kid.as_deref(), Some(new_kid.as_str()));
    assert_eq!(w.redeem(&new).await.status(), 200);

    // Once every receipt the old key may have signed has expired, only the new key is published.
    w.clock.advance(60 + 600 + 1);
    assert_eq!(jwks_kids().await, [new_kid]);
}
