//! The NICE emulator's standard-window pages, as a person goes through them.

mod nice_support;

use nice_support::*;

#[tokio::test]
async fn a_person_goes_through_the_pages_and_their_answers_are_delivered() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let window = open_page(&app, &issued, "R-P").await;
    let bad = step(
        &app,
        &window,
        "step=sms&mobileco=3&name=<b>&birthdate=1990&gender=1&mobileno=01012345678",
    )
    .await;
    assert!(
        bad.body.contains("생년월일")
            && bad.body.contains("&lt;b&gt;")
            && !bad.body.contains("<b>")
    );
    let page = step(&app, &window, PERSON).await.body;
    let code = page.split(r#"id="sms-code">"#).nth(1).unwrap()[..6].to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    assert!(step(&app, &window, &format!("step=confirm&sms={wrong}"))
        .await
        .body
        .contains("(1/3)"));
    let a = step(&app, &window, &format!("step=confirm&sms={code}")).await;
    let o = opened(&issued, &a);
    assert_eq!(
        (o.resultcode.as_str(), o.name.as_str(), o.mobileno.as_str()),
        ("0000", "홍길동", "01012345678")
    );
    assert_eq!(
        (o.mobileco.as_str(), o.birthdate.as_str(), o.gender.as_str()),
        ("3", "19900101", "1")
    );
    assert_eq!(
        error_reason(&step(&app, &window, "step=confirm&sms=1").await),
        "unknown_window"
    );
}

#[tokio::test]
async fn three_wrong_codes_deliver_9097_and_cancel_delivers_nothing() {
    let (sb, app) = setup();
    let issued = issue(&app, &sb).await;
    let window = open_page(&app, &issued, "R-W").await;
    let code = step(&app, &window, PERSON)
        .await
        .body
        .split(r#"id="sms-code">"#)
        .nth(1)
        .unwrap()[..6]
        .to_string();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    step(&app, &window, &format!("step=confirm&sms={wrong}")).await;
    step(&app, &window, &format!("step=confirm&sms={wrong}")).await;
    let o = opened(
        &issued,
        &step(&app, &window, &format!("step=confirm&sms={wrong}")).await,
    );
    assert_eq!(
        (o.resultcode.as_str(), o.name.as_str()),
        ("9097", ""),
        "a failure names nobody"
    );
    assert!(o.responseno.is_some());

    let window = open_page(&app, &issued, "R-C").await;
    let closed = step(&app, &window, "step=cancel").await;
    assert!(closed.body.contains("nice-closed") && !closed.headers.contains_key(header::LOCATION));
    control(&app, "/nice/sandbox/outcome", json!({"close": true})).await;
    let closed = post_window(
        &app,
        WINDOW,
        window_form(&issued, request(&issued, "R-C2", None).to_json().as_bytes()),
    )
    .await;
    assert!(closed.body.contains("nice-closed"));
    // A person may also pick a failure; the knob drops responseno from failures.
    control(
        &app,
        "/nice/sandbox/knobs",
        json!({"omit_responseno_on_failure": true}),
    )
    .await;
    let window = open_page(&app, &issued, "R-F").await;
    let o = opened(
        &issued,
        &step(&app, &window, "step=fail&resultcode=0001").await,
    );
    assert_eq!((o.resultcode.as_str(), o.responseno), ("0001", None));
    assert_eq!(deliveries(&app).await.len(), 2);
}
