//! Every refusal that is not a typed outcome answers the documented `ApiError` JSON
//! (`{"error","message"}`), axum's own rejections included, and changes nothing.

use crate::world::*;
use motp_protocol::api::ApiError;
use serde_json::json;

impl World {
    /// POSTs `body` as it is, with `content_type`, to `path` with the trainee's launch token.
    async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        body: &'static str,
    ) -> (u16, Option<String>, String) {
        let mut req = self
            .http
            .post(format!("{}{path}", self.server.url()))
            .bearer_auth(launch_token())
            .header("Origin", ORIGIN)
            .body(body);
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        read(req.send().await.unwrap()).await
    }
}

async fn read(res: reqwest::Response) -> (u16, Option<String>, String) {
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (status, ct, res.text().await.unwrap())
}

/// The body as the documented error shape, or a failure naming what came instead.
fn api_error(status: u16, content_type: Option<String>, body: &str) -> (u16, ApiError) {
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "HTTP {status}: {body}"
    );
    let error: ApiError = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert!(!error.message.is_empty());
    (status, error)
}

#[tokio::test]
async fn malformed_json_a_wrong_content_type_and_a_missing_field_answer_the_api_error_json() {
    let w = world().await;
    let json = Some("application/json");
    let cases = [
        ("/v1/otp/verify", json, "{\"code\": ", 400, "malformed_json"),
        (
            "/v1/otp/verify",
            Some("text/plain"),
            "{\"code\":\"123456\"}",
            415,
            "unsupported_media_type",
        ),
        (
            "/v1/otp/verify",
            None,
            "{\"code\":\"123456\"}",
            415,
            "unsupported_media_type",
        ),
        (
            "/v1/otp/verify",
            json,
            "{\"otp\":\"123456\"}",
            422,
            "invalid_body",
        ),
        ("/v1/lock/reset", json, "{}", 422, "invalid_body"),
        (
            "/v1/substitute/complete",
            json,
            "[1,2]",
            422,
            "invalid_body",
        ),
        (
            "/v1/identity/attestations",
            json,
            "not json",
            400,
            "malformed_json",
        ),
        ("/v1/no/such/route", json, "{}", 404, "not_found"),
    ];
    for (path, content_type, body, status, code) in cases {
        let (got, ct, text) = w.post_raw(path, content_type, body).await;
        let (got, error) = api_error(got, ct, &text);
        assert_eq!((got, error.error.as_str()), (status, code), "{path} {body}");
    }
    assert!(w.arrived().is_empty(), "nothing reached HRD");
    assert_eq!(w.session().await["failures"], json!(0), "nothing counted");

    // A bad query string and a wrong method are answered the same way.
    let res = w
        .http
        .get(format!("{}/v1/admin/audit?from=2026-11-27", w.server.url()))
        .basic_auth("kosa", Some(API_KEY))
        .send()
        .await
        .unwrap();
    let (status, ct, text) = read(res).await;
    let (status, error) = api_error(status, ct, &text);
    assert_eq!((status, error.error.as_str()), (400, "invalid_query"));
    let res = w
        .http
        .get(format!("{}/v1/otp/verify", w.server.url()))
        .send()
        .await
        .unwrap();
    let (status, ct, text) = read(res).await;
    let (status, error) = api_error(status, ct, &text);
    assert_eq!((status, error.error.as_str()), (405, "method_not_allowed"));
}
