//! Attestations an LMS server posts for its own identity checks: replayed, signed by another
//! tenant, for another trainee, stale, from the future, malformed. Each refused as `bad_request`;
//! the check stays pending and nothing reaches HRD.

use crate::target::{claims, lms_attested_tenants, now, target, Refusal, LMSA_ORIGIN, LMSA_SECRET};
use motp_server::domain::jwt as token;
use motp_server::tenant::SANDBOX_DEMO_SECRET;
use serde_json::{json, Value};

#[tokio::test]
async fn attestations_are_the_tenants_fresh_and_for_the_checks_trainee() {
    let dir = tempfile::tempdir().unwrap();
    let t = target(&["--config", &lms_attested_tenants(dir.path())]).await;
    let mut c = claims();
    c.iss = "lmsa".into();
    let launch = token::mint(&c, LMSA_SECRET);
    let started = t.start_check(&launch, LMSA_ORIGIN).await;
    let state = started["state"].as_str().expect("a check").to_string();
    let good = json!({
        "iss": "lmsa", "aud": "motp-attestation", "state": state, "result": "T",
        "result_code": "0000", "trnid": "NICE-1", "trndt": motp_protocol::kst::format_unix(now()),
        "sub": c.sub, "name": c.name, "tel": c.tel, "iat": now(), "jti": "ok-1",
    });
    let with = |change: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        change(&mut v);
        v
    };
    let post = |attestation: String| {
        t.http
            .post(format!("{}/v1/identity/attestations", t.url))
            .json(&json!({ "attestation": attestation }))
    };
    let mut cases = vec![];
    for (name, claims, secret) in [
        (
            "signed with another tenant's secret",
            good.clone(),
            SANDBOX_DEMO_SECRET,
        ),
        (
            "iss of another tenant",
            with(&|v| v["iss"] = json!("demo")),
            SANDBOX_DEMO_SECRET,
        ),
        (
            "for another trainee",
            with(&|v| v["sub"] = json!("someone-else")),
            LMSA_SECRET,
        ),
        (
            "an hour old",
            with(&|v| v["iat"] = json!(now() - 3600)),
            LMSA_SECRET,
        ),
        (
            "from the future",
            with(&|v| v["iat"] = json!(now() + 600)),
            LMSA_SECRET,
        ),
        (
            "iat i64::MIN",
            with(&|v| v["iat"] = json!(i64::MIN)),
            LMSA_SECRET,
        ),
        (
            "result neither T nor F",
            with(&|v| v["result"] = json!("Y")),
            LMSA_SECRET,
        ),
        (
            "trndt malformed",
            with(&|v| v["trndt"] = json!("yesterday")),
            LMSA_SECRET,
        ),
        ("no jti", with(&|v| v["jti"] = json!(" ")), LMSA_SECRET),
        ("no trnid", with(&|v| v["trnid"] = json!("")), LMSA_SECRET),
        (
            "unknown state",
            with(&|v| v["state"] = json!("0".repeat(32))),
            LMSA_SECRET,
        ),
        (
            "malformed state",
            with(&|v| v["state"] = json!("x\u{0}")),
            LMSA_SECRET,
        ),
        (
            "aud of launch tokens",
            with(&|v| v["aud"] = json!("motp-launch")),
            LMSA_SECRET,
        ),
        (
            "a NUL in the name",
            with(&|v| v["name"] = json!("홍\u{0}길동")),
            LMSA_SECRET,
        ),
        (
            "a 200-byte trnid",
            with(&|v| v["trnid"] = json!("T".repeat(200))),
            LMSA_SECRET,
        ),
    ] {
        cases.push((
            post(token::mint(&claims, secret)),
            Refusal::new(format!("attestation {name}"), 400, "bad_request"),
        ));
    }
    let n = cases.len();
    let mut failures = vec![];
    for (request, expected) in cases {
        failures.extend(t.judge(&expected, request.send().await).await);
    }
    assert!(
        failures.is_empty(),
        "{} of {n}:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Still pending: none of them recorded anything.
    let status = t.http.get(format!("{}/v1/identity/{state}", t.url));
    let status: Value = status
        .bearer_auth(&launch)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "pending");
    // The genuine one is accepted once; its replay is refused.
    assert_eq!(
        post(token::mint(&good, LMSA_SECRET))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let replay = post(token::mint(&good, LMSA_SECRET)).send().await;
    let expected = Refusal::new("attestation replayed", 400, "bad_request");
    assert_eq!(t.judge(&expected, replay).await, None);
    let calls = t.upstream_calls().await;
    assert!(calls.is_empty(), "reached the sandbox: {calls:?}");
}
