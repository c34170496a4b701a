//! The NICE emulator's token endpoints (E1, E2, E3): their codes, in the spec's order.

mod nice_support;

use nice_support::*;

#[tokio::test]
async fn access_tokens_repeat_until_revoked_and_bad_clients_get_1801() {
    let (sb, app) = setup();
    let wrong = e1(
        &app,
        &basic(CLIENT, "not-the-secret"),
        "grant_type=client_credentials&scope=default",
    )
    .await;
    assert_eq!(
        (wrong.header.gateway_code.as_deref(), wrong.body),
        (Some("1801"), None)
    );
    let grant = e1(&app, &basic(CLIENT, SECRET), "grant_type=password").await;
    assert_eq!(grant.header.gateway_code.as_deref(), Some("1400"));
    let first = e1(
        &app,
        &basic(CLIENT, SECRET),
        "grant_type=client_credentials&scope=default",
    )
    .await;
    assert_eq!(first.header.gateway_message.as_deref(), Some("오류 없음"));
    let first = first.body.unwrap();
    assert_eq!(
        (first.token_type.as_str(), first.expires_in),
        ("bearer", 1_576_800_000)
    );
    sb.clock.advance(38);
    let second = e1(
        &app,
        &basic(CLIENT, SECRET),
        "grant_type=client_credentials&scope=default",
    )
    .await
    .body
    .unwrap();
    assert_eq!(
        (second.access_token.as_str(), second.expires_in),
        (first.access_token.as_str(), 1_576_800_000 - 38)
    );
    let revoke = Request::post("/nice/digital/niceid/oauth/oauth/token/revokeById")
        .header(
            header::AUTHORIZATION,
            format!(
                "Basic {}",
                BASE64.encode(format!("{}:{}:{CLIENT}", first.access_token, sb.now()))
            ),
        )
        .body(Body::empty())
        .unwrap();
    let revoked: Value = serde_json::from_str(&send(&app, revoke).await.body).unwrap();
    assert_eq!(
        (
            revoked["dataHeader"]["GW_RSLT_CD"].as_str(),
            revoked["dataBody"]["result"].as_str()
        ),
        (Some("1200"), Some("true"))
    );
    let old = e3(
        &app,
        E3,
        Some(bearer(&first.access_token, sb.now(), CLIENT)),
        Some("2101979031"),
        e3_body("20261127190038", "R1"),
    )
    .await;
    assert_eq!(old.header.gateway_code.as_deref(), Some("1800"));
    assert_ne!(access_token(&app).await, first.access_token);
}

