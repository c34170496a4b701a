//! The gateway over real HTTP on loopback, with the HRD sandbox as its upstream on its own socket.
//! Time is injected: one fixed clock for both, moved by the tests, never slept on.

mod common;

use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::AdjustableClock;
use motp_server::config::ServeArgs;
use motp_server::launch::{self, Running};
use motp_server::token::{self, LaunchClaims, LAUNCH_AUDIENCE};
use serde_json::{json, Value};
use std::sync::Arc;

const T0: i64 = 1_795_773_620; // 2026-11-27 19:00:20 KST
const SECRET: &str = "kosa-test-secret-0123456789abcdef0123";
const ORIGIN: &str = "https://lms.kosa.example";
const NAME: &str = "홍길동";
const TEL: &str = "01012345678";

struct World {
    clock: Arc<AdjustableClock>,
    sandbox: Arc<Sandbox>,
    sandbox_url: String,
    server: Running,
    device: String,
    http: reqwest::Client,
    dir: tempfile::TempDir,
    db: String,
}

fn tenants_toml(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("tenants.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[[tenants]]
id = "kosa"
agtid = "KOSA01"
origins = ["{ORIGIN}"]
secret = "{SECRET}"
identity_provider = "sandbox"

[[tenants]]
id = "other"
agtid = "OTHER01"
origins = ["https://lms.other.example"]
secret = "other-tenant-secret-0123456789abcdef01"
identity_provider = "lms-attested"
attest_url = "https://lms.other.example/motp/identity"

[[tenants]]
id = "hist"
agtid = "SANDBOXAGT"
origins = ["https://lms.hist.example"]
secret = "hist-tenant-secret-0123456789abcdef0123"
identity_provider = "sandbox"
emon_api_key = "sandbox-emon-key"
emon_api_user = "SANDBOXAGT"
"#
        ),
    )
    .unwrap();
    path
}

async fn start_server(
    dir: &std::path::Path,
    db: &str,
    clock: Arc<AdjustableClock>,
    hrd: &str,
) -> Running {
    let args = ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        config: Some(tenants_toml(dir)),
        database_url: db.to_string(),
        hrd_url: Some(hrd.to_string()),
        hrd_timeout_secs: 2,
        widget_dir: dir.join("no-widget"),
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        per_trainee_per_minute: 50,
        per_ip_per_minute: 500,
        sandbox_clock_offset: 0,
        sandbox_state: dir.join("unused.json"),
        allow_sandbox_identity: true,
        emon_url: Some(hrd.to_string()),
        emon_api_url: None,
        outbox_interval_secs: 0,
        log_json: false,
    };
    launch::start(&args, clock, std::future::pending())
        .await
        .unwrap()
}

async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = AdjustableClock::fixed(T0);
    let sandbox = Sandbox::new(SandboxConfig::default(), clock.clone()).unwrap();
    let device = sandbox.register_device(NAME, TEL, "1234").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
    let router = hrd_sandbox::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let db = common::database_url(dir.path()).await;
    let server = start_server(dir.path(), &db, clock.clone(), &sandbox_url).await;
    World {
        clock,
        sandbox,
        sandbox_url,
        server,
        device,
        http: reqwest::Client::new(),
        dir,
        db,
    }
}

fn claims(tenant: &str, usrid: &str, name: &str, tel: &str) -> LaunchClaims {
    LaunchClaims {
        iss: tenant.into(),
        aud: LAUNCH_AUDIENCE.into(),
        sub: usrid.into(),
        name: name.into(),
        tel: tel.into(),
        course: "AIG20260001".into(),
        class: "AIG20260001,3".into(),
        eval_cd: "01".into(),
        class_tme: "3".into(),
        sid: "JSESSIONID-abc".into(),
        iat: T0,
        exp: T0 + 600,
        jti: token::random_id(),
    }
}

fn launch_token() -> String {
    token::mint(&claims("kosa", "trainee01", NAME, TEL), SECRET)
}

impl World {
    fn code_now(&self) -> String {
        self.sandbox
            .device_code(&self.device, "1234", None)
            .unwrap()
    }

