//! The server under attack: the `motp-server` binary in `--sandbox` mode on a free loopback port,
//! with its own database; and the checks every case ends with.

use crate::common;
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use motp_server::tenant::SANDBOX_DEMO_SECRET;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

/// The demo tenant's trainee the cases impersonate.
pub(crate) const USRID: &str = "attack01";
pub(crate) const NAME: &str = "홍길동";
pub(crate) const TEL: &str = "01012345678";

pub(crate) struct Target {
    _server: tokio::process::Child,
    _dir: tempfile::TempDir,
    pub(crate) url: String,
    pub(crate) http: reqwest::Client,
    /// What the server has logged (plain text) since it listened.
    pub(crate) log: common::Log,
}

/// A loopback port free right now.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The real server in sandbox mode, with `extra` arguments.
pub(crate) async fn target(extra: &[&str]) -> Target {
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    // SQLite, or with MOTP_TEST_POSTGRES_URL a fresh PostgreSQL database (a NUL in an id was a
    // 500 there only).
    let db = common::database_url(dir.path()).await;
    let state = dir.path().join("sandbox-state.json");
    let mut args: Vec<String> = vec![
        "--sandbox".into(),
        "--listen".into(),
        listen.clone(),
        "--database-url".into(),
        db,
        "--sandbox-state".into(),
        state.display().to_string(),
        "--widget-dir".into(),
        dir.path().join("no-widget").display().to_string(),
        "--outbox-interval-secs".into(),
        "0".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let (server, log) = common::spawn_server_with_log(&args).await;
    Target {
        _server: server,
        _dir: dir,
        url: format!("http://{listen}"),
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        log,
    }
}

/// The machine's time: the process under attack reads the same clock.
pub(crate) fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Claims the demo tenant's LMS would sign for [`USRID`], valid for ten minutes from now.
pub(crate) fn claims() -> LaunchClaims {
    let now = now();
    LaunchClaims {
        iss: "demo".into(),
        aud: LAUNCH_AUDIENCE.into(),
        sub: USRID.into(),
        name: NAME.into(),
        tel: TEL.into(),
        course: "AIG20260001".into(),
        class: "AIG20260001,3".into(),
        eval_cd: "01".into(),
        class_tme: "3".into(),
        sid: "JSESSIONID-attack".into(),
        iat: now,
        exp: now + 600,
        jti: token::random_id(),
    }
}

/// `claims` signed with the demo tenant's secret.
pub(crate) fn sign(claims: &LaunchClaims) -> String {
    token::mint(claims, SANDBOX_DEMO_SECRET)
}

/// A sandbox-mode tenant whose LMS reports its own identity checks (attestations): its secret,
/// its LMS page's origin, and a tenants file with it and the demo tenant.
pub(crate) const LMSA_SECRET: &str = "sandbox-lmsa-secret-0123456789abcdef0123456789";
pub(crate) const LMSA_ORIGIN: &str = "https://lms.attack.example";

pub(crate) fn lms_attested_tenants(dir: &std::path::Path) -> String {
    let path = dir.join("tenants.toml");
    let demo = motp_server::tenant::SANDBOX_DEMO_API_KEY;
    std::fs::write(
        &path,
        format!(
            r#"
[[tenants]]
id = "lmsa"
agtid = "LMSA01"
origins = ["{LMSA_ORIGIN}"]
secret = "{LMSA_SECRET}"
api_key = "sandbox-lmsa-api-key-0123456789abcdef01234"
identity_provider = "lms-attested"
attest_url = "https://lms.attack.example/identity"

[[tenants]]
id = "demo"
agtid = "DEMOAGT01"
origins = ["https://lms.demo.example"]
secret = "{SANDBOX_DEMO_SECRET}"
api_key = "{demo}"
identity_provider = "sandbox"
"#
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// A refusal the case expects: its status and `error` (or, for a typed outcome, its `result`).
pub(crate) struct Refusal {
    pub(crate) case: String,
    pub(crate) status: u16,
    pub(crate) error: &'static str,
}

impl Refusal {
    pub(crate) fn new(case: impl Into<String>, status: u16, error: &'static str) -> Refusal {
        Refusal {
            case: case.into(),
            status,
            error,
        }
    }
}

impl Target {
    /// `POST /v1/identity/start` for the trainee of `launch`, from the LMS page at `origin`: the
    /// server's JSON answer (`state`, `popup_url`, …).
    pub(crate) async fn start_check(&self, launch: &str, origin: &str) -> Value {
        self.http
            .post(format!("{}/v1/identity/start", self.url))
            .bearer_auth(launch)
            .header("Origin", origin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Runs every case (a request and the refusal it must meet) and asserts that nothing moved.
    pub(crate) async fn refuse_all(&self, cases: Vec<(reqwest::RequestBuilder, Refusal)>) {
        let n = cases.len();
        let mut failures = vec![];
        for (request, expected) in cases {
            failures.extend(self.judge(&expected, request.send().await).await);
        }
        self.assert_nothing_moved(failures, n).await;
    }

    /// Every request the sandbox HRD and e-mon received so far.
    pub(crate) async fn upstream_calls(&self) -> Vec<Value> {
        let url = format!("{}/hrd/sandbox/logs", self.url);
        let logs = common::get_json(&self.http, url, None).await;
        logs.as_array().unwrap().clone()
    }

    /// The trainee's count as the widget sees it (failures, lock).
    pub(crate) async fn count(&self) -> (u64, bool) {
        let session = common::get_json(
            &self.http,
            format!("{}/v1/session", self.url),
            Some(&sign(&claims())),
        )
        .await;
        (
            session["failures"].as_u64().expect("a session"),
            session["locked"].as_bool().unwrap(),
        )
    }

    /// Checks `res` against `expected`: the status, a JSON `ApiError` with that `error` and a
    /// message. Returns what was wrong, if anything.
    pub(crate) async fn judge(
        &self,
        expected: &Refusal,
        res: reqwest::Result<reqwest::Response>,
    ) -> Option<String> {
        let res = match res {
            Ok(res) => res,
            Err(e) => {
                return Some(format!("{}: no answer ({e})", expected.case));
            }
        };
        let status = res.status().as_u16();
        let json = res
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let body = res.text().await.unwrap_or_default();
        let parsed: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        // An API error (`error` and a message), or a typed outcome (`result`) where one is expected.
        let error = parsed["error"] == expected.error
            && parsed["message"].as_str().is_some_and(|m| !m.is_empty());
        let outcome = parsed["result"] == expected.error;
        let ok = status == expected.status && json && (error || outcome);
        (!ok).then(|| {
            format!(
                "{}: expected {} {}, got {status} {:.300}",
                expected.case, expected.status, expected.error, body
            )
        })
    }

    /// Asserts that nothing reached HRD or e-mon and the trainee's count is untouched, after
    /// `failures` (each case's complaint) are reported.
    pub(crate) async fn assert_nothing_moved(&self, failures: Vec<String>, cases: usize) {
        assert!(
            failures.is_empty(),
            "{} of {cases} cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
        let calls = self.upstream_calls().await;
        assert!(calls.is_empty(), "reached the sandbox: {calls:?}");
        assert_eq!(self.count().await, (0, false), "the trainee's count moved");
    }
}
