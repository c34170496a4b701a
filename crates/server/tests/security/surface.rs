//! The rest of the surface, case by case: codes that are not codes, origins that are not the
//! tenant's, bodies that are not the request, receipts nobody issued, identity checks of someone
//! else, the admin export, the widget's files. Each refused with its status and error; nothing
//! reaches HRD and the trainee's count does not move.

use crate::target::{claims, sign, target, Refusal};
use motp_server::tenant::{SANDBOX_DEMO_API_KEY, SANDBOX_DEMO_SECRET};
use serde_json::json;

#[tokio::test]
async fn codes_that_are_not_codes_never_reach_hrd() {
    let t = target(&[]).await;
    let token = sign(&claims());
    // A trainee per case: the per-trainee limit (10 a minute) would answer first otherwise.
    let as_trainee = |i: usize| {
        let mut c = claims();
        c.sub = format!("codes{i}");
        sign(&c)
    };
    let verify = |body: serde_json::Value, i: usize| {
        t.http
            .post(format!("{}/v1/otp/verify", t.url))
            .bearer_auth(as_trainee(i))
            .json(&body)
    };
    let mut cases = vec![];
    for (i, (name, code)) in [
        ("five digits", "12345"),
        ("seven digits", "1234567"),
        ("full-width, five", "１２３４５"),
        ("zero-width space inside", "123\u{200B}456"),
        ("zero-width joiner inside", "123\u{200D}456"),
        ("bidi override", "\u{202E}123456"),
        ("Arabic-Indic digits", "١٢٣٤٥٦"),
        ("Devanagari digits", "१२३४५६"),
        ("Thai digits", "๑๒๓๔๕๖"),
        ("superscript digits", "¹²³⁴⁵⁶"),
        ("a letter", "12a456"),
        ("empty", ""),
        ("spaces only", "   "),
        ("the app password", "1234"),
        ("a NUL", "123\u{0}456"),
        ("SQL", "1' OR '1'='1"),
        ("decimal", "123.456"),
        ("exponent", "1e5"),
    ]
    .into_iter()
    .enumerate()
    {
        cases.push((
            verify(json!({ "code": code }), i),
            Refusal::new(format!("code {name}"), 422, "invalid_input"),
        ));
    }
    for (name, body, status, error) in [
        (
            "code as a number",
            json!({ "code": 123456 }),
            422,
            "invalid_body",
        ),
        ("code null", json!({ "code": null }), 422, "invalid_body"),
        (
            "code an array",
            json!({ "code": ["123456"] }),
            422,
            "invalid_body",
        ),
        ("no code", json!({}), 422, "invalid_body"),
        ("a list", json!([]), 422, "invalid_body"),
        (
            "over 8 KB",
            json!({ "code": "1".repeat(9000) }),
            413,
            "payload_too_large",
        ),
    ] {
        cases.push((verify(body, 100), Refusal::new(name, status, error)));
    }
    let raw = |ct: &str, body: String| {
        t.http
            .post(format!("{}/v1/otp/verify", t.url))
            .bearer_auth(&token)
            .header("Content-Type", ct)
            .body(body)
    };
    for (name, ct, body, status, error) in [
        (
            "text/plain",
            "text/plain",
            "{\"code\":\"123456\"}".to_string(),
            415,
            "unsupported_media_type",
        ),
        (
            "form",
            "application/x-www-form-urlencoded",
            "code=123456".to_string(),
            415,
            "unsupported_media_type",
        ),
        (
            "truncated JSON",
            "application/json",
            "{\"code\":".to_string(),
            400,
            "malformed_json",
        ),
        (
            "nested 5,000 deep",
            "application/json",
            "[".repeat(5_000),
            422,
            "invalid_body",
        ),
        (
            "duplicate field",
            "application/json",
            "{\"code\":\"1\",\"code\":\"123456\"}".to_string(),
            422,
            "invalid_body",
        ),
        (
            "not UTF-8",
            "application/json",
            String::from_utf8_lossy(b"{\"code\":\"\xff\"}")
                .into_owned()
                .replace('\u{FFFD}', "\\udc00"),
            400,
            "malformed_json",
        ),
    ] {
        cases.push((raw(ct, body), Refusal::new(name, status, error)));
    }
    t.refuse_all(cases).await;
}