    fn wrong_code(&self) -> String {
        format!(
            "{:06}",
            (self.code_now().parse::<u32>().unwrap() + 1) % 1_000_000
        )
    }

    async fn verify_with(&self, token: &str, body: Value) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}/v1/otp/verify", self.server.url()))
            .bearer_auth(token)
            .header("Origin", ORIGIN)
            .json(&body)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    async fn verify(&self, code: &str) -> (u16, Value) {
        self.verify_with(&launch_token(), json!({ "code": code }))
            .await
    }

    async fn session(&self) -> Value {
        common::get_json(
            &self.http,
            format!("{}/v1/session", self.server.url()),
            Some(&launch_token()),
        )
        .await
    }

    async fn redeem(&self, receipt: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/receipts/redeem", self.server.url()))
            .basic_auth("kosa", Some(SECRET))
            .json(&json!({ "receipt": receipt }))
            .send()
            .await
            .unwrap()
    }

    fn arrived(&self) -> Vec<hrd_sandbox::LogRecord> {
        self.sandbox.logs(Some("otp_accredit"))
    }
}

#[tokio::test]
async fn a_right_code_verifies_and_its_receipt_redeems_exactly_once() {
    let w = world().await;
    let (status, body) = w.verify(&w.code_now()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], "verified");
    let receipt = body["receipt"].as_str().unwrap();

    let first = w.redeem(receipt).await;
    assert_eq!(first.status(), 200);
    let redeemed: Value = first.json().await.unwrap();
    assert_eq!(redeemed["claims"]["sub"], "trainee01");
    assert_eq!(redeemed["claims"]["method"], "motp");
    assert_eq!(redeemed["claims"]["eval_cd"], "01");
    assert_eq!(redeemed["claims"]["class_tme"], "03");
    assert_eq!(
        w.redeem(receipt).await.status(),
        409,
        "a receipt redeems once"
    );

    // Another tenant's credentials cannot redeem it.
    let res = w
        .http
        .post(format!("{}/v1/receipts/redeem", w.server.url()))
        .basic_auth("other", Some("other-tenant-secret-0123456789abcdef01"))
        .json(&json!({ "receipt": receipt }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

#[tokio::test]
async fn wrong_codes_count_down_and_the_fifth_locks() {
    let w = world().await;
    let wrong = w.wrong_code();
    for (failures, remaining) in [(1, 4), (2, 3), (3, 2), (4, 1)] {
        let (status, body) = w.verify(&wrong).await;
        assert_eq!(status, 200);
        assert_eq!(
            body,
            json!({"result":"wrong_code","failures":failures,"remaining":remaining})
        );
    }
    let (_, body) = w.verify(&wrong).await;
    assert_eq!(body["result"], "locked");
    // Locked means locked, even for the right code: HRD decides, and HRD says AP009.
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "locked");
    let session = w.session().await;
    assert_eq!(session["locked"], true);
    assert_eq!(session["remaining"], 0);
}

#[tokio::test]
async fn attempts_survive_a_page_reload_and_a_server_restart() {
    let w = world().await;
    let wrong = w.wrong_code();
    w.verify(&wrong).await;
    w.verify(&wrong).await;
    assert_eq!(w.session().await["failures"], 2);
    w.server.task.abort();
    let restarted = start_server(w.dir.path(), &w.db, w.clock.clone(), &w.sandbox_url).await;
    let session: Value = common::get_json(
        &w.http,
        format!("{}/v1/session", restarted.url()),
        Some(&launch_token()),
    )
    .await;
    assert_eq!(session["failures"], 2);
    assert_eq!(session["remaining"], 3);
}

#[tokio::test]
async fn malformed_codes_never_reach_hrd_and_full_width_digits_arrive_as_ascii() {
    let w = world().await;
    for (typed, reason) in [
        ("1234", "looks_like_app_password"),
        ("12345", "wrong_length"),
        ("12a456", "not_digits"),
        ("", "empty"),
    ] {
        let (status, body) = w.verify(typed).await;
        assert_eq!(status, 422, "{typed:?}");
        assert_eq!(body["reason"], reason);
    }
    assert!(w.arrived().is_empty(), "the sandbox saw nothing");

    let full_width: String = w
        .code_now()
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    let (_, body) = w.verify(&full_width).await;
    assert_eq!(body["result"], "verified");
    assert_eq!(w.arrived()[0].fields["OTPNO"], w.code_now());
}

#[tokio::test]
async fn the_wire_format_is_hrds_field_by_field() {
    let w = world().await;
    let res = w
        .http
        .post(format!("{}/v1/otp/verify", w.server.url()))
        .bearer_auth(launch_token())
        .header("Origin", ORIGIN)
        // 127.0.0.1 is a trusted proxy in this test, so its X-Forwarded-For is believed.
        .header("X-Forwarded-For", "198.51.100.23, 203.0.113.45")
        .json(&json!({ "code": w.code_now() }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let f = &w.arrived()[0].fields;
    let expected = [
        ("USER_NM", NAME),
        ("USER_TEL", TEL),
        ("AGTID", "KOSA01"),
        ("USRID", "trainee01"),
        ("SESSIONID", "JSESSIONID-abc"),
        ("EXIP", "203.0.113.45"),
        ("COURSE_AGENT_PK", "AIG20260001"),
        ("CLASS_AGENT_PK", "AIG20260001,3"),
        ("EVAL_CD", "01"),
        ("EVAL_TYPE", "진도"),
        ("CLASS_TME", "03"),
        ("USRDT", "2026-11-27 19:00:20"),
        ("UT", "2026-11-27 19:00:20"),
    ];
    for (key, value) in expected {
        assert_eq!(f[key], value, "{key}");
    }
    assert_eq!(f["OTPNO"].len(), 6);
    assert_eq!(
        f.len(),
        14,
        "exactly HRD's fields: {:?}",
        f.keys().collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn identity_in_the_body_is_ignored() {
    let w = world().await;
    let body = json!({"code": w.code_now(), "name": "김철수", "tel": "01099998888", "USER_NM": "김철수", "usrid": "someone-else"});
    let (status, answer) = w.verify_with(&launch_token(), body).await;
    assert_eq!(status, 200);
    assert_eq!(answer["result"], "verified");
    let f = &w.arrived()[0].fields;
    assert_eq!(f["USER_NM"], NAME);
    assert_eq!(f["USER_TEL"], TEL);
    assert_eq!(f["USRID"], "trainee01");
}

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
    let other = token::mint(
        &claims("other", "trainee01", NAME, TEL),
        "other-tenant-secret-0123456789abcdef01",
    );
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

#[tokio::test]
async fn hrd_failures_become_hrd_unavailable_with_the_substitute_offer() {
    let w = world().await;
    for (mode, hrd_code) in [
        ("ie001", json!("IE001")),
        ("ce002", json!("CE002")),
        ("http500", Value::Null),
        ("garbage", Value::Null),
    ] {
        w.sandbox
            .faults
            .set(serde_json::from_value(json!(mode)).unwrap(), 1);
        let (status, body) = w.verify(&w.code_now()).await;
        assert_eq!(status, 200);
        assert_eq!(body["result"], "hrd_unavailable", "{mode}");
        assert_eq!(body["substitute_allowed"], true);
        assert_eq!(body["hrd_code"], hrd_code, "{mode}");
    }
    // Nothing was counted against the trainee.
    assert_eq!(w.session().await["failures"], 0);
}

#[tokio::test]
async fn the_next_minute_needs_the_next_code() {
    let w = world().await;
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");
    // The same code again in the same minute is a replay.
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "wrong_code");
    w.clock.advance(60);
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");
}

#[tokio::test]
async fn per_trainee_rate_limit_answers_429_before_hrd_would() {
    let w = world().await;
    let wrong = w.wrong_code();
    let mut last = (0, Value::Null);
    for _ in 0..51 {
        last = w.verify(&format!("{wrong}x")).await;
    }
    assert_eq!(last.0, 429);
    assert_eq!(last.1["result"], "rate_limited");
    assert!(last.1["retry_after_seconds"].as_u64().unwrap() <= 60);
}

const OTHER_SECRET: &str = "other-tenant-secret-0123456789abcdef01";
const OTHER_ORIGIN: &str = "https://lms.other.example";

impl World {
    async fn lock(&self) {
        let wrong = self.wrong_code();
        for _ in 0..5 {
            self.verify(&wrong).await;
        }
        assert_eq!(self.session().await["locked"], true);
    }

    async fn start_check(&self, token: &str, origin: &str) -> Value {
        self.start_check_for(token, origin, "reset").await
    }

    async fn start_check_for(&self, token: &str, origin: &str, purpose: &str) -> Value {
        let res = self
            .http
            .post(format!(
                "{}/v1/identity/start?purpose={purpose}",
                self.server.url()
            ))
            .bearer_auth(token)
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().await.unwrap()
    }

    /// Walks the sandbox carrier-check popup as a person would; returns the check's state.
    async fn sandbox_identity_check(&self, name: &str, tel: &str) -> String {
        self.sandbox_check_for("reset", name, tel).await
    }

    async fn sandbox_check_for(&self, purpose: &str, name: &str, tel: &str) -> String {
        self.sandbox_check_as(&launch_token(), ORIGIN, purpose, name, tel)
            .await
    }

    async fn sandbox_check_as(
        &self,
        token: &str,
        origin: &str,
        purpose: &str,
        name: &str,
        tel: &str,
    ) -> String {
        let started = self.start_check_for(token, origin, purpose).await;
        let state = started["state"].as_str().unwrap().to_string();
        let popup = format!(
            "{}{}",
            self.server.url(),
            started["popup_url"].as_str().unwrap()
        );
        let page = self
            .http
            .get(&popup)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("휴대폰 본인인증"));
        let done = common::sandbox_popup(&self.http, &popup, name, tel).await;
        assert!(done.contains("본인인증이 완료되었습니다"), "{done}");
        // The popup reports to the widget's page origin only.
        assert!(
            done.contains(&format!("postMessage(message, \"{origin}\")")),
            "{done}"
        );
        state
    }

    async fn check_status(&self, state: &str) -> Value {
        common::get_json(
            &self.http,
            format!("{}/v1/identity/{state}", self.server.url()),
            Some(&launch_token()),
        )
        .await
    }

    async fn reset_with(&self, token: &str, state: &str) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}/v1/lock/reset", self.server.url()))
            .bearer_auth(token)
            .header("Origin", ORIGIN)
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        (
            res.status().as_u16(),
            res.json().await.unwrap_or(Value::Null),
        )
    }
}

#[tokio::test]
async fn locked_then_identity_check_then_reset_then_the_right_code_passes() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, "010-1234-5678").await;
    assert_eq!(w.check_status(&state).await["status"], "succeeded");

    let (status, body) = w.reset_with(&launch_token(), &state).await;
    assert_eq!((status, body.clone()), (200, json!({"result": "unlocked"})));
    let resets = w.sandbox.logs(Some("reset"));
    assert_eq!(resets.len(), 1);
    let f = &resets[0].fields;
    assert_eq!(f["M_RET"], "T");
    assert_eq!(f["M_RETCD"], "0000");
    assert!(
        f["M_TRNID"].starts_with("SBX") && f["M_TRNID"].len() == 19,
        "the provider's own id: {}",
        f["M_TRNID"]
    );
    assert_eq!(f["M_TRNDT"], "2026-11-27 19:00:20");
    assert_eq!(
        (
            f["USER_NM"].as_str(),
            f["USER_TEL"].as_str(),
            f["AGTID"].as_str()
        ),
        (NAME, TEL, "KOSA01")
    );
    assert_eq!(resets[0].answer, "200");

    let session = w.session().await;
    assert_eq!(
        (session["locked"].clone(), session["failures"].clone()),
        (json!(false), json!(0))
    );
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");

    // The same check cannot lift a lock twice.
    let (status, body) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 409);
    assert_eq!(
        body,
        json!({"result": "identity_check_required", "status": "used"})
    );
    assert_eq!(
        w.sandbox.logs(Some("reset")).len(),
        1,
        "no second user_reset"
    );
}

