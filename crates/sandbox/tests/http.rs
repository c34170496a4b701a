//! The sandbox over HTTP, as LMSs and the gateway call it (no socket: `oneshot` on the router).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use hrd_sandbox::{router, Sandbox, SandboxConfig};
use http_body_util::BodyExt;
use motp_protocol::clock::AdjustableClock;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

const T0: i64 = 1_795_773_600; // 2026-11-27 19:00:00 KST
const FORM: &str = "application/x-www-form-urlencoded";

fn sandbox(config: SandboxConfig) -> (Arc<Sandbox>, Router) {
    let sb = Sandbox::new(config, AdjustableClock::fixed(T0)).unwrap();
    (sb.clone(), router(sb))
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

async fn post_form(app: &Router, path: &str, body: impl Into<Body>) -> Value {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, FORM)
        .body(body.into())
        .unwrap();
    let (status, body) = send(app, req).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn post_json(app: &Router, path: &str, body: Value) -> Value {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    serde_json::from_str(&send(app, req).await.1).unwrap()
}

async fn get_json(app: &Router, path: &str) -> Value {
    serde_json::from_str(
        &send(app, Request::get(path).body(Body::empty()).unwrap())
            .await
            .1,
    )
    .unwrap()
}

fn accredit_body(otp: &str, usrid: &str) -> String {
    format!("USER_NM=%ED%99%8D%EA%B8%B8%EB%8F%99&USER_TEL=01012345678&OTPNO={otp}&AGTID=AGT1&USRID={usrid}&EVAL_CD=01")
}

async fn registered(app: &Router) -> String {
    let r = post_json(
        app,
        "/sandbox/devices",
        json!({"name":"홍길동","tel":"010-1234-5678","pin":"1234"}),
    )
    .await;
    assert_eq!(r["code"], 200);
    r["device_id"].as_str().unwrap().to_string()
}

async fn phone_code(app: &Router, device: &str) -> String {
    let r = get_json(app, &format!("/sandbox/devices/{device}/code?pin=1234")).await;
    r["code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn right_code_then_wrong_codes_lock_then_reset() {
    let (_, app) = sandbox(SandboxConfig::default());
    let device = registered(&app).await;
    let code = phone_code(&app, &device).await;
    let ok = post_form(&app, "/api/v2/otp_accredit", accredit_body(&code, "u1")).await;
    assert_eq!(ok["code"], 200);
    assert_eq!(ok["status"], "SUCCESS");

    let wrong = format!(
        "{:06}",
        (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    for _ in 0..4 {
        let r = post_form(&app, "/api/v2/otp_accredit", accredit_body(&wrong, "u1")).await;
        assert_eq!(r["code"], "AP001");
    }
    let r = post_form(&app, "/api/v2/otp_accredit", accredit_body(&wrong, "u1")).await;
    assert_eq!(r["code"], "AP009");
    let user = get_json(
        &app,
        "/sandbox/users?name=%ED%99%8D%EA%B8%B8%EB%8F%99&tel=01012345678",
    )
    .await;
    assert_eq!(user["locked"], true);
    assert_eq!(user["failures"], 5);

    // Re-registering while locked: AP011.
    let r = post_json(
        &app,
        "/sandbox/devices",
        json!({"name":"홍길동","tel":"01012345678","pin":"1234"}),
    )
    .await;
    assert_eq!(r["code"], "AP011");

    let reset = "USER_NM=%ED%99%8D%EA%B8%B8%EB%8F%99&USER_TEL=01012345678&AGTID=AGT1&USRID=u1&M_RET=T&M_RETCD=0000&M_TRNID=TRX1&M_TRNDT=2026-11-27+19%3A03%3A00";
    let r = post_form(&app, "/api/v2/user_reset", reset).await;
    assert_eq!(r["code"], 200);
    let resets = get_json(&app, "/sandbox/logs?kind=reset").await;
    assert_eq!(resets.as_array().unwrap().len(), 1);
    assert_eq!(resets[0]["fields"]["M_TRNDT"], "2026-11-27 19:03:00");
    assert_eq!(resets[0]["fields"]["M_TRNID"], "TRX1");
}

#[tokio::test]
async fn transport_errors_are_we_codes() {
    let (_, app) = sandbox(SandboxConfig::default());
    let (status, body) = send(
        &app,
        Request::get("/api/v2/otp_accredit")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "WE002"
    );

    let req = Request::post("/api/v2/otp_accredit")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"USER_NM":"x"}"#))
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&send(&app, req).await.1).unwrap()["code"],
        "WE001"
    );

    // Not UTF-8 (EUC-KR bytes, raw and percent-encoded).
    for body in [
        &b"USER_NM=\xb1\xe8&USER_TEL=01012345678"[..],
        b"USER_NM=%B1%E8",
    ] {
        let r = post_form(&app, "/api/v2/otp_accredit", body.to_vec()).await;
        assert_eq!(r["code"], "WE004");
    }
    // Charset parameter on the Content-Type is fine.
    let req = Request::post("/api/v2/otp_accredit")
        .header(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8",
        )
        .body(Body::from("USER_NM="))
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&send(&app, req).await.1).unwrap()["code"],
        "AP002"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused_unread() {
    let (sb, app) = sandbox(SandboxConfig::default());
    let big = format!("USER_NM={}", "a".repeat(hrd_sandbox::MAX_BODY_BYTES + 1));
    let req = Request::post("/api/v2/otp_accredit")
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::from(big))
        .unwrap();
    let (status, _) = send(&app, req).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(sb.logs(None).is_empty(), "nothing was processed");
}

