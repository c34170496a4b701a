//! Two `motp-server` processes on one database (PostgreSQL in `make test`, SQLite otherwise): the
//! attempt count and receipts are shared, so it does not matter which instance a request reaches.

mod common;

use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::{AdjustableClock, Clock, SystemClock};
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::process::Child;
const SECRET: &str = "multi-instance-secret-0123456789abcdef";
const API_KEY: &str = "multi-instance-api-key-0123456789abcdef";
const ORIGIN: &str = "https://lms.multi.example";

/// One `motp-server` process (the real binary); returns it and its URL once it listens.
async fn instance(dir: &std::path::Path, db: &str, hrd: &str) -> (Child, String) {
    let config = dir.join("tenants.toml");
    std::fs::write(
        &config,
        format!("[[tenants]]\nid = \"multi\"\nagtid = \"MULTI01\"\norigins = [\"{ORIGIN}\"]\nsecret = \"{SECRET}\"\napi_key = \"{API_KEY}\"\nattest_url = \"https://lms.multi.example/id\"\n"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let args: Vec<String> = [
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        db,
        "--hrd-url",
        hrd,
        "--emon-url",
        hrd,
        "--outbox-interval-secs",
        "0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    (
        common::spawn_server(&args).await,
        format!("http://127.0.0.1:{port}"),
    )
}

fn launch_token(usrid: &str) -> String {
    token::mint(
        &LaunchClaims {
            iss: "multi".into(),
            aud: LAUNCH_AUDIENCE.into(),
            sub: usrid.into(),
            name: "홍길동".into(),
            tel: "01012345678".into(),
            course: "C".into(),
            class: "C,1".into(),
            eval_cd: "01".into(),
            class_tme: "1".into(),
            sid: "S".into(),
            iat: SystemClock.now_unix(),
            exp: SystemClock.now_unix() + 600,
            jti: token::random_id(),
        },
        SECRET,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_count_and_the_receipts() {
    let dir = tempfile::tempdir().unwrap();
    // The processes read the machine's clock; so does HRD here.
    let clock = Arc::new(AdjustableClock::new(Arc::new(SystemClock)));
    let sandbox = Sandbox::new(SandboxConfig::default(), clock).unwrap();
    let device = sandbox
        .register_device("홍길동", "01012345678", "1234")
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hrd = format!("http://{}", listener.local_addr().unwrap());
    let router = hrd_sandbox::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let db = common::database_url(dir.path()).await;
    let (_a_process, a) = instance(dir.path(), &db, &hrd).await;
    let (_b_process, b) = instance(dir.path(), &db, &hrd).await;
    let http = reqwest::Client::new();
    let verify = |server: String, code: String| {
        let http = http.clone();
        async move {
            http.post(format!("{server}/v1/otp/verify"))
                .bearer_auth(launch_token("trainee01"))
                .header("Origin", ORIGIN)
                .json(&json!({ "code": code }))
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };

    // The right code first (receipt), then five wrong ones split across the instances.
    let right = sandbox.device_code(&device, "1234", None).unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let verified = verify(a.clone(), right).await;
    let receipt = verified["receipt"].as_str().unwrap().to_string();
    for n in 1..=4u32 {
        let server = if n % 2 == 1 { b.clone() } else { a.clone() };
        let answer = verify(server, wrong.clone()).await;
        assert_eq!(
            answer,
            json!({"result": "wrong_code", "failures": n, "remaining": 5 - n}),
            "attempt {n}"
        );
    }
    assert_eq!(verify(b.clone(), wrong.clone()).await["result"], "locked");
    for server in [a.clone(), b.clone()] {
        let session: Value = common::get_json(
            &http,
            format!("{server}/v1/session"),
            Some(&launch_token("trainee01")),
        )
        .await;
        assert_eq!(
            (session["locked"].clone(), session["failures"].clone()),
            (json!(true), json!(5))
        );
    }

    // A receipt redeemed on one instance is refused on the other.
    let redeem = |server: String| {
        let (http, receipt) = (http.clone(), receipt.clone());
        async move {
            let expect =
                json!({ "sub": "trainee01", "eval_cd": "01", "class_tme": "1", "sid": "S" });
            http.post(format!("{server}/v1/receipts/redeem"))
                .basic_auth("multi", Some(API_KEY))
                .json(&json!({ "receipt": receipt, "expect": expect }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(redeem(a.clone()).await, 200);
    assert_eq!(redeem(b.clone()).await, 409);
}

/// The per-trainee limit holds across instances when they share PostgreSQL (one SQLite instance
/// counts in memory, so this runs where `make test` provides PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_is_shared_on_postgres() {
    if std::env::var("MOTP_TEST_POSTGRES_URL").is_err() {
        eprintln!("SQLite store: limits are per process by design; run via `make test-postgres`");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(AdjustableClock::new(Arc::new(SystemClock)));
    let sandbox = Sandbox::new(SandboxConfig::default(), clock).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hrd = format!("http://{}", listener.local_addr().unwrap());
    let router = hrd_sandbox::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let db = common::database_url(dir.path()).await;
    let (_a_process, a) = instance(dir.path(), &db, &hrd).await;
    let (_b_process, b) = instance(dir.path(), &db, &hrd).await;
    let http = reqwest::Client::new();
    // The default limit is 10 per trainee per clock minute; 11 requests alternate between the
    // two processes. Should the minute turn during the burst (counts restart), the burst is
    // repeated once for a fresh trainee.
    for attempt in 0..2 {
        let token = launch_token(&format!("trainee1{attempt}"));
        let minute = SystemClock.now_unix().div_euclid(60);
        let mut statuses = Vec::new();
        for n in 0..11 {
            let server = if n % 2 == 0 { &a } else { &b };
            let res = http
                .post(format!("{server}/v1/otp/verify"))
                .bearer_auth(&token)
                .header("Origin", ORIGIN)
                .json(&json!({ "code": "12a456" }))
                .send()
                .await
                .unwrap();
            statuses.push(res.status().as_u16());
        }
        if SystemClock.now_unix().div_euclid(60) != minute {
            continue;
        }
        assert_eq!(
            statuses[..10],
            [422; 10],
            "malformed, refused without HRD, counted"
        );
        assert_eq!(statuses[10], 429, "the 11th is over the shared limit");
        break;
    }
    assert!(sandbox.logs(None).is_empty());
}

/// The help desk's console: a session opened on one instance is the same session on the other,
/// and signing out on one ends it on both (sessions live in the database, not in a process).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_session_is_every_instances() {
    let dir = tempfile::tempdir().unwrap();
    let db = common::database_url(dir.path()).await;
    // Nothing here calls HRD: an address on loopback that answers nothing will do.
    let hrd = "http://127.0.0.1:9";
    let (_first, a_url) = instance(dir.path(), &db, hrd).await;
    let (_second, b_url) = instance(dir.path(), &db, hrd).await;
    let config = dir.path().join("tenants.toml");
    let (ok, out) = common::staff_cli(
        &[
            "staff",
            "add",
            "--config",
            config.to_str().unwrap(),
            "--database-url",
            &db,
            "--login",
            "desk-multi",
        ],
        "correct horse battery staple\n",
    )
    .await;
    assert!(ok, "{out}");

    let mut a = common::StaffBrowser::new(&a_url);
    let res = a.login("desk-multi", "correct horse battery staple").await;
    assert_eq!(res.status(), 303);
    let mut b = common::StaffBrowser::new(&b_url);
    b.cookies = a.cookies.clone();
    assert_eq!(
        b.page("/console").await.0,
        200,
        "the other instance knows the session"
    );
    let csrf = b.csrf().await;
    assert_eq!(
        b.post("/console/logout", &[("csrf", &csrf)]).await.status(),
        303
    );
    let res = a.get("/console").await;
    assert_eq!(res.status(), 303, "signed out on both");
}
