//! Lifting a lock: identity check, then reset at HRD; refusals, a reset queued while HRD does
//! not answer, and HRD refusing the reset.

use crate::common;
use crate::world::{claims, launch_token, world, API_KEY, NAME, ORIGIN, SECRET, T0, TEL};
use motp_server::domain::jwt::{self as token, LaunchClaims};
use serde_json::{json, Value};

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
    // A well-formed id no check has: the check is required.
    let (status, body) = w.reset_with(&launch_token(), &"0".repeat(32)).await;
    assert_eq!(
        (status, body["result"].as_str().unwrap()),
        (409, "identity_check_required")
    );
    // Something no check id can be is refused as such, before it is looked up.
    let (status, body) = w.reset_with(&launch_token(), "no-such-state").await;
    assert_eq!(
        (status, body["error"].as_str().unwrap()),
        (400, "bad_request")
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
            .basic_auth("kosa", Some(API_KEY))
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

/// In the trainee's own window (an in-app browser): the check starts with the LMS page to return
/// to, which must be a page of the origin the check starts from; its last page goes back there
/// with the check's id in the fragment only, and the check then lifts the lock as from a popup.
#[tokio::test]
async fn a_check_in_the_trainees_own_window_returns_to_the_lms_page() {
    let w = world().await;
    w.lock().await;
    let start = |return_to: &'static str| {
        w.http
            .post(format!("{}/v1/identity/start", w.server.url()))
            .query(&[("return_to", return_to)])
            .bearer_auth(launch_token())
            .header("Origin", ORIGIN)
            .send()
    };
    for elsewhere in [
        "https://evil.example/lecture",
        "https://lms.kosa.example.evil.example/",
        "javascript:alert(1)",
    ] {
        let res = start(elsewhere).await.unwrap();
        assert_eq!(res.status(), 400, "{elsewhere}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("return_to"),
            "{body}"
        );
    }
    let page = format!("{ORIGIN}/lecture/3?chapter=3");
    // The page's own fragment is dropped: the check's last page adds its own.
    let res = start("https://lms.kosa.example/lecture/3?chapter=3#top")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let started: Value = res.json().await.unwrap();
    let state = started["state"].as_str().unwrap();
    let popup = format!(
        "{}{}",
        w.server.url(),
        started["popup_url"].as_str().unwrap()
    );
    let done = common::sandbox_popup(&w.http, &popup, NAME, TEL).await;
    let back = format!("\"{page}#motp-reset={state}\"");
    assert!(done.contains(&back), "the last page goes back: {done}");
    assert!(
        !done.contains(TEL) && !done.contains(NAME),
        "no personal data"
    );
    let (status, body) = w.reset_with(&launch_token(), state).await;
    assert_eq!((status, body), (200, json!({"result": "unlocked"})));
}