#[tokio::test]
async fn reset_is_refused_without_a_check_or_for_another_person() {
    let w = world().await;
    w.lock().await;
    let (status, body) = w.reset_with(&launch_token(), "no-such-state").await;
    assert_eq!(
        (status, body["result"].as_str().unwrap()),
        (409, "identity_check_required")
    );

    // A successful check of someone else (another name, or another mobile) unlocks nothing.
    for (name, tel) in [("김철수", TEL), (NAME, "01099998888")] {
        let state = w.sandbox_identity_check(name, tel).await;
        let (status, body) = w.reset_with(&launch_token(), &state).await;
        assert_eq!(
            (status, body),
            (403, json!({"result": "identity_mismatch"}))
        );
    }
    // A check started by another trainee's session cannot be used by this one.
    let state = w.sandbox_identity_check(NAME, TEL).await;
    let someone_else = token::mint(&claims("kosa", "trainee02", NAME, TEL), SECRET);
    let (status, _) = w.reset_with(&someone_else, &state).await;
    assert_eq!(status, 409);
    // Nor with an expired launch token.
    let expired = token::mint(
        &LaunchClaims {
            iat: T0 - 900,
            exp: T0 - 60,
            ..claims("kosa", "trainee01", NAME, TEL)
        },
        SECRET,
    );
    let (status, body) = w.reset_with(&expired, &state).await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (401, "token_expired")
    );
    // A check older than 10 minutes is stale.
    w.clock.advance(11 * 60);
    let fresh_token = token::mint(
        &LaunchClaims {
            iat: T0 + 660,
            exp: T0 + 1200,
            ..claims("kosa", "trainee01", NAME, TEL)
        },
        SECRET,
    );
    let (status, body) = w.reset_with(&fresh_token, &state).await;
    assert_eq!(
        (status, body),
        (
            409,
            json!({"result": "identity_check_required", "status": "expired"})
        )
    );

    assert!(
        w.sandbox.logs(Some("reset")).is_empty(),
        "HRD never saw a reset"
    );
    let session: Value = common::get_json(
        &w.http,
        format!("{}/v1/session", w.server.url()),
        Some(&fresh_token),
    )
    .await;
    assert_eq!(session["locked"], true);
}