#[tokio::test]
async fn origins_that_are_not_the_tenants_are_refused() {
    let t = target(&[]).await;
    let token = sign(&claims());
    let port = t.url.rsplit(':').next().unwrap().to_string();
    let mut cases = vec![];
    for origin in [
        "null".to_string(),
        "https://evil.example".to_string(),
        format!("http://127.0.0.1:{port}.evil.example"),
        format!("http://user@127.0.0.1:{port}"),
        format!("HTTP://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{port}/"),
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.2:{port}"),
        format!("http://[::1]:{port}"),
        "http://127.0.0.1".to_string(),
        format!("http://localhost.:{port}"),
        "".to_string(),
    ] {
        let req = t
            .http
            .get(format!("{}/v1/session", t.url))
            .bearer_auth(&token)
            .header("Origin", &origin);
        cases.push((
            req,
            Refusal::new(format!("Origin {origin:?}"), 403, "origin_not_allowed"),
        ));
    }
    // Preflights from them get no CORS grant.
    for origin in [
        "null",
        "https://evil.example",
        "http://127.0.0.1.evil.example",
    ] {
        let res = t
            .http
            .request(reqwest::Method::OPTIONS, format!("{}/v1/otp/verify", t.url))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .unwrap();
        assert!(
            res.headers().get("access-control-allow-origin").is_none(),
            "{origin}"
        );
    }
    t.refuse_all(cases).await;
}

#[tokio::test]
async fn receipts_nobody_issued_are_refused_and_the_lms_doors_need_their_key() {
    let t = target(&[]).await;
    let redeem = |receipt: &str| {
        t.http
            .post(format!("{}/v1/receipts/redeem", t.url))
            .basic_auth("demo", Some(SANDBOX_DEMO_API_KEY))
            .json(&json!({ "receipt": receipt, "expect": {
                "sub": "attack01", "eval_cd": "01", "class_tme": "3", "sid": "JSESSIONID-attack" } }))
    };
    let receipt_claims = json!({
        "iss": "motp-server", "aud": "demo", "sub": "attack01", "eval_cd": "01", "class_tme": "03",
        "course": "C", "class": "C,1", "sid": "JSESSIONID-attack", "method": "motp", "hrd_code": "200",
        "iat": crate::target::now(), "exp": crate::target::now() + 600, "jti": "forged",
    });
    let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs.typ = Some("motp-receipt+jwt".into());
    let hs_receipt = jsonwebtoken::encode(
        &hs,
        &receipt_claims,
        &jsonwebtoken::EncodingKey::from_secret(SANDBOX_DEMO_SECRET.as_bytes()),
    )
    .unwrap();
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    let none_receipt = format!(
        "{}.{}.",
        B64.encode(json!({"alg": "none", "typ": "motp-receipt+jwt"}).to_string()),
        B64.encode(receipt_claims.to_string())
    );
    let launch = sign(&claims());
    let mut cases = vec![];
    for (name, receipt) in [
        ("a launch token", launch.as_str()),
        ("HS256 under the tenant secret", hs_receipt.as_str()),
        ("alg none", none_receipt.as_str()),
        ("garbage", "not-a-receipt"),
        ("empty", ""),
    ] {
        cases.push((
            redeem(receipt),
            Refusal::new(format!("receipt {name}"), 422, "invalid_receipt"),
        ));
    }
    let big = "a".repeat(5000);
    cases.push((
        redeem(&big),
        Refusal::new("receipt over 4 KB", 422, "invalid_receipt"),
    ));
    let no_expect = t
        .http
        .post(format!("{}/v1/receipts/redeem", t.url))
        .basic_auth("demo", Some(SANDBOX_DEMO_API_KEY))
        .json(&json!({ "receipt": launch }));
    cases.push((no_expect, Refusal::new("no expect", 422, "invalid_body")));
    for (name, path, post) in [
        ("redeem", "/v1/receipts/redeem", true),
        ("flush", "/v1/admin/outbox/flush", true),
        (
            "audit",
            "/v1/admin/audit?from=2026-01-01&to=2026-01-02",
            false,
        ),
    ] {
        let url = format!("{}{path}", t.url);
        let bare = if post {
            t.http.post(&url)
        } else {
            t.http.get(&url)
        };
        cases.push((
            bare.json(&json!({})),
            Refusal::new(format!("{name} without credentials"), 401, "unauthorized"),
        ));
        let bearer = if post {
            t.http.post(&url)
        } else {
            t.http.get(&url)
        };
        cases.push((
            bearer.bearer_auth(&launch).json(&json!({})),
            Refusal::new(format!("{name} with a launch token"), 401, "unauthorized"),
        ));
    }
    let audit = |query: &str| {
        t.http
            .get(format!("{}/v1/admin/audit?{query}", t.url))
            .basic_auth("demo", Some(SANDBOX_DEMO_API_KEY))
    };
    for (query, status, error) in [
        ("from=2026-13-01&to=2026-12-31", 400, "bad_request"),
        ("from=2026-12-02&to=2026-12-01", 400, "bad_request"),
        ("from=yesterday&to=today", 400, "bad_request"),
        (
            "from=2026-01-01&to=2026-01-02&format=xml",
            400,
            "invalid_query",
        ),
        ("to=2026-01-02", 400, "invalid_query"),
    ] {
        cases.push((
            audit(query),
            Refusal::new(format!("audit {query}"), status, error),
        ));
    }
    t.refuse_all(cases).await;
}

