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
    let mut failures = vec![];
    let mut cases = 0;
    for state in BAD_STATES {
        let res = t
            .http
            .get(format!("{}/v1/identity/{state}", t.url))
            .bearer_auth(&token)
            .send()
            .await;
        let case = format!("GET /v1/identity/{state}");
        let expected = Refusal {
            case,
            status: 400,
            error: "bad_request",
        };
        failures.extend(t.judge(&expected, res).await);
        cases += 1;
    }
    for raw in [
        "\u{0}",
        "x",
        "0123456789ABCDEF0123456789ABCDEF",
        "' OR 1=1 --",
        "",
    ] {
        for path in ["/v1/lock/reset", "/v1/substitute/complete"] {
            let res = t
                .http
                .post(format!("{}{path}", t.url))
                .bearer_auth(&token)
                .json(&json!({ "state": raw }))
                .send()
                .await;
            let case = format!("POST {path} state={raw:?}");
            let expected = Refusal {
                case,
                status: 400,
                error: "bad_request",
            };
            failures.extend(t.judge(&expected, res).await);
            cases += 1;
        }
    }
    t.assert_nothing_moved(failures, cases).await;
}

#[tokio::test]
async fn the_admin_export_refuses_malformed_usrids_and_almost_right_credentials() {
    let t = target(&[]).await;
    let audit = |usrid: &str| {
        format!(
            "{}/v1/admin/audit?from=2026-01-01&to=2026-01-02&usrid={usrid}",
            t.url
        )
    };
    let mut failures = vec![];
    let mut cases = 0;
    for usrid in ["%00", "a%0Ab", "a%20b", &"a".repeat(65), "%27%20OR%201%3D1"] {
        let res = t
            .http
            .get(audit(usrid))
            .basic_auth("demo", Some(SANDBOX_DEMO_API_KEY))
            .send()
            .await;
        let case = format!("audit usrid={usrid:.20}");
        let expected = Refusal {
            case,
            status: 400,
            error: "bad_request",
        };
        failures.extend(t.judge(&expected, res).await);
        cases += 1;
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
        let res = t
            .http
            .get(audit("attack01"))
            .basic_auth(user, Some(password))
            .send()
            .await;
        let case = format!("Basic {user}:{password:.8}…");
        let expected = Refusal {
            case,
            status: 401,
            error: "unauthorized",
        };
        failures.extend(t.judge(&expected, res).await);
        cases += 1;
    }
    t.assert_nothing_moved(failures, cases).await;
}
