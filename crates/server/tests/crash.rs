//! Nothing lost on a crash: `motp-server` (the real binary, as a child process) is killed with
//! SIGKILL in the middle of a burst of lock resets, or of substitute checks, while HRD and e-mon
//! (the sandbox, on loopback) fail; after a restart and their recovery every reset reaches HRD
//! exactly once, and every substitute that went through has one receipt and one e-mon log.

mod common;

use hrd_sandbox::faults::FaultMode;
use hrd_sandbox::{Sandbox, SandboxConfig};
use motp_protocol::clock::{AdjustableClock, Clock, SystemClock};
use motp_server::domain::jwt::{self as token, LaunchClaims, LAUNCH_AUDIENCE};
use serde_json::{json, Value};
use sqlx::Connection;
use std::collections::BTreeSet;
use std::sync::Arc;

const SECRET: &str = "sandbox-crash-test-secret-0123456789abcdef0123";
const API_KEY: &str = "sandbox-crash-api-key-0123456789abcdef0123";
const ORIGIN: &str = "https://lms.crash.example";
const TRAINEES: usize = 20;

fn trainee(i: usize) -> (String, String, String) {
    (
        format!("trainee{i:02}"),
        format!("훈련생{i:02}"),
        format!("0101000{i:04}"),
    )
}

/// The sandbox (HRD and e-mon) on its own loopback socket with every trainee's phone registered,
/// and the arguments that start `motp-server` in front of it on a fresh database.
struct Setup {
    _dir: tempfile::TempDir,
    sandbox: Arc<Sandbox>,
    db: String,
    server: String,
    args: Vec<String>,
}

async fn setup() -> Setup {
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
        format!("[[tenants]]\nid = \"crash\"\nagtid = \"CRASH01\"\norigins = [\"{ORIGIN}\"]\nsecret = \"{SECRET}\"\napi_key = \"{API_KEY}\"\nidentity_provider = \"sandbox\"\n"),
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
        "--sandbox",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    Setup {
        _dir: dir,
        sandbox,
        db,
        server,
        args,
    }
}