#[tokio::test]
async fn identity_checks_are_the_trainees_own_and_start_only_from_the_lms_page() {
    let t = target(&[]).await;
    let mine = sign(&claims());
    let started = t.start_check(&mine, &t.url).await;
    let state = started["state"].as_str().unwrap().to_string();
    let mut other = claims();
    other.sub = "someone-else".into();
    let theirs = sign(&other);
    let mut cases = vec![];
    cases.push((
        t.http
            .get(format!("{}/v1/identity/{state}", t.url))
            .bearer_auth(&theirs),
        Refusal::new("someone else's check", 404, "not_found"),
    ));
    for path in ["/v1/lock/reset", "/v1/substitute/complete"] {
        cases.push((
            t.http
                .post(format!("{}{path}", t.url))
                .bearer_auth(&theirs)
                .json(&json!({ "state": state })),
            Refusal::new(
                format!("{path} with someone else's check"),
                409,
                "identity_check_required",
            ),
        ));
        cases.push((
            t.http
                .post(format!("{}{path}", t.url))
                .bearer_auth(&mine)
                .json(&json!({ "state": state })),
            Refusal::new(
                format!("{path} with a check still pending"),
                409,
                "identity_check_required",
            ),
        ));
    }
    for (name, query, origin, status, error) in [
        ("no Origin", "", None, 400, "bad_request"),
        (
            "another origin",
            "",
            Some("https://evil.example"),
            403,
            "origin_not_allowed",
        ),
        (
            "unknown purpose",
            "?purpose=evil",
            Some(t.url.as_str()),
            400,
            "bad_request",
        ),
        (
            "substitute while HRD answers",
            "?purpose=substitute",
            Some(t.url.as_str()),
            409,
            "substitute_not_available",
        ),
    ] {
        let mut req = t
            .http
            .post(format!("{}/v1/identity/start{query}", t.url))
            .bearer_auth(&theirs);
        if let Some(origin) = origin {
            req = req.header("Origin", origin);
        }
        cases.push((req, Refusal::new(format!("start: {name}"), status, error)));
    }
    let attest = |attestation: String| {
        t.http
            .post(format!("{}/v1/identity/attestations", t.url))
            .json(&json!({ "attestation": attestation }))
    };
    let for_demo = motp_server::domain::jwt::mint(
        &json!({"iss": "demo", "aud": "motp-attestation", "state": state, "result": "T",
                "result_code": "0000", "trnid": "X", "trndt": "2026-11-27 19:00:10",
                "sub": "attack01", "name": "홍길동", "tel": "01012345678",
                "iat": crate::target::now(), "jti": "a1"}),
        SANDBOX_DEMO_SECRET,
    );
    for (name, attestation) in [
        ("for a sandbox-provider tenant", for_demo),
        ("garbage", "x.y.z".to_string()),
        ("over 4 KB", "a".repeat(5000)),
        ("a launch token", mine.clone()),
    ] {
        cases.push((
            attest(attestation),
            Refusal::new(format!("attestation {name}"), 400, "bad_request"),
        ));
    }
    t.refuse_all(cases).await;
}

#[tokio::test]
async fn the_widgets_files_do_not_lead_outside_their_folder() {
    let t = target(&[]).await;
    for path in [
        "/widget/../Cargo.toml",
        "/widget/..%2f..%2fCargo.toml",
        "/widget/%2e%2e/%2e%2e/Cargo.toml",
        "/widget/....//....//etc/passwd",
        "/widget/%252e%252e/Cargo.toml",
        "/widget//etc/passwd",
        "/widget/motp-embed.js%00.png",
    ] {
        let res = t.http.get(format!("{}{path}", t.url)).send().await.unwrap();
        assert!(
            matches!(res.status().as_u16(), 400 | 404),
            "{path}: {}",
            res.status()
        );
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("[package]") && !body.contains("root:"),
            "{path}: {body:.200}"
        );
    }
}
