//! Launch tokens an attacker (or a careless LMS) could present: forged, expired, other
//! algorithms, wrong `aud`/`iss`, lifetimes that overflow, oversized tokens and claims, names
//! that draw nothing. Each is refused as `invalid_token` (or `token_expired`) before HRD is asked.

use crate::target::{claims, now, sign, target, Refusal};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use motp_server::domain::jwt::LaunchClaims;
use motp_server::tenant::SANDBOX_DEMO_SECRET;
use serde_json::{json, Value};

/// A JWT with this header and payload, signed HS256 with `secret` whatever the header says.
fn raw(header: Value, payload: Value, secret: &str) -> String {
    use ring::hmac;
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    let tag = hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(tag.as_ref()))
}

/// The good claims as JSON, with `change` applied.
fn payload(change: impl FnOnce(&mut Value)) -> Value {
    let mut v = serde_json::to_value(claims()).unwrap();
    change(&mut v);
    v
}

fn hs256(payload: Value) -> String {
    raw(
        json!({"alg": "HS256", "typ": "JWT"}),
        payload,
        SANDBOX_DEMO_SECRET,
    )
}

fn with(change: impl FnOnce(&mut LaunchClaims)) -> String {
    let mut c = claims();
    change(&mut c);
    sign(&c)
}

