//! Several gateway instances on one database (PostgreSQL in `make test`, SQLite otherwise): the
//! attempt count and receipts are shared, so it does not matter which instance a request reaches.

mod common;

use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::AdjustableClock;
use motp_server::config::ServeArgs;
use motp_server::launch::{self, Running};
use motp_server::token::{self, LaunchClaims, LAUNCH_AUDIENCE};
use serde_json::{json, Value};

const T0: i64 = 1_795_773_620;
const SECRET: &str = "multi-instance-secret-0123456789abcdef";
const ORIGIN: &str = "https://lms.multi.example";

async fn instance(
    dir: &std::path::Path,
    db: &str,
    clock: std::sync::Arc<AdjustableClock>,
    hrd: &str,
) -> Running {
    let config = dir.join("tenants.toml");
    std::fs::write(
        &config,
        format!("[[tenants]]\nid = \"multi\"\nagtid = \"MULTI01\"\norigins = [\"{ORIGIN}\"]\nsecret = \"{SECRET}\"\nattest_url = \"https://lms.multi.example/id\"\n"),
    )
    .unwrap();
    let args = ServeArgs {
        listen: "127.0.0.1:0".parse().unwrap(),
        config: Some(config),
        database_url: db.to_string(),
        hrd_url: Some(hrd.to_string()),
        emon_url: Some(hrd.to_string()),
        outbox_interval_secs: 0,
        hrd_timeout_secs: 2,
        widget_dir: dir.join("none"),
        trusted_proxies: vec![],
        per_trainee_per_minute: 50,
        per_ip_per_minute: 500,
        sandbox_clock_offset: 0,
        sandbox_state: dir.join("unused.json"),
        allow_sandbox_identity: false,
        log_json: false,
    };
    launch::start(&args, clock, std::future::pending())
        .await
        .unwrap()
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
            iat: T0,
            exp: T0 + 600,
            jti: token::random_id(),
        },
        SECRET,
    )
}

#[tokio::test]
async fn two_instances_share_the_count_and_the_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let clock = AdjustableClock::fixed(T0);
    let sandbox = Sandbox::new(SandboxConfig::default(), clock.clone()).unwrap();
    let device = sandbox
        .register_device("홍길동", "01012345678", "1234")
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hrd = format!("http://{}", listener.local_addr().unwrap());
    let router = hrd_sandbox::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let db = common::database_url(dir.path()).await;
    let a = instance(dir.path(), &db, clock.clone(), &hrd).await;
    let b = instance(dir.path(), &db, clock.clone(), &hrd).await;
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
    let verified = verify(a.url(), right).await;
    let receipt = verified["receipt"].as_str().unwrap().to_string();
    for n in 1..=4u32 {
        let server = if n % 2 == 1 { b.url() } else { a.url() };
        let answer = verify(server, wrong.clone()).await;
        assert_eq!(
            answer,
            json!({"result": "wrong_code", "failures": n, "remaining": 5 - n}),
            "attempt {n}"
        );
    }
    assert_eq!(verify(b.url(), wrong.clone()).await["result"], "locked");
    for server in [a.url(), b.url()] {
        let session: Value = http
            .get(format!("{server}/v1/session"))
            .bearer_auth(launch_token("trainee01"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            (session["locked"].clone(), session["failures"].clone()),
            (json!(true), json!(5))
        );
    }

    // A receipt redeemed on one instance is refused on the other.
    let redeem = |server: String| {
        let (http, receipt) = (http.clone(), receipt.clone());
        async move {
            http.post(format!("{server}/v1/receipts/redeem"))
                .basic_auth("multi", Some(SECRET))
                .json(&json!({ "receipt": receipt }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(redeem(a.url()).await, 200);
    assert_eq!(redeem(b.url()).await, 409);
}