#[tokio::test]
async fn crypto_token_checks_come_in_the_specs_order_with_its_codes() {
    let (sb, app) = setup();
    let token = access_token(&app).await;
    let now = sb.now();
    let ok_body = e3_body("20261127190000", "REQ1");
    let ok_auth = || Some(bearer(&token, now, CLIENT));
    let product = Some("2101979031");
    let gw = |e: Envelope<CryptoToken>| e.header.gateway_code.unwrap();
    let result_cd = |e: Envelope<CryptoToken>| {
        assert_eq!(e.header.gateway_code.as_deref(), Some("1200"));
        let b = e.body.unwrap();
        assert_eq!(b.rsp_cd, "P000");
        b.result_cd.unwrap()
    };
    // Body shape first, even with no token at all.
    assert_eq!(
        gw(e3(&app, E3, None, None, "not json".into()).await),
        "1500"
    );
    assert_eq!(
        gw(e3(&app, E3, ok_auth(), product, r#"{"dataHeader":{}}"#.into()).await),
        "1500"
    );
    assert_eq!(
        gw(e3(&app, E3, None, product, ok_body.clone()).await),
        "1401"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer("unknown", now, CLIENT)),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(format!(
                "bearer {}",
                BASE64.encode(format!("{token}:{now}"))
            )),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer(&token, now - 180, CLIENT)),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer(&token, now + 180, CLIENT)),
            product,
            ok_body.clone()
        )
        .await),
        "1800"
    );
    let far = Some(bearer(&token, i64::MIN, CLIENT));
    assert_eq!(
        gw(e3(&app, E3, far, product, ok_body.clone()).await),
        "1800"
    );
    assert_eq!(
        result_cd(
            e3(
                &app,
                E3,
                Some(bearer(&token, now - 179, CLIENT)),
                product,
                ok_body.clone()
            )
            .await
        ),
        "0000"
    );
    // Client before product: both wrong answers 1801.
    assert_eq!(
        gw(e3(
            &app,
            E3,
            Some(bearer(&token, now, "other-client")),
            Some("1"),
            ok_body.clone()
        )
        .await),
        "1801"
    );
    assert_eq!(
        gw(e3(&app, E3, ok_auth(), None, ok_body.clone()).await),
        "1706"
    );
    assert_eq!(
        gw(e3(&app, E3, ok_auth(), Some("2101434007"), ok_body.clone()).await),
        "1706"
    );
    let missing = r#"{"dataHeader":{"CNTY_CD":"ko"},"dataBody":{"req_dtim":"20261127190000","enc_mode":"1"}}"#;
    assert_eq!(
        result_cd(e3(&app, E3, ok_auth(), product, missing.into()).await),
        "0001"
    );
    let mode2 = ok_body.replace(r#""enc_mode":"1""#, r#""enc_mode":"2""#);
    assert_eq!(
        result_cd(e3(&app, E3, ok_auth(), product, mode2).await),
        "0001"
    );
    // The "Bearer" spelling and the path without /api are accepted; CNTY_CD is echoed.
    let alt = e3(
        &app,
        "/nice/digital/niceid/v1.0/common/crypto/token",
        Some(bearer(&token, now, CLIENT).replace("bearer", "Bearer")),
        product,
        ok_body.replace(r#""ko""#, r#""kr""#),
    )
    .await;
    assert_eq!(alt.header.country.as_deref(), Some("kr"));
    assert_eq!(result_cd(alt), "0000");
}

#[tokio::test]
async fn the_ip_allow_list_answers_1702_and_big_bodies_are_refused_unread() {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let config = SandboxConfig {
        nice: hrd_sandbox::nice::NiceConfig {
            allowed_ips: Some(vec!["127.0.0.1".parse().unwrap()]),
            ..Default::default()
        },
        ..SandboxConfig::default()
    };
    let sb = Sandbox::new(config, AdjustableClock::fixed(T0)).unwrap();
    let app = standalone_router(sb.clone());
    let token = access_token(&app).await;
    for (peer, code) in [("10.0.0.7:5000", "1702"), ("127.0.0.1:5000", "1200")] {
        let mut req = Request::post(E3)
            .header(header::AUTHORIZATION, bearer(&token, sb.now(), CLIENT))
            .header("productID", "2101979031")
            .body(Body::from(e3_body("20261127190000", "R1")))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        let env: Envelope<CryptoToken> = serde_json::from_str(&send(&app, req).await.body).unwrap();
        assert_eq!(env.header.gateway_code.as_deref(), Some(code));
    }
    let big = "a".repeat(hrd_sandbox::MAX_BODY_BYTES + 1);
    let a = post_window(&app, WINDOW, big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn a_preissued_access_token_works_without_e1() {
    let config = SandboxConfig {
        nice: hrd_sandbox::nice::NiceConfig {
            access_token: Some("kept-in-config".into()),
            ..Default::default()
        },
        ..SandboxConfig::default()
    };
    let sb = Sandbox::new(config, AdjustableClock::fixed(T0)).unwrap();
    let app = standalone_router(sb.clone());
    let auth = Some(bearer("kept-in-config", sb.now(), CLIENT));
    let env = e3(
        &app,
        E3,
        auth,
        Some("2101979031"),
        e3_body("20261127190000", "R1"),
    )
    .await;
    assert_eq!(env.body.unwrap().result_cd.as_deref(), Some("0000"));
    assert_eq!(access_token(&app).await, "kept-in-config");
}
