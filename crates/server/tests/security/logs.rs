//! Logs are structured fields; what a request carries is never spliced into a plain-text line
//! where a newline could forge another one.

use crate::target::{
    lms_attested_tenants, sign, target, Refusal, LMSA_ORIGIN as ORIGIN, LMSA_SECRET as SECRET,
};
use motp_server::domain::jwt as token;
use serde_json::json;

#[tokio::test]
async fn a_newline_in_what_a_request_carries_never_starts_a_log_line() {
    let dir = tempfile::tempdir().unwrap();
    let t = target(&["--config", &lms_attested_tenants(dir.path())]).await;
    let mut c = crate::target::claims();
    c.iss = "lmsa".into();
    let launch = token::mint(&c, SECRET);
    let started = t.start_check(&launch, ORIGIN).await;
    let state = started["state"].as_str().expect("a check").to_string();
    let forged = "FORGED motp_server: admin login accepted";
    let attestation = token::mint(
        &json!({"iss": "lmsa", "aud": "motp-attestation", "state": state, "result": "T",
                "result_code": "0000", "trnid": format!("NICE-1\n{forged}"),
                "trndt": motp_protocol::kst::format_unix(crate::target::now()),
                "sub": c.sub, "name": c.name, "tel": c.tel,
                "iat": crate::target::now(), "jti": "log1"}),
        SECRET,
    );
    let attest = t
        .http
        .post(format!("{}/v1/identity/attestations", t.url))
        .json(&json!({ "attestation": attestation }));
    // A launch token naming an `iss` with a newline is logged when refused.
    let mut evil = crate::target::claims();
    evil.iss = format!("demo\n{forged}");
    let refused_token = t
        .http
        .get(format!("{}/v1/session", t.url))
        .bearer_auth(sign(&evil));
    let cases = vec![
        (
            attest,
            Refusal::new("attestation with a newline in trnid", 400, "bad_request"),
        ),
        (
            refused_token,
            Refusal::new("iss with a newline", 401, "invalid_token"),
        ),
    ];
    let n = cases.len();
    let mut failures = vec![];
    for (request, expected) in cases {
        failures.extend(t.judge(&expected, request.send().await).await);
    }
    // The refusal of the token is logged before its answer is sent: wait (bounded) for that line.
    let logged = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if t.log
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains("launch token refused"))
            {
                break;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert!(logged.is_ok(), "the refusal was not logged");
    let log = t.log.lock().unwrap().clone();
    assert!(
        !log.iter().any(|l| l.starts_with("FORGED")),
        "a forged line: {log:#?}"
    );
    assert!(failures.is_empty(), "{failures:?} of {n}");
    let calls = t.upstream_calls().await;
    assert!(calls.is_empty(), "reached the sandbox: {calls:?}");
}
