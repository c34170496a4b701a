//! What a request may name besides its token: identity check ids (`state`) of the wrong form,
//! USRIDs in the admin export, and LMS-server credentials that are almost right. Each is refused
//! with its own error before it reaches SQL or HRD, and nothing moves.

use crate::target::{claims, sign, target, Refusal};
use motp_server::tenant::SANDBOX_DEMO_API_KEY;
use serde_json::json;

/// State values no check can have: refused as `bad_request`, not looked up.
const BAD_STATES: [&str; 8] = [
    "%00",
    "abc%00def",
    "0123456789abcdef0123456789ABCDEF",
    "0123456789abcdef0123456789abcde",
    "0123456789abcdef0123456789abcdef0",
    "..%2F..%2Fetc%2Fpasswd",
    "'%20OR%20'1'%3D'1",
    "%E2%80%8B0123456789abcdef0123456789abcde",
];

#[tokio::test]
async fn malformed_check_ids_are_refused_before_sql() {
    let t = target(&[]).await;
    let token = sign(&claims());
    let mut cases = vec![];
    for state in BAD_STATES {
        let request = t
            .http
            .get(format!("{}/v1/identity/{state}", t.url))
            .bearer_auth(&token);
        let case = format!("GET /v1/identity/{state}");
        cases.push((request, Refusal::new(case, 400, "bad_request")));
    }
    for raw in [
        "\u{0}",
        "x",
        "0123456789ABCDEF0123456789ABCDEF",
        "' OR 1=1 --",
        "",
    ] {
        for path in ["/v1/lock/reset", "/v1/substitute/complete"] {
            let request = t
                .http
                .post(format!("{}{path}", t.url))
                .bearer_auth(&token)
                .json(&json!({ "state": raw }));
            let case = format!("POST {path} state={raw:?}");
            cases.push((request, Refusal::new(case, 400, "bad_request")));
        }
    }
    t.refuse_all(cases).await;
}

#[tokio::test]
async fn the_admin_export_refuses_malformed_usrids_and_almost_right_credentials() {
    let t = target(&[]).await;
    let audit = |usrid: &str| {
        t.http.get(format!(
            "{}/v1/admin/audit?from=2026-01-01&to=2026-01-02&usrid={usrid}",
            t.url
        ))
    };
    let mut cases = vec![];
    for usrid in ["%00", "a%0Ab", "a%20b", &"a".repeat(65), "%27%20OR%201%3D1"] {
        let request = audit(usrid).basic_auth("demo", Some(SANDBOX_DEMO_API_KEY));
        let case = format!("audit usrid={usrid:.20}");
        cases.push((request, Refusal::new(case, 400, "bad_request")));
    }
    let prefix = &SANDBOX_DEMO_API_KEY[..SANDBOX_DEMO_API_KEY.len() - 1];
    let longer = format!("{SANDBOX_DEMO_API_KEY}x");
    for (user, password) in [
        ("demo", prefix),
        ("demo", longer.as_str()),
        ("demo", ""),
        ("", SANDBOX_DEMO_API_KEY),
        ("other", SANDBOX_DEMO_API_KEY),
        ("demo", motp_server::tenant::SANDBOX_DEMO_SECRET),
    ] {
        let request = audit("attack01").basic_auth(user, Some(password));
        let case = format!("Basic {user}:{password:.8}…");
        cases.push((request, Refusal::new(case, 401, "unauthorized")));
    }
    t.refuse_all(cases).await;
}
