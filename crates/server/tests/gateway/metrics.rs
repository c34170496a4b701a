//! The Prometheus metrics endpoint.

use crate::world::world;

#[tokio::test]
async fn metrics_in_prometheus_text() {
    let w = world().await;
    w.verify(&w.wrong_code()).await;
    w.verify(&w.code_now()).await;
    let text = w
        .http
        .get(format!("{}/metrics", w.server.metrics_url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "motp_hrd_answers_total{call=\"otp_accredit\",code=\"AP001\"}",
        "motp_hrd_answers_total{call=\"otp_accredit\",code=\"200\"}",
        "motp_hrd_latency_seconds_bucket{call=\"otp_accredit\"",
        "motp_requests_total{route=\"/v1/otp/verify\",status=\"200\"}",
        "motp_outbox_depth",
        "motp_outbox_oldest_age_seconds",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    assert!(
        !text.contains("01012345678") && !text.contains("trainee01"),
        "no personal data in labels"
    );
}
