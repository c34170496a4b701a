//! When HRD is down: the substitute (phone identity) check is offered, gives a phone receipt, and
//! its log reaches e-mon (pSubOtpLog, or phone_auth_hist with an API key) exactly once.

use crate::common;
use crate::world::{
    claims, launch_token, start_server, world, World, HIST_SECRET, NAME, ORIGIN, TEL,
};
use motp_server::domain::jwt as token;
use serde_json::{json, Value};

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
    let ready: Value =
        common::get_json(&w.http, format!("{}/readyz", w.server.metrics_url()), None).await;
    assert_eq!(ready["outbox_depth"], 1, "{ready}");

    // Not due yet: nothing is sent before the back-off.
    assert_eq!(
        motp_server::domain::outbox::run_once(&w.server.state.gateway)
            .await
            .unwrap(),
        0
    );
    w.clock.advance(7);
    assert_eq!(
        motp_server::domain::outbox::run_once(&w.server.state.gateway)
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
        motp_server::domain::outbox::run_once(&restarted.state.gateway)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        motp_server::domain::outbox::run_once(&restarted.state.gateway)
            .await
            .unwrap(),
        0,
        "done is done"
    );
    let logs = w.sandbox.logs(Some("pSubOtpLog"));
    assert_eq!(logs.len(), 1, "exactly once");
    assert_eq!(logs[0].answer, "101");
    let ready: Value =
        common::get_json(&w.http, format!("{}/readyz", restarted.metrics_url()), None).await;
    assert_eq!(ready["outbox_depth"], 0);
}

#[tokio::test]
async fn with_an_emon_api_key_the_substitute_log_goes_to_phone_auth_hist() {
    let w = world().await;
    let secret = HIST_SECRET;
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