#[tokio::test]
async fn too_many_requests_is_we005_per_user_and_per_institution() {
    let (_, app) = sandbox(SandboxConfig {
        per_user_per_minute: 3,
        per_agtid_per_minute: 5,
        ..SandboxConfig::default()
    });
    for _ in 0..3 {
        let r = post_form(&app, "/api/v2/otp_accredit", accredit_body("123456", "u1")).await;
        assert_eq!(r["code"], "AP005");
    }
    let r = post_form(&app, "/api/v2/otp_accredit", accredit_body("123456", "u1")).await;
    assert_eq!(r["code"], "WE005");
    // Another trainee of the same institution: own limit fresh, but the institution's 6th call is
    // over its limit of 5.
    let r = post_form(&app, "/api/v2/otp_accredit", accredit_body("123456", "u2")).await;
    assert_eq!(r["code"], "AP005");
    let r = post_form(&app, "/api/v2/otp_accredit", accredit_body("123456", "u2")).await;
    assert_eq!(r["code"], "WE005");
}

#[tokio::test]
async fn faults_apply_to_the_next_n_calls() {
    let (_, app) = sandbox(SandboxConfig::default());
    post_json(&app, "/sandbox/faults", json!({"mode":"ie001","count":2})).await;
    for _ in 0..2 {
        let r = post_form(&app, "/api/v2/otp_accredit", accredit_body("123456", "u1")).await;
        assert_eq!(r["code"], "IE001");
    }
    let r = post_form(&app, "/api/v2/otp_accredit", accredit_body("123456", "u1")).await;
    assert_eq!(r["code"], "AP005");

    post_json(&app, "/sandbox/faults", json!({"mode":"http500","count":1})).await;
    let req = Request::post("/api/v2/otp_accredit")
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, req).await.0, StatusCode::INTERNAL_SERVER_ERROR);

    post_json(&app, "/sandbox/faults", json!({"mode":"garbage","count":1})).await;
    let req = Request::post("/api/v2/otp_accredit")
        .header(header::CONTENT_TYPE, FORM)
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert!(serde_json::from_str::<Value>(&body).is_err());
}

#[tokio::test]
async fn clock_control_moves_the_phone() {
    let (_, app) = sandbox(SandboxConfig::default());
    let device = registered(&app).await;
    let now = get_json(&app, &format!("/sandbox/devices/{device}/code?pin=1234")).await;
    assert_eq!(now["valid_for_seconds"], 60);
    assert_eq!(now["step_seconds"], 60);
    let later = get_json(
        &app,
        &format!("/sandbox/devices/{device}/code?pin=1234&at={}", T0 + 60),
    )
    .await;
    let c = post_json(&app, "/sandbox/clock", json!({"fixed_unix": T0 + 60})).await;
    assert_eq!(c["now_kst"], "2026-11-27 19:01:00");
    assert_eq!(
        phone_code(&app, &device).await,
        later["code"].as_str().unwrap()
    );
    let c = post_json(&app, "/sandbox/clock", json!({"offset_seconds": 0})).await;
    assert!(c["now_unix"].as_i64().unwrap() > T0 - 86400 * 365 * 10);
}

