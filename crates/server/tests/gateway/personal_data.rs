//! A person's name and mobile are kept only while something still needs them: not at all on a
//! failed check, until a check is used or expires unused, and in the outbox until HRD has answered;
//! the audit only for its retention period.

use crate::world::*;
use motp_server::domain::housekeeping;
use motp_server::domain::jwt as token;
use serde_json::json;
use sqlx::Connection;

impl World {
    /// `(name, tel)` as stored for check `state`.
    async fn person_of(&self, state: &str) -> (Option<String>, Option<String>) {
        sqlx::any::install_default_drivers();
        let mut db = sqlx::AnyConnection::connect(&self.db).await.unwrap();
        sqlx::query_as("SELECT name, tel FROM identity_checks WHERE state = $1")
            .bind(state)
            .fetch_one(&mut db)
            .await
            .unwrap()
    }

    /// Every outbox payload, with its status.
    async fn outbox_payloads(&self) -> Vec<(String, String)> {
        let mut db = sqlx::AnyConnection::connect(&self.db).await.unwrap();
        sqlx::query_as("SELECT status, payload FROM outbox ORDER BY id")
            .fetch_all(&mut db)
            .await
            .unwrap()
    }

    async fn audit_lines(&self) -> i64 {
        let mut db = sqlx::AnyConnection::connect(&self.db).await.unwrap();
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit")
            .fetch_one(&mut db)
            .await
            .unwrap();
        n
    }
}

#[tokio::test]
async fn a_used_reset_keeps_neither_the_person_nor_the_payload_hrd_answered() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    assert_eq!(
        w.person_of(&state).await,
        (Some(NAME.into()), Some(TEL.into()))
    );
    let (status, _) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 200);
    assert_eq!(w.person_of(&state).await, (None, None));
    let outbox = w.outbox_payloads().await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].0, "done");
    assert!(
        !outbox[0].1.contains(TEL) && !outbox[0].1.contains(NAME),
        "{outbox:?}"
    );
}

#[tokio::test]
async fn a_payload_waiting_for_hrd_keeps_what_hrd_needs() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    w.sandbox
        .faults
        .set(serde_json::from_value(json!("ie001")).unwrap(), 1);
    let (status, _) = w.reset_with(&launch_token(), &state).await;
    assert_eq!(status, 202);
    let outbox = w.outbox_payloads().await;
    assert_eq!(outbox[0].0, "queued");
    assert!(outbox[0].1.contains(TEL), "still to be sent");
}

#[tokio::test]
async fn a_check_that_expires_unused_forgets_the_person() {
    let w = world().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    let gw = &w.server.state.gateway;
    let swept = housekeeping::run_once(gw, T0 + 5 * 60, None).await.unwrap();
    assert_eq!(swept.expired_checks, 0, "still usable");
    assert_eq!(w.person_of(&state).await.0.as_deref(), Some(NAME));
    let swept = housekeeping::run_once(gw, T0 + 11 * 60, None)
        .await
        .unwrap();
    assert_eq!(swept.expired_checks, 1);
    assert_eq!(w.person_of(&state).await, (None, None));
}

#[tokio::test]
async fn a_failed_check_never_keeps_the_person() {
    let w = world().await;
    let launch = token::mint(&claims("other", "trainee01", NAME, TEL), OTHER_SECRET);
    let started = w.start_check(&launch, "https://lms.other.example").await;
    let state = started["state"].as_str().unwrap();
    let claims = json!({
        "iss": "other", "aud": "motp-attestation", "state": state, "result": "F",
        "result_code": "B001", "trnid": "NICE-1", "trndt": "2026-11-27 19:00:10",
        "sub": "trainee01", "name": NAME, "tel": TEL, "iat": T0, "jti": "f1",
    });
    let attestation = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &claims,
        &jsonwebtoken::EncodingKey::from_secret(OTHER_SECRET.as_bytes()),
    )
    .unwrap();
    let res = w
        .http
        .post(format!("{}/v1/identity/attestations", w.server.url()))
        .json(&json!({ "attestation": attestation }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(w.check_status_as(&launch, state).await, "failed");
    assert_eq!(w.person_of(state).await, (None, None));
}

#[tokio::test]
async fn the_audit_is_kept_for_its_retention_period_only() {
    let w = world().await;
    w.verify(&w.wrong_code()).await;
    assert_eq!(w.audit_lines().await, 1);
    let gw = &w.server.state.gateway;
    let day = 24 * 3600;
    // Within 30 days, or kept for good (0): nothing goes.
    let swept = housekeeping::run_once(gw, T0 + 29 * day, Some(30))
        .await
        .unwrap();
    assert_eq!(swept.audit_lines, 0);
    let swept = housekeeping::run_once(gw, T0 + 400 * day, Some(0))
        .await
        .unwrap();
    assert_eq!(swept.audit_lines, 0);
    let swept = housekeeping::run_once(gw, T0 + 31 * day, Some(30))
        .await
        .unwrap();
    assert_eq!(swept.audit_lines, 1);
    assert_eq!(w.audit_lines().await, 0);
}

impl World {
    async fn check_status_as(&self, launch: &str, state: &str) -> String {
        let body = crate::common::get_json(
            &self.http,
            format!("{}/v1/identity/{state}", self.server.url()),
            Some(launch),
        )
        .await;
        body["status"].as_str().unwrap_or_default().to_string()
    }
}
