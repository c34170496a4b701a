//! The NICE emulator's standard window and deliveries, driven as the gateway will drive them.

mod nice_support;

use nice_support::*;

#[tokio::test]
async fn a_queued_outcome_is_delivered_by_post_and_opens_as_the_gateway_reads_it() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    assert_eq!(issued.token_version_id.len(), 43);
    assert_eq!(issued.site_code, "SBX01");
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let plain = request(&issued, "R-0001", Some("post")).to_json();
    let a = post_window(&app, WINDOW, window_form(&issued, plain.as_bytes())).await;
    let o = opened(&issued, &a);
    assert_eq!((o.resultcode.as_str(), o.name.as_str()), ("0000", "홍길동"));
    assert_eq!(
        (o.mobileno.as_str(), o.birthdate.as_str()),
        ("01012345678", "19900101")
    );
    assert_eq!(o.requestno, "R-0001");
    assert_eq!(o.sitecode, "SBX01");
    assert_eq!(o.receivedata.as_deref(), Some("check-42"));
    assert_eq!(o.enctime, "20261127190000");
    assert_eq!(o.enctime_for_hrd().as_deref(), Some("2026-11-27 19:00:00"));
    assert_eq!(o.utf8_name, "%ED%99%8D%EA%B8%B8%EB%8F%99");
    assert_eq!((o.ci.len(), o.di.len()), (88, 64));
    let no = o.responseno.unwrap();
    assert_eq!(no.len(), 24);
    assert!(
        no[..2].bytes().all(|b| b.is_ascii_uppercase())
            && no[2..].bytes().all(|b| b.is_ascii_digit())
    );
    let log = deliveries(&app).await;
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0]["method"].as_str(), log[0]["resultcode"].as_str()),
        (Some("post"), Some("0000"))
    );
    assert_eq!(log[0]["responseno"].as_str(), Some(no.as_str()));
}

#[tokio::test]
async fn get_delivery_redirects_with_the_fields_percent_encoded() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    // Opened by GET at another of the window's paths, as some samples do.
    let plain = request(&issued, "R-GET", Some("get")).to_json();
    let uri = format!(
        "/nice/cert/request?{}",
        window_form(&issued, plain.as_bytes())
    );
    let a = send(&app, Request::get(uri).body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, StatusCode::FOUND);
    let location = a.headers[header::LOCATION].to_str().unwrap();
    let query = location.split_once('?').unwrap().1;
    assert!(
        !query.contains('+') && !query.contains('/') && query.matches('=').count() == 3,
        "{location}"
    );
    assert_eq!(opened(&issued, &a).requestno, "R-GET");
}

#[tokio::test]
async fn knobs_force_get_with_raw_plus_then_reset() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let k = control(
        &app,
        "/nice/sandbox/knobs",
        json!({"force_get": true, "raw_plus": true}),
    )
    .await;
    assert_eq!(k["force_get"], true);
    for n in 1..=2 {
        control(&app, "/nice/sandbox/outcome", hong()).await;
        let plain = request(&issued, &format!("R-K{n}"), Some("post")).to_json();
        let a = post_window(
            &app,
            "/nice/CheckPlusSafeModel/checkplus.cb",
            window_form(&issued, plain.as_bytes()),
        )
        .await;
        // Raw base64 in a query: `+` reads back as a space, which `Keys::open` mends.
        assert_eq!(opened(&issued, &a).requestno, format!("R-K{n}"));
        let expected = if n == 1 {
            StatusCode::FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(a.status, expected, "the knobs apply to one delivery only");
    }
}

#[tokio::test]
async fn a_tampered_integrity_value_is_refused_by_open() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(
        &app,
        "/nice/sandbox/knobs",
        json!({"tamper_integrity": true}),
    )
    .await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let plain = request(&issued, "R-T", None).to_json();
    let a = post_window(&app, WINDOW, window_form(&issued, plain.as_bytes())).await;
    let (_, enc, integrity) = delivered(&a);
    assert_eq!(
        issued.keys.open(&enc, &integrity),
        Err(OpenError::Integrity)
    );
    assert_eq!(deliveries(&app).await[0]["knobs"]["tamper_integrity"], true);
}

#[tokio::test]
async fn a_requestno_is_single_use_and_replay_last_resends_the_delivery() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let form_body = window_form(
        &issued,
        request(&issued, "R-ONCE", None).to_json().as_bytes(),
    );
    let first = post_window(&app, WINDOW, form_body.clone()).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let again = post_window(&app, WINDOW, form_body).await;
    assert_eq!(error_reason(&again), "requestno_used");
    assert_eq!(deliveries(&app).await.len(), 1);
    // Another requestno with the same crypto token is fine (§4.3).
    let other = post_window(
        &app,
        WINDOW,
        window_form(
            &issued,
            request(&issued, "R-TWO", None).to_json().as_bytes(),
        ),
    )
    .await;
    assert_eq!(opened(&issued, &other).requestno, "R-TWO");
    let replay = send(
        &app,
        Request::post("/nice/sandbox/replay-last")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(delivered(&replay), delivered(&other));
    let log = deliveries(&app).await;
    assert_eq!((log.len(), log[2]["replay"].as_bool()), (3, Some(true)));
    assert_ne!(delivered(&first), delivered(&other));
}