#[tokio::test]
async fn clock_inputs_out_of_range_are_refused_and_change_nothing() {
    let (_, app) = sandbox(SandboxConfig::default());
    let before = get_json(&app, "/sandbox/clock").await;
    for body in [
        json!({"offset_seconds": i64::MAX}),
        json!({"offset_seconds": -40_000_000}),
        json!({"fixed_unix": -1}),
        json!({"fixed_unix": 9_999_999_999i64}),
        json!({"offset_seconds": 1, "fixed_unix": T0}),
    ] {
        let c = post_json(&app, "/sandbox/clock", body.clone()).await;
        assert_eq!(c["error"], "bad_clock", "{body}");
    }
    assert_eq!(get_json(&app, "/sandbox/clock").await, before);
}

#[tokio::test]
async fn emon_logs_are_kept_in_order() {
    let (_, app) = sandbox(SandboxConfig::default());
    let fields = |eval: &str| {
        format!("AGTID=AGT1&USRID=u1&COURSE_AGENT_PK=C1&CLASS_AGENT_PK=C1%2C1&EVAL_CD={eval}&EVAL_TYPE=x&CLASS_TME=01&m_Ret=T&m_retCD=0000&m_trnID=T1&m_trnDT=2026-11-27+19%3A00%3A00")
    };
    let send_xml = |path: &'static str, body: String| {
        let app = app.clone();
        async move {
            let req = Request::post(path)
                .header(header::CONTENT_TYPE, FORM)
                .body(Body::from(body))
                .unwrap();
            send(&app, req).await.1
        }
    };
    let ok = send_xml("/EAIServer/SOURCE/ExConn/LMS/pAuthLog.jsp", fields("00")).await;
    assert!(ok.contains("<RetVal>101</RetVal>"), "{ok}");
    let wrong_page = send_xml("/EAIServer/SOURCE/ExConn/LMS/pAuthLog.jsp", fields("01")).await;
    assert!(wrong_page.contains("<RetVal>102</RetVal>"), "{wrong_page}");
    let sub = send_xml("/EAIServer/SOURCE/ExConn/LMS/pSubOtpLog.jsp", fields("01")).await;
    assert!(sub.contains("<RetVal>101</RetVal>"), "{sub}");

    let logs = get_json(&app, "/sandbox/logs?kind=pAuthLog").await;
    assert_eq!(
        logs.as_array().unwrap().len(),
        2,
        "both arrivals are recorded, with their answer"
    );
    assert_eq!(logs[0]["answer"], "101");
    assert_eq!(logs[1]["answer"], "102");

    let item = json!({"agtId":"AGT1","usrId":"u1","courseAgentPk":"C1","classAgentPk":"C1,1","evalCd":"01","evalType":"진도","classTme":"01","mRet":"T","mRetCd":"0000","mTrnId":"T2","mTrnDt":"2026-11-27 19:00:00"});
    let hist = |key: &'static str| {
        Request::post("/api/v2/phone_auth_hist")
            .header(header::CONTENT_TYPE, "application/json")
            .header("X-TQIAPI-HEADER", key)
            .header("X-TQIAPI-USER", "SANDBOXAGT")
            .body(Body::from(json!({"dataList":[item.clone()]}).to_string()))
            .unwrap()
    };
    let bad: Value = serde_json::from_str(&send(&app, hist("wrong-key")).await.1).unwrap();
    assert_eq!(bad["code"], "WE003");
    let good: Value = serde_json::from_str(&send(&app, hist("sandbox-emon-key")).await.1).unwrap();
    assert_eq!(good["code"], 200);
    assert_eq!(good["data_cnt"], 1);
    let logs = get_json(&app, "/sandbox/logs?kind=phone_auth_hist").await;
    assert_eq!(logs.as_array().unwrap().len(), 1);
    assert_eq!(logs[0]["fields"]["mTrnId"], "T2");
}

#[tokio::test]
async fn registrations_survive_a_restart_with_a_state_file() {
    let dir = std::env::temp_dir().join(format!("hrd-sandbox-test-{}", std::process::id()));
    let config = SandboxConfig {
        state_file: Some(dir.join("state.json")),
        ..SandboxConfig::default()
    };
    let (sb, _) = sandbox(config.clone());
    let id = sb.register_device("홍길동", "01012345678", "1234").unwrap();
    let code = sb.device_code(&id, "1234", None).unwrap();
    drop(sb);
    let (sb, _) = sandbox(config);
    assert_eq!(sb.device_code(&id, "1234", None).unwrap(), code);
    std::fs::remove_dir_all(dir).unwrap();
}
