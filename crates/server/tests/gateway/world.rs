//! What every gateway test stands on: the HRD sandbox on its own socket, the server in front of it
//! on one fixed clock, the tenants' configuration, launch tokens, and the helpers that drive them.

use crate::common;
use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::AdjustableClock;
use motp_server::config::ServeArgs;
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use motp_server::startup::{self as launch, Running};
use serde_json::{json, Value};
use std::sync::Arc;

pub(crate) const T0: i64 = 1_795_773_620; // 2026-11-27 19:00:20 KST
/// Sandbox mode takes only sandbox credentials (`sandbox-…`): the tests run there, with the HRD
/// emulator on its own loopback socket.
pub(crate) const SECRET: &str = "sandbox-kosa-test-secret-0123456789abcdef0123";
/// The LMS server's HTTP Basic password (redeem, admin): never the signing secret.
pub(crate) const API_KEY: &str = "sandbox-kosa-api-key-0123456789abcdef0123";
pub(crate) const OTHER_SECRET: &str = "sandbox-other-tenant-secret-0123456789abcdef01";
pub(crate) const OTHER_API_KEY: &str = "sandbox-other-api-key-0123456789abcdef01";
pub(crate) const HIST_SECRET: &str = "sandbox-hist-tenant-secret-0123456789abcdef0123";
pub(crate) const ORIGIN: &str = "https://lms.kosa.example";
pub(crate) const NAME: &str = "홍길동";
pub(crate) const TEL: &str = "01012345678";

pub(crate) struct World {
    pub(crate) clock: Arc<AdjustableClock>,
    pub(crate) sandbox: Arc<Sandbox>,
    pub(crate) sandbox_url: String,
    pub(crate) server: Running,
    device: String,
    pub(crate) http: reqwest::Client,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) db: String,
}

pub(crate) const NICE_ORIGIN: &str = "https://lms.nice.example";
pub(crate) const NICE_SECRET: &str = "sandbox-nice-tenant-secret-0123456789abcdef012";

/// `sandbox` is the sandbox's address: the NICE tenant's NICE is its emulator, under `/nice`.
fn tenants_toml(dir: &std::path::Path, sandbox: &str) -> std::path::PathBuf {
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
api_key = "{API_KEY}"
identity_provider = "sandbox"

[[tenants]]
id = "other"
agtid = "OTHER01"
origins = ["https://lms.other.example"]
secret = "{OTHER_SECRET}"
api_key = "{OTHER_API_KEY}"
identity_provider = "lms-attested"
attest_url = "https://lms.other.example/motp/identity"

[[tenants]]
id = "hist"
agtid = "SANDBOXAGT"
origins = ["https://lms.hist.example"]
secret = "{HIST_SECRET}"
api_key = "sandbox-hist-api-key-0123456789abcdef0123"
identity_provider = "sandbox"
emon_api_key = "sandbox-emon-key"
emon_api_user = "SANDBOXAGT"

[[tenants]]
id = "nicelms"
agtid = "NICE01"
origins = ["{NICE_ORIGIN}"]
secret = "{NICE_SECRET}"
api_key = "sandbox-nice-tenant-api-key-0123456789abcdef"
identity_provider = "nice"
nice_client_id = "sandbox-nice-client"
nice_client_secret = "sandbox-nice-secret"
nice_api_url = "{sandbox}/nice"
nice_window_url = "{sandbox}/nice/CheckPlusSafeModel/service.cb"
"#
        ),
    )
    .unwrap();
    path
}

pub(crate) async fn start_server(
    dir: &std::path::Path,
    db: &str,
    clock: Arc<AdjustableClock>,
    hrd: &str,
) -> Running {
    let args = ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        config: Some(tenants_toml(dir, hrd)),
        database_url: db.to_string(),
        hrd_url: Some(hrd.to_string()),
        hrd_timeout_secs: 2,
        widget_dir: dir.join("no-widget"),
        public_url: None,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        per_trainee_per_minute: 50,
        per_ip_per_minute: 500,
        sandbox_clock_offset: 0,
        sandbox_state: dir.join("unused.json"),
        sandbox: true,
        emon_url: Some(hrd.to_string()),
        emon_api_url: None,
        outbox_interval_secs: 0,
        log_json: false,
    };
    launch::start(&args, clock, std::future::pending())
        .await
        .unwrap()
}

