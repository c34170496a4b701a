//! NICE 본인확인 run by the gateway (`identity_provider = "nice"`), against the sandbox's NICE
//! emulator, driven as a browser would be: the check's page posts the sealed request to NICE's
//! standard window; NICE delivers the sealed result back to the gateway by POST or by GET.

use crate::world::{claims, world, World, NAME, NICE_ORIGIN, NICE_SECRET, TEL};
use hrd_sandbox::nice::{Knobs, QueuedOutcome};
use motp_server::domain::jwt as token;
use serde_json::{json, Value};

fn nice_token() -> String {
    token::mint(&claims("nicelms", "trainee01", NAME, TEL), NICE_SECRET)
}

/// A browser that does not follow redirects, so each hop is seen.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The `action` and hidden fields of the one form on `page`.
fn form(page: &str) -> (String, Vec<(String, String)>) {
    let attr = |tag: &str, name: &str| -> Option<String> {
        let at = tag.find(&format!("{name}=\""))? + name.len() + 2;
        let value = &tag[at..at + tag[at..].find('"')?];
        Some(value.replace("&amp;", "&").replace("&quot;", "\""))
    };
    let form_tag = &page[page.find("<form").expect("a form")..];
    let action = attr(&form_tag[..form_tag.find('>').unwrap()], "action").unwrap();
    let fields = form_tag
        .split("<input")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find('>')?];
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect();
    (action, fields)
}

impl World {
    async fn lock_nice(&self) {
        let wrong = self.wrong_code();
        for _ in 0..5 {
            self.verify_with(&nice_token(), json!({ "code": wrong }))
                .await;
        }
    }

