//! Nothing lost on a crash: `motp-server` (the real binary, as a child process) is killed with
//! SIGKILL in the middle of a burst of lock resets while HRD (the sandbox, on loopback) fails; after
//! a restart and HRD's recovery every reset reaches HRD exactly once.

mod common;

use hrd_sandbox::faults::FaultMode;
use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::{AdjustableClock, Clock, SystemClock};
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;

const SECRET: &str = "crash-test-secret-0123456789abcdef0123";
const ORIGIN: &str = "https://lms.crash.example";
const TRAINEES: usize = 20;

fn trainee(i: usize) -> (String, String, String) {
    (
        format!("trainee{i:02}"),
        format!("훈련생{i:02}"),
        format!("0101000{i:04}"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_survive_sigkill_and_reach_hrd_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    // HRD: the sandbox on its own loopback socket, on the machine's time like the child process.
    let sandbox = Sandbox::new(
        SandboxConfig {
            per_user_per_minute: 1000,
            ..SandboxConfig::default()
        },
        Arc::new(AdjustableClock::new(Arc::new(SystemClock))),
    )
    .unwrap();
    for i in 0..TRAINEES {
        let (_, name, tel) = trainee(i);
        sandbox.register_device(&name, &tel, "1234").unwrap();
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hrd = format!("http://{}", listener.local_addr().unwrap());
    let router = hrd_sandbox::router(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let config = dir.path().join("tenants.toml");
    std::fs::write(
        &config,
        format!("[[tenants]]\nid = \"crash\"\nagtid = \"CRASH01\"\norigins = [\"{ORIGIN}\"]\nsecret = \"{SECRET}\"\nidentity_provider = \"sandbox\"\n"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let db = common::database_url(dir.path()).await;
    let args: Vec<String> = [
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--config",
        config.to_str().unwrap(),
        "--database-url",
        &db,
        "--hrd-url",
        &hrd,
        "--emon-url",
        &hrd,
        "--hrd-timeout-secs",
        "5",
        "--outbox-interval-secs",
        "0",
        "--per-ip-per-minute",
        "10000",
        "--allow-sandbox-identity",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut child = common::spawn_server(&args).await;
    let http = reqwest::Client::new();

    // Every trainee passes the phone identity check in the sandbox carrier page.
    let now = SystemClock.now_unix();
    let mut work = Vec::new();
    for i in 0..TRAINEES {
        let (usrid, name, tel) = trainee(i);
        let launch = token::mint(
            &LaunchClaims {
                iss: "crash".into(),
                aud: LAUNCH_AUDIENCE.into(),
                sub: usrid,
                name: name.clone(),
                tel: tel.clone(),
                course: "C".into(),
                class: "C,1".into(),
                eval_cd: "01".into(),
                class_tme: "1".into(),
                sid: "S".into(),
                iat: now,
                exp: now + 900,
                jti: token::random_id(),
            },
            SECRET,
        );
        let started: Value = http
            .post(format!("{server}/v1/identity/start"))
            .bearer_auth(&launch)
            .header("Origin", ORIGIN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let state = started["state"].as_str().unwrap().to_string();
        let popup = format!("{server}{}", started["popup_url"].as_str().unwrap());
        let done = common::sandbox_popup(&http, &popup, &name, &tel).await;
        assert!(done.contains("본인인증이 완료되었습니다"));
        work.push((launch, state));
    }

    // HRD fails every call; the burst starts; the server is killed half-way through.
    sandbox.faults.set(FaultMode::Http500, 10_000);
    let mut burst = tokio::task::JoinSet::new();
    for (i, (launch, state)) in work.iter().cloned().enumerate() {
        let (http, server) = (http.clone(), server.clone());
        burst.spawn(async move {
            let res = http
                .post(format!("{server}/v1/lock/reset"))
                .bearer_auth(launch)
                .json(&json!({ "state": state }))
                .send()
                .await;
            (i, res.map(|r| r.status().as_u16()).ok())
        });
    }
    let mut answered = BTreeSet::new();
    while let Some(done) = burst.join_next().await {
        let (i, status) = done.unwrap();
        if let Some(status) = status {
            assert_eq!(status, 202, "HRD is failing: the reset is queued");
            answered.insert(i);
        }
        if answered.len() == TRAINEES / 2 {
            child.start_kill().unwrap(); // SIGKILL: no shutdown, no flush.
            child.wait().await.unwrap();
        }
    }
    assert!(
        answered.len() >= TRAINEES / 2 && answered.len() < TRAINEES,
        "the kill cut the burst"
    );

    // Restart. The trainees whose request was cut off press the button again, as the widget lets
    // them; a reset stored before the kill is not stored twice.
    let mut child = common::spawn_server(&args).await;
    for (i, (launch, state)) in work.iter().enumerate() {
        if answered.contains(&i) {
            continue;
        }
        let res = http
            .post(format!("{server}/v1/lock/reset"))
            .bearer_auth(launch)
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
    }
    assert!(
        sandbox.logs(Some("reset")).is_empty(),
        "nothing got through while HRD failed"
    );

    // HRD recovers; the queue is sent.
    sandbox.faults.set(FaultMode::Http500, 0);
    let flushed: Value = http
        .post(format!("{server}/v1/admin/outbox/flush"))
        .basic_auth("crash", Some(SECRET))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(flushed, json!({ "tried": TRAINEES, "queued": 0 }));

    let resets = sandbox.logs(Some("reset"));
    let names: BTreeSet<&str> = resets
        .iter()
        .map(|r| r.fields["USER_NM"].as_str())
        .collect();
    assert_eq!(resets.len(), TRAINEES, "exactly once each");
    assert_eq!(names.len(), TRAINEES, "every trainee");
    assert!(resets
        .iter()
        .all(|r| r.answer == "200" && r.fields["M_RET"] == "T"));
    child.start_kill().unwrap();
}