fn attestation(state: &str, iat: i64, jti: &str, name: &str) -> String {
    let claims = json!({
        "iss": "other", "aud": "motp-attestation", "state": state, "result": "T",
        "result_code": "B000", "trnid": "NICE-2026112719001234", "trndt": "2026-11-27 19:00:10",
        "name": name, "tel": "010-1234-5678", "iat": iat, "jti": jti,
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
async fn a_reset_hrd_does_not_answer_is_queued_sent_later_once_and_never_lost() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    w.sandbox
        .faults
        .set(serde_json::from_value(json!("ie001")).unwrap(), 2);
    let (status, body) = w.reset_with(&launch_token(), &state).await;
    assert_eq!((status, body), (202, json!({"result": "reset_queued"})));
    assert_eq!(w.check_status(&state).await["status"], "resetting");
    // Asking again (say, after a dropped connection) neither sends nor queues a second reset.
    let (status, body) = w.reset_with(&launch_token(), &state).await;
    assert_eq!((status, body), (202, json!({"result": "reset_queued"})));

    let flush = || {
        w.http
            .post(format!("{}/v1/admin/outbox/flush", w.server.url()))
            .basic_auth("kosa", Some(SECRET))
            .send()
    };
    w.clock.advance(10);
    let flushed: Value = flush().await.unwrap().json().await.unwrap();
    assert_eq!(
        flushed,
        json!({"tried": 1, "queued": 1}),
        "HRD still failing"
    );
    w.clock.advance(30);
    let flushed: Value = flush().await.unwrap().json().await.unwrap();
    assert_eq!(flushed, json!({"tried": 1, "queued": 0}));

    let resets = w.sandbox.logs(Some("reset"));
    assert_eq!(resets.len(), 1, "exactly once");
    assert_eq!(resets[0].answer, "200");
    assert_eq!(w.check_status(&state).await["status"], "used");
    let (status, _) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 409, "spent");
}

#[tokio::test]
async fn hrd_refusing_the_reset_spends_the_check() {
    let w = world().await;
    // A trainee HRD does not know: user_reset answers AP010.
    let stranger = token::mint(
        &claims("kosa", "trainee07", "김미등록", "01055556666"),
        SECRET,
    );
    let state = &w
        .sandbox_check_as(&stranger, ORIGIN, "reset", "김미등록", "01055556666")
        .await;
    let (status, body) = w.reset_with(&stranger, state).await;
    assert_eq!(
        (status, body),
        (409, json!({"result": "reset_refused", "hrd_code": "AP010"}))
    );
    let (status, body) = w.reset_with(&stranger, state).await;
    assert_eq!((status, body["status"].as_str()), (409, Some("refused")));
}

#[tokio::test]
async fn the_audit_trail_exports_for_the_institution_without_personal_data() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    w.reset_with(&launch_token(), &state).await;
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");

    let export = |user: &'static str, secret: &'static str, query: &'static str| {
        w.http
            .get(format!("{}/v1/admin/audit?{query}", w.server.url()))
            .basic_auth(user, Some(secret))
            .send()
    };
    let res = export("kosa", SECRET, "from=2026-11-27&to=2026-11-27")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let events: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "verify",
            "verify",
            "verify",
            "verify",
            "verify",
            "lock",
            "identity_check",
            "reset",
            "verify"
        ]
    );
    assert!(csv
        .lines()
        .nth(1)
        .unwrap()
        .contains("2026-11-27 19:00:20,kosa,trainee01,verify,AP001,01,03"));
    assert!(
        !csv.contains("01012345678") && !csv.contains("5678"),
        "no mobile numbers"
    );
    assert!(!csv.contains(&w.code_now()), "no codes");

    let jsonl = export(
        "kosa",
        SECRET,
        "from=2026-11-27&to=2026-11-27&usrid=trainee01&format=jsonl",
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(jsonl.lines().count(), 9);
    let empty = export("kosa", SECRET, "from=2026-11-28&to=2026-11-30")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(empty.lines().count(), 1, "header only");
    let other = export(
        "other",
        "other-tenant-secret-0123456789abcdef01",
        "from=2026-11-27&to=2026-11-27",
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(
        other.lines().count(),
        1,
        "another tenant sees none of these"
    );
    assert_eq!(
        export("kosa", "wrong-secret", "from=2026-11-27&to=2026-11-27")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        export("kosa", SECRET, "from=2026-11-27&to=11/30")
            .await
            .unwrap()
            .status(),
        400
    );
}

impl World {
    async fn complete_substitute(&self, state: &str) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}/v1/substitute/complete", self.server.url()))
            .bearer_auth(launch_token())
            .header("Origin", ORIGIN)
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }

    fn fault(&self, mode: &str, count: u32) {
        self.sandbox
            .faults
            .set(serde_json::from_value(json!(mode)).unwrap(), count);
    }
}