    /// Starts a check and follows its page to NICE's standard window, with `outcome` queued at the
    /// emulator; returns the check's id and NICE's answer to the window (the delivery).
    async fn nice_check(&self, outcome: QueuedOutcome) -> (String, reqwest::Response) {
        let res = self
            .http
            .post(format!("{}/v1/identity/start", self.server.url()))
            .bearer_auth(nice_token())
            .header("Origin", NICE_ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let started: Value = res.json().await.unwrap();
        let popup = started["popup_url"].as_str().unwrap();
        assert!(popup.starts_with("/v1/identity/nice/"), "{popup}");
        let page = browser()
            .get(format!("{}{popup}", self.server.url()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let (action, fields) = form(&page);
        assert_eq!(
            action,
            format!("{}/nice/CheckPlusSafeModel/service.cb", self.sandbox_url)
        );
        let names: Vec<_> = fields.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["m", "token_version_id", "enc_data", "integrity_value"]
        );
        self.sandbox.nice().queue_outcome(outcome);
        let delivery = browser().post(action).form(&fields).send().await.unwrap();
        (started["state"].as_str().unwrap().to_string(), delivery)
    }

    /// Sends NICE's delivery on to the gateway's return URL, as the browser would (a form it
    /// submits, or a redirect it follows); the gateway's answer.
    async fn deliver(&self, delivery: reqwest::Response) -> (u16, String) {
        let res = if delivery.status() == 302 {
            let to = delivery.headers()["location"].to_str().unwrap().to_string();
            assert!(to.starts_with(&format!("{}/v1/identity/nice/return?", self.server.url())));
            browser().get(to).send().await.unwrap()
        } else {
            let (action, fields) = form(&delivery.text().await.unwrap());
            assert_eq!(
                action,
                format!("{}/v1/identity/nice/return", self.server.url())
            );
            browser().post(action).form(&fields).send().await.unwrap()
        };
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn nice_status(&self, state: &str) -> Value {
        crate::common::get_json(
            &self.http,
            format!("{}/v1/identity/{state}", self.server.url()),
            Some(&nice_token()),
        )
        .await
    }

    async fn nice_reset(&self, state: &str) -> (u16, Value) {
        let res = self
            .http
            .post(format!("{}/v1/lock/reset", self.server.url()))
            .bearer_auth(nice_token())
            .header("Origin", NICE_ORIGIN)
            .json(&json!({ "state": state }))
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.json().await.unwrap())
    }
}

/// The whole way, delivered by POST: HRD's user_reset gets NICE's own resultcode, responseno and
/// enctime; a replay of the same delivery changes nothing.
#[tokio::test]
async fn a_nice_check_lifts_the_lock_with_nices_own_record() {
    let w = world().await;
    w.lock_nice().await;
    let (state, delivery) = w
        .nice_check(QueuedOutcome::identified(NAME, TEL, "19900101"))
        .await;
    let (status, page) = w.deliver(delivery).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("본인인증이 완료되었습니다"), "{page}");
    assert!(page.contains(&format!("postMessage(message, \"{NICE_ORIGIN}\")")));
    assert_eq!(w.nice_status(&state).await["status"], "succeeded");

    let (status, body) = w.nice_reset(&state).await;
    assert_eq!((status, body), (200, json!({"result": "unlocked"})));
    let sent = w.sandbox.nice().deliveries();
    let resets = w.sandbox.logs(Some("reset"));
    assert_eq!(resets.len(), 1);
    let f = &resets[0].fields;
    assert_eq!(f["M_RET"], "T");
    assert_eq!(f["M_RETCD"], "0000");
    assert_eq!(
        Some(&f["M_TRNID"]),
        sent[0].responseno.as_ref(),
        "NICE's responseno"
    );
    assert_eq!(
        f["M_TRNDT"],
        motp_protocol::kst::format_unix(sent[0].delivered_unix),
        "NICE's enctime, as HRD writes times"
    );
    assert_eq!(
        (f["USER_NM"].as_str(), f["AGTID"].as_str()),
        (NAME, "NICE01")
    );

    // The same delivery again (a replayed return): refused, nothing more reaches HRD.
    let again = &sent[0];
    let res = browser()
        .post(format!("{}/v1/identity/nice/return", w.server.url()))
        .form(&[
            ("token_version_id", again.token_version_id.as_str()),
            ("enc_data", again.enc_data.as_str()),
            ("integrity_value", again.integrity_value.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("already has a result"),
        "{body}"
    );
    assert_eq!(w.sandbox.logs(Some("reset")).len(), 1);
}

/// NICE may deliver by GET where POST was asked (browsers and devices differ), with `+` in the
/// base64 sent raw: both are read.
#[tokio::test]
async fn a_result_delivered_by_get_with_raw_plus_signs_is_read() {
    let w = world().await;
    w.lock_nice().await;
    for knobs in [
        Knobs {
            force_get: true,
            ..Knobs::default()
        },
        Knobs {
            force_get: true,
            raw_plus: true,
            ..Knobs::default()
        },
    ] {
        w.sandbox.nice().set_knobs(knobs);
        let (state, delivery) = w
            .nice_check(QueuedOutcome::identified(NAME, TEL, "19900101"))
            .await;
        assert_eq!(delivery.status(), 302);
        let (status, page) = w.deliver(delivery).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(w.nice_status(&state).await["status"], "succeeded");
    }
}

/// A failed check (`0001`) says NICE's reason and lifts nothing; another person's check is
/// recorded but lifts nothing either; a tampered result is refused unopened.
#[tokio::test]
async fn failures_other_people_and_tampering_lift_nothing() {
    let w = world().await;
    w.lock_nice().await;

    let (state, delivery) = w.nice_check(QueuedOutcome::failed("0001")).await;
    let (status, page) = w.deliver(delivery).await;
    assert_eq!(status, 200);
    assert!(page.contains("NICE 0001: 인증 불일치"), "{page}");
    assert_eq!(w.nice_status(&state).await["status"], "failed");
    let (status, _) = w.nice_reset(&state).await;
    assert_eq!(status, 409);

    let (state, delivery) = w
        .nice_check(QueuedOutcome::identified(
            "김철수",
            "01099998888",
            "19850505",
        ))
        .await;
    assert_eq!(w.deliver(delivery).await.0, 200);
    let (status, body) = w.nice_reset(&state).await;
    assert_eq!(
        (status, body["result"].clone()),
        (403, json!("identity_mismatch"))
    );

    w.sandbox.nice().set_knobs(Knobs {
        tamper_integrity: true,
        ..Knobs::default()
    });
    let (state, delivery) = w
        .nice_check(QueuedOutcome::identified(NAME, TEL, "19900101"))
        .await;
    let (status, body) = w.deliver(delivery).await;
    assert_eq!(status, 400);
    assert!(body.contains("integrity value does not match"), "{body}");
    assert_eq!(w.nice_status(&state).await["status"], "pending");

    assert!(
        w.sandbox.logs(Some("reset")).is_empty(),
        "nothing reached HRD"
    );
}