pub(crate) async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = AdjustableClock::fixed(T0);
    let sandbox = Sandbox::new(SandboxConfig::default(), clock.clone()).unwrap();
    let device = sandbox.register_device(NAME, TEL, "1234").unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sandbox_url = format!("http://{}", listener.local_addr().unwrap());
    // HRD, e-mon and NICE, as the standalone sandbox serves them.
    let router = hrd_sandbox::standalone_router(sandbox.clone());
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

pub(crate) fn claims(tenant: &str, usrid: &str, name: &str, tel: &str) -> LaunchClaims {
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

/// What an LMS expects a receipt to prove (the session is [`claims`]'s).
pub(crate) fn expect(usrid: &str, eval_cd: &str, class_tme: &str) -> Value {
    json!({ "sub": usrid, "eval_cd": eval_cd, "class_tme": class_tme, "sid": "JSESSIONID-abc" })
}

pub(crate) fn launch_token() -> String {
    token::mint(&claims("kosa", "trainee01", NAME, TEL), SECRET)
}

impl World {
    pub(crate) fn code_now(&self) -> String {
        self.sandbox
            .device_code(&self.device, "1234", None)
            .unwrap()
    }

    pub(crate) fn wrong_code(&self) -> String {
        format!(
            "{:06}",
            (self.code_now().parse::<u32>().unwrap() + 1) % 1_000_000
        )
    }

    pub(crate) async fn verify_with(&self, token: &str, body: Value) -> (u16, Value) {
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

    pub(crate) async fn verify(&self, code: &str) -> (u16, Value) {
        self.verify_with(&launch_token(), json!({ "code": code }))
            .await
    }

    pub(crate) async fn session(&self) -> Value {
        common::get_json(
            &self.http,
            format!("{}/v1/session", self.server.url()),
            Some(&launch_token()),
        )
        .await
    }

    /// Redeems `receipt` as the LMS would for the trainee of [`launch_token`]: expecting them,
    /// EVAL_CD 01, chapter 3 and their session.
    pub(crate) async fn redeem(&self, receipt: &str) -> reqwest::Response {
        self.redeem_expecting(receipt, expect("trainee01", "01", "3"))
            .await
    }

    pub(crate) async fn redeem_expecting(&self, receipt: &str, expect: Value) -> reqwest::Response {
        self.http
            .post(format!("{}/v1/receipts/redeem", self.server.url()))
            .basic_auth("kosa", Some(API_KEY))
            .json(&json!({ "receipt": receipt, "expect": expect }))
            .send()
            .await
            .unwrap()
    }

    pub(crate) fn arrived(&self) -> Vec<hrd_sandbox::LogRecord> {
        self.sandbox.logs(Some("otp_accredit"))
    }
}

// Identity checks and lock resets, used by the lock-reset, audit, LMS-attested and substitute tests.
impl World {
    pub(crate) async fn lock(&self) {
        let wrong = self.wrong_code();
        for _ in 0..5 {
            self.verify(&wrong).await;
        }
        assert_eq!(self.session().await["locked"], true);
    }

    pub(crate) async fn start_check(&self, token: &str, origin: &str) -> Value {
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
    pub(crate) async fn sandbox_identity_check(&self, name: &str, tel: &str) -> String {
        self.sandbox_check_for("reset", name, tel).await
    }

    pub(crate) async fn sandbox_check_for(&self, purpose: &str, name: &str, tel: &str) -> String {
        self.sandbox_check_as(&launch_token(), ORIGIN, purpose, name, tel)
            .await
    }

    pub(crate) async fn sandbox_check_as(
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

    pub(crate) async fn check_status(&self, state: &str) -> Value {
        common::get_json(
            &self.http,
            format!("{}/v1/identity/{state}", self.server.url()),
            Some(&launch_token()),
        )
        .await
    }

    pub(crate) async fn reset_with(&self, token: &str, state: &str) -> (u16, Value) {
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