#[tokio::test]
async fn the_substitute_check_is_offered_only_after_hrd_failed() {
    let w = world().await;
    let res = w
        .http
        .post(format!(
            "{}/v1/identity/start?purpose=substitute",
            w.server.url()
        ))
        .bearer_auth(launch_token())
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<Value>().await.unwrap()["error"],
        "substitute_not_available"
    );
}

#[tokio::test]
async fn hrd_down_then_the_phone_check_gives_a_phone_receipt_and_an_emon_log() {
    let w = world().await;
    w.fault("ie001", 1);
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "hrd_unavailable");

    let state = w.sandbox_check_for("substitute", NAME, TEL).await;
    // A substitute check cannot lift a lock.
    let (status, _) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 409);
    let (status, body) = w.complete_substitute(&state).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], "verified");
    assert_eq!(body["emon_log"], "sent");
    let redeemed: Value = w
        .redeem(body["receipt"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(redeemed["claims"]["method"], "phone");

    let logs = w.sandbox.logs(Some("pSubOtpLog"));
    assert_eq!(logs.len(), 1, "exactly once");
    let f = &logs[0].fields;
    assert_eq!(logs[0].answer, "101");
    assert_eq!(
        (
            f["EVAL_CD"].as_str(),
            f["EVAL_TYPE"].as_str(),
            f["CLASS_TME"].as_str()
        ),
        ("01", "진도", "03")
    );
    assert_eq!((f["m_Ret"].as_str(), f["m_retCD"].as_str()), ("T", "0000"));
    assert!(f["m_trnID"].starts_with("SBX"));
    assert_eq!(f["m_trnDT"], "2026-11-27 19:00:20");
    assert_eq!(f["AGTID"], "KOSA01");

    // Used once.
    let (status, body) = w.complete_substitute(&state).await;
    assert_eq!((status, body["status"].as_str()), (409, Some("used")));
    assert_eq!(w.sandbox.logs(Some("pSubOtpLog")).len(), 1);
}

#[tokio::test]
async fn a_failing_emon_gets_the_log_later_exactly_once_even_across_a_restart() {
    let w = world().await;
    w.fault("timeout", 0);
    w.fault("ie001", 1);
    w.verify(&w.code_now()).await;
    let state = w.sandbox_check_for("substitute", NAME, TEL).await;

    // e-mon fails the inline send and the first retry.
    w.fault("http500", 2);
    let (status, body) = w.complete_substitute(&state).await;
    assert_eq!(status, 200);
    assert_eq!(body["emon_log"], "queued", "the trainee is told the truth");
    let ready: Value = common::get_json(&w.http, format!("{}/readyz", w.server.url()), None).await;
    assert_eq!(ready["outbox_depth"], 1, "{ready}");

    // Not due yet: nothing is sent before the back-off.
    assert_eq!(
        motp_server::outbox::run_once(&w.server.state)
            .await
            .unwrap(),
        0
    );
    w.clock.advance(7);
    assert_eq!(
        motp_server::outbox::run_once(&w.server.state)
            .await
            .unwrap(),
        1
    );
    assert!(
        w.sandbox.logs(Some("pSubOtpLog")).is_empty(),
        "second failure"
    );

    // The server restarts; the queued log is still there and goes out once e-mon is back.
    w.server.task.abort();
    let restarted = start_server(w.dir.path(), &w.db, w.clock.clone(), &w.sandbox_url).await;
    w.clock.advance(30);
    assert_eq!(
        motp_server::outbox::run_once(&restarted.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        motp_server::outbox::run_once(&restarted.state)
            .await
            .unwrap(),
        0,
        "done is done"
    );
    let logs = w.sandbox.logs(Some("pSubOtpLog"));
    assert_eq!(logs.len(), 1, "exactly once");
    assert_eq!(logs[0].answer, "101");
    let ready: Value = common::get_json(&w.http, format!("{}/readyz", restarted.url()), None).await;
    assert_eq!(ready["outbox_depth"], 0);
}

#[tokio::test]
async fn metrics_in_prometheus_text() {
    let w = world().await;
    w.verify(&w.wrong_code()).await;
    w.verify(&w.code_now()).await;
    let text = w
        .http
        .get(format!("{}/metrics", w.server.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "motp_hrd_answers_total{call=\"otp_accredit\",code=\"AP001\"}",
        "motp_hrd_answers_total{call=\"otp_accredit\",code=\"200\"}",
        "motp_hrd_latency_seconds_bucket{call=\"otp_accredit\"",
        "motp_requests_total{route=\"/v1/otp/verify\",status=\"200\"}",
        "motp_outbox_depth",
        "motp_outbox_oldest_age_seconds",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(
        !text.contains("01012345678") && !text.contains("trainee01"),
        "no personal data in labels"
    );
}

#[tokio::test]
async fn with_an_emon_api_key_the_substitute_log_goes_to_phone_auth_hist() {
    let w = world().await;
    let secret = "hist-tenant-secret-0123456789abcdef0123";
    let origin = "https://lms.hist.example";
    let token = token::mint(&claims("hist", "trainee01", NAME, TEL), secret);
    w.fault("ie001", 1);
    let res = w
        .http
        .post(format!("{}/v1/otp/verify", w.server.url()))
        .bearer_auth(&token)
        .header("Origin", origin)
        .json(&json!({ "code": w.code_now() }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["result"],
        "hrd_unavailable"
    );
    let state = w
        .sandbox_check_as(&token, origin, "substitute", NAME, TEL)
        .await;
    let res = w
        .http
        .post(format!("{}/v1/substitute/complete", w.server.url()))
        .bearer_auth(&token)
        .header("Origin", origin)
        .json(&json!({ "state": state }))
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["result"].as_str(), body["emon_log"].as_str()),
        (Some("verified"), Some("sent"))
    );
    let logs = w.sandbox.logs(Some("phone_auth_hist"));
    assert_eq!(logs.len(), 1, "exactly once");
    let f = &logs[0].fields;
    assert_eq!(
        (
            f["agtId"].as_str(),
            f["usrId"].as_str(),
            f["evalCd"].as_str()
        ),
        ("SANDBOXAGT", "trainee01", "01")
    );
    assert_eq!(
        (
            f["mRet"].as_str(),
            f["mRetCd"].as_str(),
            f["classTme"].as_str()
        ),
        ("T", "0000", "03")
    );
    assert!(f["mTrnId"].starts_with("SBX"));
    assert!(w.sandbox.logs(Some("pSubOtpLog")).is_empty());
}

/// The widget's files: to a tenant's LMS page with CORS (the loader imports the module and fetches
/// the wasm cross-origin), brotli or gzip as the browser accepts; cached for good when asked for by
/// the build's version (as the loader does), revalidated on every load otherwise.
#[tokio::test]
async fn widget_files_go_compressed_to_tenant_pages_only() {
    let w = world().await;
    let dir = w.dir.path().join("no-widget");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("motp-widget.js"), "export default 1;").unwrap();
    // ServeDir sends the `.gz`/`.br` beside a file as it is; their bytes only need to be told apart.
    std::fs::write(dir.join("motp-widget.js.gz"), b"gzipped").unwrap();
    std::fs::write(dir.join("motp-widget.js.br"), b"brotli").unwrap();
    let get = |origin: &'static str, accept: &'static str, query: &'static str| {
        let mut req = w
            .http
            .get(format!("{}/widget/motp-widget.js{query}", w.server.url()))
            .header("Origin", origin);
        if !accept.is_empty() {
            req = req.header("Accept-Encoding", accept);
        }
        req.send()
    };

    let res = get(ORIGIN, "gzip, deflate, br", "").await.unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"brotli");

    let res = get(ORIGIN, "gzip", "").await.unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["access-control-allow-origin"], ORIGIN);
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["content-type"], "text/javascript");
    assert_eq!(h["cache-control"], "no-cache");
    let vary: Vec<_> = h
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        vary.iter().any(|v| v.contains("accept-encoding")),
        "caches key on the encoding: {vary:?}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"gzipped");

    let res = get(ORIGIN, "", "").await.unwrap();
    assert!(res.headers().get("content-encoding").is_none());
    assert_eq!(res.text().await.unwrap(), "export default 1;");

    // Asked for by the build's version, as the loader does: cached for good.
    let res = get(ORIGIN, "gzip", "?v=0123456789abcdef").await.unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let res = get(ORIGIN, "gzip", "?v=latest").await.unwrap();
    assert_eq!(
        res.headers()["cache-control"],
        "no-cache",
        "not a build mark"
    );

    let res = get("https://evil.example", "gzip", "").await.unwrap();
    assert!(
        res.headers().get("access-control-allow-origin").is_none(),
        "no CORS for a page that is not a tenant's"
    );
}