#[tokio::test]
async fn the_sandbox_clock_expires_crypto_tokens() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let form_body =
        |no: &str| window_form(&issued, request(&issued, no, None).to_json().as_bytes());
    control(&app, "/sandbox/clock", json!({"fixed_unix": T0 + 3600})).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    assert_eq!(
        opened(&issued, &post_window(&app, WINDOW, form_body("R-1")).await).enctime,
        "20261127200000"
    );
    // HRD's clock control moves NICE's expiry too.
    control(&app, "/sandbox/clock", json!({"fixed_unix": T0 + 3601})).await;
    assert_eq!(
        error_reason(&post_window(&app, WINDOW, form_body("R-2")).await),
        "expired_token"
    );
    let fresh = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/expire-crypto-tokens", json!({})).await;
    let form_body = window_form(&fresh, request(&fresh, "R-3", None).to_json().as_bytes());
    assert_eq!(
        error_reason(&post_window(&app, WINDOW, form_body).await),
        "expired_token"
    );
}

#[tokio::test]
async fn the_window_refuses_bad_requests_with_nices_error_page() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let good = |no: &str| request(&issued, no, None);
    let sealed = issued.keys.seal(good("R-1").to_json().as_bytes());
    let cases: Vec<(String, &str)> = vec![
        (
            window_form(&issued, good("R-1").to_json().as_bytes())
                .replace("m=service", "m=checkplusService"),
            "bad_service",
        ),
        (
            window_form_with(
                "2026112719000000-NCAACC000-00000-0000000000",
                &sealed.enc_data,
                &sealed.integrity_value,
            ),
            "unknown_token",
        ),
        (
            window_form_with(
                &issued.token_version_id,
                &sealed.enc_data,
                &issued.keys.integrity("other"),
            ),
            "integrity",
        ),
        (
            window_form_with(
                &issued.token_version_id,
                "AAAA",
                &issued.keys.integrity("AAAA"),
            ),
            "malformed",
        ),
        (window_form(&issued, b"requestno=R-1"), "bad_json"),
        (
            window_form(
                &issued,
                format!(r#"{{"returnurl":"{RETURN}","sitecode":"SBX01"}}"#).as_bytes(),
            ),
            "bad_requestno",
        ),
        (
            window_form(&issued, br#"{"requestno":"R-1","sitecode":"SBX01"}"#),
            "bad_returnurl",
        ),
        (
            window_form(
                &issued,
                br#"{"requestno":"R-1","returnurl":"https://","sitecode":"SBX01"}"#,
            ),
            "bad_returnurl",
        ),
        (
            window_form(
                &issued,
                NiceRequest {
                    sitecode: "AB123".into(),
                    ..good("R-1")
                }
                .to_json()
                .as_bytes(),
            ),
            "sitecode_mismatch",
        ),
    ];
    for (body, reason) in cases {
        control(&app, "/nice/sandbox/outcome", hong()).await;
        assert_eq!(error_reason(&post_window(&app, WINDOW, body).await), reason);
    }
    assert!(deliveries(&app).await.is_empty());
}

#[tokio::test]
async fn the_utf8_knob_seals_a_result_the_euc_kr_decoder_does_not_read_as_the_name() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/nice/sandbox/knobs", json!({"utf8_result": true})).await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let a = post_window(
        &app,
        WINDOW,
        window_form(&issued, request(&issued, "R-U", None).to_json().as_bytes()),
    )
    .await;
    let (_, enc, integrity) = delivered(&a);
    let plain = issued.keys.open(&enc, &integrity).unwrap();
    assert_ne!(
        Outcome::from_wire(&plain).map(|o| o.name),
        Ok("홍길동".to_string())
    );
}

#[tokio::test]
async fn the_mobile_co_knob_spells_the_keys_the_minority_way() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(
        &app,
        "/nice/sandbox/knobs",
        json!({"mobile_co_spelling": true}),
    )
    .await;
    control(&app, "/nice/sandbox/outcome", hong()).await;
    let form_body = window_form(&issued, request(&issued, "R-S", None).to_json().as_bytes());
    let a = post_window(&app, WINDOW, form_body).await;
    let (_, enc, integrity) = delivered(&a);
    let plain = issued.keys.open(&enc, &integrity).unwrap();
    let text = String::from_utf8_lossy(&plain);
    assert!(
        text.contains(r#""mobile_no":"01012345678""#) && !text.contains("mobileno"),
        "{text}"
    );
    let o = Outcome::from_wire(&plain).unwrap();
    assert_eq!(
        (o.name.as_str(), o.mobileno.as_str()),
        ("홍길동", "01012345678")
    );
}

#[tokio::test]
async fn the_standalone_binary_also_takes_outcomes_at_sandbox_nice() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    control(&app, "/sandbox/nice/outcome", hong()).await;
    let form_body = window_form(&issued, request(&issued, "R-A", None).to_json().as_bytes());
    let o = opened(&issued, &post_window(&app, WINDOW, form_body).await);
    assert_eq!(o.name, "홍길동");
    let a = send(
        &app,
        Request::get("/sandbox/nice/deliveries")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Vec<Value>>(&a.body).unwrap().len(),
        1
    );
}

/// The same, from Rust, as the gateway's own tests may drive it through `Sandbox::nice()`.
#[tokio::test]
async fn outcomes_queued_from_rust_deliver_in_order() {
    use hrd_sandbox::nice::QueuedOutcome;
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    sb.nice().queue_outcome(QueuedOutcome::failed("0001"));
    sb.nice().queue_outcome(QueuedOutcome::identified(
        "홍길동",
        "01012345678",
        "19900101",
    ));
    for (no, code, name) in [("R-1", "0001", ""), ("R-2", "0000", "홍길동")] {
        let form_body = window_form(&issued, request(&issued, no, None).to_json().as_bytes());
        let o = opened(&issued, &post_window(&app, WINDOW, form_body).await);
        assert_eq!((o.resultcode.as_str(), o.name.as_str()), (code, name));
    }
    let d = sb.nice().deliveries();
    assert_eq!((d.len(), d[1].resultcode.as_str()), (2, "0000"));
}