/// Every token case: its name, the token, and how it must be refused.
fn cases() -> Vec<(String, String, u16, &'static str)> {
    let now = now();
    let bad = |name: &str, token: String| (name.to_string(), token, 401, "invalid_token");
    let mut cases = vec![
        bad("not a JWT", "hello".into()),
        bad("two parts", "a.b".into()),
        bad("empty parts", "..".into()),
        bad("garbage base64", "!!!.@@@.###".into()),
        bad("signature tampered", sign(&claims()) + "x"),
        bad(
            "forged: signed with another key",
            motp_server::domain::jwt::mint(&claims(), "not-the-demo-secret-0123456789abcdef"),
        ),
        bad(
            "alg none, no signature",
            format!(
                "{}.{}.",
                B64.encode(json!({"alg": "none", "typ": "JWT"}).to_string()),
                B64.encode(payload(|_| {}).to_string())
            ),
        ),
        bad(
            "alg None, no signature",
            format!(
                "{}.{}.",
                B64.encode(json!({"alg": "None"}).to_string()),
                B64.encode(payload(|_| {}).to_string())
            ),
        ),
        bad(
            "HS512 under the tenant secret",
            jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
                &claims(),
                &jsonwebtoken::EncodingKey::from_secret(SANDBOX_DEMO_SECRET.as_bytes()),
            )
            .unwrap(),
        ),
        bad(
            "HS384 under the tenant secret",
            jsonwebtoken::encode(
                &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS384),
                &claims(),
                &jsonwebtoken::EncodingKey::from_secret(SANDBOX_DEMO_SECRET.as_bytes()),
            )
            .unwrap(),
        ),
        bad(
            "RS256 header, HMAC signature",
            raw(
                json!({"alg": "RS256"}),
                payload(|_| {}),
                SANDBOX_DEMO_SECRET,
            ),
        ),
        bad(
            "EdDSA header (a receipt's), HMAC signature",
            raw(
                json!({"alg": "EdDSA"}),
                payload(|_| {}),
                SANDBOX_DEMO_SECRET,
            ),
        ),
        bad(
            "signed with an empty secret",
            raw(json!({"alg": "HS256"}), payload(|_| {}), ""),
        ),
        bad(
            "wrong aud",
            hs256(payload(|p| p["aud"] = json!("motp-attestation"))),
        ),
        bad(
            "aud of receipts",
            hs256(payload(|p| p["aud"] = json!("demo"))),
        ),
        bad("aud missing", hs256(payload(|p| p["aud"] = Value::Null))),
        bad("aud empty array", hs256(payload(|p| p["aud"] = json!([])))),
        bad("iss unknown", hs256(payload(|p| p["iss"] = json!("evil")))),
        bad("iss missing", hs256(payload(|p| p["iss"] = Value::Null))),
        bad("iss as a number", hs256(payload(|p| p["iss"] = json!(1)))),
        bad("sub missing", hs256(payload(|p| p["sub"] = Value::Null))),
        bad("sub with a space", with(|c| c.sub = "a b".into())),
        bad("sub with a newline", with(|c| c.sub = "a\nb".into())),
        bad("sub with SQL", with(|c| c.sub = "x' OR '1'='1".into())),
        bad("sub of 65 characters", with(|c| c.sub = "a".repeat(65))),
        bad("exp missing", hs256(payload(|p| p["exp"] = Value::Null))),
        bad(
            "exp as a string",
            hs256(payload(|p| p["exp"] = json!("never"))),
        ),
        bad(
            "exp as a float",
            hs256(payload(|p| p["exp"] = json!(1e300))),
        ),
        bad(
            "lifetime wraps: iat -1000, exp i64::MAX",
            with(|c| {
                c.iat = -1000;
                c.exp = i64::MAX
            }),
        ),
        bad(
            "lifetime wraps: iat i64::MIN",
            with(|c| {
                c.iat = i64::MIN;
                c.exp = now + 60
            }),
        ),
        bad("exp i64::MAX", with(|c| c.exp = i64::MAX)),
        bad("exp an hour ahead", with(|c| c.exp = now + 3600)),
        bad(
            "exp 16 minutes ahead, iat now",
            with(|c| c.exp = now + 16 * 60),
        ),
        bad(
            "iat in the future",
            with(|c| {
                c.iat = now + 300;
                c.exp = now + 600
            }),
        ),
        bad(
            "exp before iat",
            with(|c| {
                c.iat = now;
                c.exp = now - 1
            }),
        ),
        bad(
            "token over 4 KB (60 KB COURSE_AGENT_PK)",
            with(|c| c.course = "C".repeat(60 * 1024)),
        ),
        bad(
            "token over 4 KB (padded sid)",
            with(|c| c.sid = "S".repeat(5000)),
        ),
        bad(
            "course of 101 characters",
            with(|c| c.course = "C".repeat(101)),
        ),
        bad(
            "class of 101 characters",
            with(|c| c.class = "C".repeat(101)),
        ),
        bad("sid of 257 characters", with(|c| c.sid = "S".repeat(257))),
        bad(
            "course with CRLF",
            with(|c| c.course = "C1\r\nX-Evil: 1".into()),
        ),
        bad("course with NUL", with(|c| c.course = "C1\0".into())),
        bad(
            "name of zero-width spaces",
            with(|c| c.name = "\u{200B}\u{200B}\u{200B}".into()),
        ),
        bad(
            "name with a zero-width joiner",
            with(|c| c.name = "홍\u{200D}길동".into()),
        ),
        bad(
            "name with a right-to-left override",
            with(|c| c.name = "\u{202E}동길홍".into()),
        ),
        bad(
            "name with a bidi isolate",
            with(|c| c.name = "홍길동\u{2067}".into()),
        ),
        bad(
            "name of Hangul fillers",
            with(|c| c.name = "\u{3164}\u{3164}".into()),
        ),
        bad(
            "name with a BOM",
            with(|c| c.name = "\u{FEFF}홍길동".into()),
        ),
        bad(
            "name with a control character",
            with(|c| c.name = "홍길동\u{7}".into()),
        ),
        bad("name of 51 characters", with(|c| c.name = "홍".repeat(51))),
        bad("name empty", with(|c| c.name = "  ".into())),
        bad("name of punctuation only", with(|c| c.name = "...".into())),
        bad("tel not a mobile", with(|c| c.tel = "02-123-4567".into())),
        bad("tel with letters", with(|c| c.tel = "010-abcd-5678".into())),
        bad("eval_cd unknown", with(|c| c.eval_cd = "55".into())),
        bad("class_tme not a number", with(|c| c.class_tme = "x".into())),
        bad("jti empty", with(|c| c.jti = " ".into())),
        bad("jti of 129 characters", with(|c| c.jti = "j".repeat(129))),
    ];
    cases.push((
        "expired ten minutes ago".into(),
        with(|c| {
            c.iat = now - 900;
            c.exp = now - 600
        }),
        401,
        "token_expired",
    ));
    cases
}

#[tokio::test]
async fn bad_launch_tokens_are_refused_before_hrd_is_asked() {
    let t = target(&[]).await;
    let cases = cases();
    let mut failures = vec![];
    for (case, token, status, error) in &cases {
        let res = t
            .http
            .post(format!("{}/v1/otp/verify", t.url))
            .bearer_auth(token)
            .json(&json!({ "code": "123456" }))
            .send()
            .await;
        let expected = Refusal {
            case: case.clone(),
            status: *status,
            error,
        };
        failures.extend(t.judge(&expected, res).await);
    }
    t.assert_nothing_moved(failures, cases.len()).await;
}
