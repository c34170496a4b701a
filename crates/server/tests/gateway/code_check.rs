//! Entering the code: a right code and its receipt, wrong codes counting down to the lock,
//! attempts kept across reloads and restarts, malformed codes, HRD's wire format, identity taken
//! from the token only, one code per minute, and the per-trainee rate limit.

use crate::common;
use crate::world::{
    expect, launch_token, start_server, world, NAME, ORIGIN, OTHER_API_KEY, T0, TEL,
};
use motp_server::domain::housekeeping;
use serde_json::{json, Value};

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
        .basic_auth("other", Some(OTHER_API_KEY))
        .json(&json!({ "receipt": receipt, "expect": expect("trainee01", "01", "3") }))
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
async fn the_next_minute_needs_the_next_code() {
    let w = world().await;
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");
    // The same code again in the same minute is a replay: refused here, before HRD could count
    // it as a wrong code (it used to be: issue #13).
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "code_already_used");
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

#[tokio::test]
async fn a_code_just_used_is_not_sent_again_and_costs_nothing() {
    let w = world().await;
    let code = w.code_now();
    let (_, body) = w.verify(&code).await;
    assert_eq!(body["result"], "verified");
    // The next chapter, 30 s later, the same number still on the phone.
    w.clock.advance(30);
    let (status, body) = w.verify(&code).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"result": "code_already_used", "seconds_until_new": 10})
        )
    );
    // Into the next minute: the app shows a new number, the old one is still not sent.
    w.clock.advance(20);
    let (_, body) = w.verify(&code).await;
    assert_eq!(body["seconds_until_new"], 0);
    assert_eq!(w.arrived().len(), 1, "HRD saw the code once");
    assert_eq!(w.session().await["failures"], 0, "nothing counted");
    // The new number verifies.
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");
    assert_eq!(w.arrived().len(), 2);
}

#[tokio::test]
async fn the_limit_holds_across_a_minute_edge() {
    let w = world().await;
    let malformed = format!("{}x", w.wrong_code());
    // The last second of a clock minute: the whole limit (50), answered without HRD.
    w.clock.advance(59 - T0.rem_euclid(60));
    for _ in 0..50 {
        assert_eq!(w.verify(&malformed).await.0, 422);
    }
    // One second later a fixed window started afresh and let 50 more through.
    w.clock.advance(1);
    let (status, body) = w.verify(&malformed).await;
    assert_eq!(
        (status, body["result"].as_str()),
        (429, Some("rate_limited"))
    );
    assert_eq!(
        body["retry_after_seconds"], 59,
        "until the first of the 50 leaves"
    );
    // A minute after them, the trainee may try again.
    w.clock.advance(59);
    assert_eq!(w.verify(&malformed).await.0, 422);
}

#[tokio::test]
async fn limit_counts_no_window_looks_at_are_deleted() {
    let w = world().await;
    w.verify(&w.wrong_code()).await;
    let gw = &w.server.state.gateway;
    let postgres = gw.store.engine == motp_server::store::Engine::Postgres;
    let swept = housekeeping::run_once(gw, T0 + 30, None).await.unwrap();
    assert_eq!(swept.rate_counts, 0, "still in the window");
    let swept = housekeeping::run_once(gw, T0 + 61, None).await.unwrap();
    // PostgreSQL keeps them in rate_seconds (one row for the trainee, one for the address);
    // SQLite's memory forgets by itself.
    assert_eq!(swept.rate_counts, if postgres { 2 } else { 0 });
    let again = housekeeping::run_once(gw, T0 + 61, None).await.unwrap();
    assert_eq!(again.rate_counts, 0);
}