/// Trainee `i`'s launch token, as the LMS mints it.
fn launch_token(i: usize) -> String {
    let (usrid, name, tel) = trainee(i);
    let now = SystemClock.now_unix();
    token::mint(
        &LaunchClaims {
            iss: "crash".into(),
            aud: LAUNCH_AUDIENCE.into(),
            sub: usrid,
            name,
            tel,
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
    )
}

/// Trainee `i` passes a phone identity check for `purpose` in the sandbox carrier page; returns
/// the check's id.
async fn identity_check(http: &reqwest::Client, server: &str, i: usize, purpose: &str) -> String {
    let (_, name, tel) = trainee(i);
    let started: Value = http
        .post(format!("{server}/v1/identity/start?purpose={purpose}"))
        .bearer_auth(launch_token(i))
        .header("Origin", ORIGIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state = started["state"].as_str().unwrap().to_string();
    let popup = format!("{server}{}", started["popup_url"].as_str().unwrap());
    let done = common::sandbox_popup(http, &popup, &name, &tel).await;
    assert!(done.contains("본인인증이 완료되었습니다"));
    state
}

/// Posts `{"state": check}` to `path` as the trainee of `launch` (a reset or a substitute).
async fn post_check(
    http: &reqwest::Client,
    server: &str,
    path: &str,
    launch: &str,
    check: &str,
) -> reqwest::Result<reqwest::Response> {
    http.post(format!("{server}{path}"))
        .bearer_auth(launch)
        .json(&json!({ "state": check }))
        .send()
        .await
}

/// HRD and e-mon recover, and the operator sends the queue: the flush's answer.
async fn heal_and_flush(sandbox: &Sandbox, http: &reqwest::Client, server: &str) -> Value {
    sandbox.faults.set(FaultMode::Http500, 0);
    http.post(format!("{server}/v1/admin/outbox/flush"))
        .basic_auth("crash", Some(API_KEY))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_survive_sigkill_and_reach_hrd_exactly_once() {
    let Setup {
        _dir,
        sandbox,
        server,
        args,
        ..
    } = setup().await;
    let mut child = common::spawn_server(&args).await;
    let http = reqwest::Client::new();

    // Every trainee passes the phone identity check in the sandbox carrier page.
    let mut work = Vec::new();
    for i in 0..TRAINEES {
        let state = identity_check(&http, &server, i, "reset").await;
        work.push((launch_token(i), state));
    }

    // HRD fails every call; the burst starts; the server is killed half-way through.
    sandbox.faults.set(FaultMode::Http500, 10_000);
    let mut burst = tokio::task::JoinSet::new();
    for (i, (launch, state)) in work.iter().cloned().enumerate() {
        let (http, server) = (http.clone(), server.clone());
        burst.spawn(async move {
            let res = post_check(&http, &server, "/v1/lock/reset", &launch, &state).await;
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
        let res = post_check(&http, &server, "/v1/lock/reset", launch, state)
            .await
            .unwrap();
        assert_eq!(res.status(), 202);
    }
    assert!(
        sandbox.logs(Some("reset")).is_empty(),
        "nothing got through while HRD failed"
    );

    // HRD recovers; the queue is sent.
    let flushed = heal_and_flush(&sandbox, &http, &server).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn substitutes_survive_sigkill_with_one_receipt_and_one_emon_log_each() {
    let Setup {
        _dir,
        sandbox,
        db,
        server,
        args,
    } = setup().await;
    let mut child = common::spawn_server(&args).await;
    let http = reqwest::Client::new();

    // HRD and e-mon fail every call from now on. Each trainee's code goes unanswered, so the
    // substitute check is offered, and each passes the phone check for it.
    sandbox.faults.set(FaultMode::Http500, 10_000);
    let mut work = Vec::new();
    for i in 0..TRAINEES {
        let verdict: Value = http
            .post(format!("{server}/v1/otp/verify"))
            .bearer_auth(launch_token(i))
            .json(&json!({ "code": "123456" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(verdict["result"], "hrd_unavailable");
        let state = identity_check(&http, &server, i, "substitute").await;
        work.push((launch_token(i), state));
    }

    // Three times: the waiting trainees complete at once, and the server is killed the moment the
    // database shows one more check spent, while the others' writes are on their way. Those cut
    // off press the button again after the restart: a completion the kill undid goes through then;
    // one committed before the kill (its answer lost) says the check is used.
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db).await.unwrap();
    let spent =
        "SELECT COUNT(*) FROM identity_checks WHERE purpose = 'substitute' AND status = 'used'";
    let mut done = BTreeSet::new();
    let mut cut = 0;
    for round in 0..3 {
        let (before,): (i64,) = sqlx::query_as(spent).fetch_one(&mut conn).await.unwrap();
        let mut burst = tokio::task::JoinSet::new();
        let mut answers = Vec::new();
        for (i, (launch, state)) in work.iter().cloned().enumerate() {
            if done.contains(&i) {
                continue;
            }
            let (http, server) = (http.clone(), server.clone());
            burst.spawn(async move {
                let path = "/v1/substitute/complete";
                let res = post_check(&http, &server, path, &launch, &state).await;
                let answer = match res {
                    Ok(r) => Some((r.status().as_u16(), r.json::<Value>().await.ok())),
                    Err(_) => None,
                };
                (i, answer)
            });
        }
        let sent = burst.len();
        loop {
            let (now,): (i64,) = sqlx::query_as(spent).fetch_one(&mut conn).await.unwrap();
            while let Some(joined) = burst.try_join_next() {
                answers.push(joined.unwrap());
            }
            if now > before || answers.len() == sent {
                break;
            }
            tokio::task::yield_now().await;
        }
        child.start_kill().unwrap(); // SIGKILL: no shutdown, no flush.
        child.wait().await.unwrap();
        while let Some(joined) = burst.join_next().await {
            answers.push(joined.unwrap());
        }
        for (i, answer) in answers {
            match answer {
                Some((200, _)) => {}
                Some((409, Some(body))) if round > 0 && body["status"] == "used" => {}
                Some((status, body)) => panic!("trainee {i}, round {round}: {status} {body:?}"),
                None => {
                    cut += 1;
                    continue;
                }
            }
            done.insert(i);
        }
        child = common::spawn_server(&args).await;
    }
    assert!(cut > 0, "the kills cut the bursts");
    for (i, (launch, state)) in work.iter().enumerate() {
        if done.contains(&i) {
            continue;
        }
        let res = post_check(&http, &server, "/v1/substitute/complete", launch, state)
            .await
            .unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        assert!(
            status == 200 || (status == 409 && body["status"] == "used"),
            "trainee {i} after the restarts: {status} {body}"
        );
    }

    // e-mon recovers; the queue is sent.
    let flushed = heal_and_flush(&sandbox, &http, &server).await;
    assert_eq!(flushed["queued"], 0, "{flushed}");
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    // What the store kept: every spent check has exactly one receipt and exactly one log at
    // e-mon; no check is left half-taken; no receipt without its check.
    let checks: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT usrid, status, trnid FROM identity_checks WHERE purpose = 'substitute'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let receipts: Vec<(String,)> = sqlx::query_as("SELECT usrid FROM receipts")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let logs = sandbox.logs(Some("pSubOtpLog"));
    let used: Vec<_> = checks.iter().filter(|c| c.1 == "used").collect();
    assert!(
        checks.iter().all(|c| c.1 == "used" || c.1 == "succeeded"),
        "no check left half-taken: {checks:?}"
    );
    assert_eq!(
        used.len(),
        TRAINEES,
        "every trainee's substitute went through"
    );
    for (usrid, _, trnid) in &used {
        let receipts_of = receipts.iter().filter(|r| &r.0 == usrid).count();
        assert_eq!(receipts_of, 1, "{usrid}: one receipt for its used check");
        let trnid = trnid.as_deref().unwrap();
        let logs_of = logs.iter().filter(|l| l.fields["m_trnID"] == trnid).count();
        assert_eq!(logs_of, 1, "{usrid}: one e-mon log for its check");
    }
    assert_eq!(
        receipts.len(),
        used.len(),
        "no receipt without a used check"
    );
    assert_eq!(logs.len(), used.len(), "no e-mon log twice");
    assert!(logs.iter().all(|l| l.answer == "101"));
}
