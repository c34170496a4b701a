//! The audit trail exported for the institution (CSV and JSON lines), without personal data.

use crate::world::{launch_token, world, API_KEY, NAME, OTHER_API_KEY, TEL};

#[tokio::test]
async fn the_audit_trail_exports_for_the_institution_without_personal_data() {
    let w = world().await;
    w.lock().await;
    let state = w.sandbox_identity_check(NAME, TEL).await;
    w.reset_with(&launch_token(), &state).await;
    let (_, body) = w.verify(&w.code_now()).await;
    assert_eq!(body["result"], "verified");

    let export = |user: &'static str, secret: &'static str, query: &'static str| {
        w.http
            .get(format!("{}/v1/admin/audit?{query}", w.server.url()))
            .basic_auth(user, Some(secret))
            .send()
    };
    let res = export("kosa", API_KEY, "from=2026-11-27&to=2026-11-27")
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let events: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "verify",
            "verify",
            "verify",
            "verify",
            "verify",
            "lock",
            "identity_check",
            "reset",
            "verify"
        ]
    );
    assert!(csv
        .lines()
        .nth(1)
        .unwrap()
        .contains("2026-11-27 19:00:20,kosa,trainee01,verify,AP001,01,03"));
    assert!(
        !csv.contains("01012345678") && !csv.contains("5678"),
        "no mobile numbers"
    );
    assert!(!csv.contains(&w.code_now()), "no codes");

    let jsonl = export(
        "kosa",
        API_KEY,
        "from=2026-11-27&to=2026-11-27&usrid=trainee01&format=jsonl",
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert_eq!(jsonl.lines().count(), 9);
    let empty = export("kosa", API_KEY, "from=2026-11-28&to=2026-11-30")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(empty.lines().count(), 1, "header only");
    let other = export("other", OTHER_API_KEY, "from=2026-11-27&to=2026-11-27")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        other.lines().count(),
        1,
        "another tenant sees none of these"
    );
    assert_eq!(
        export("kosa", "wrong-secret", "from=2026-11-27&to=2026-11-27")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        export("kosa", API_KEY, "from=2026-11-27&to=11/30")
            .await
            .unwrap()
            .status(),
        400
    );
}
