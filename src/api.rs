//! The widget's one client for `motp-server`. It sends the launch token and what the trainee typed,
//! nothing else: who the trainee is, the server learns from the token.

use crate::error::ClientError;
use crate::state::Purpose;
use crate::wire::{self, FromJs};
use gloo_net::http::{Method, RequestBuilder};
use motp_protocol::api::{
    IdentityStart, IdentityStatus, ResetOutcome, SessionInfo, SubstituteOutcome, VerifyOutcome,
};
use wasm_bindgen::JsValue;

#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// The server's origin (`https://motp.example.ac.kr`), no trailing slash.
    pub server: String,
    pub launch_token: String,
}

/// An answer: its HTTP status and its JSON body, parsed by the browser.
struct Answer {
    status: u16,
    body: JsValue,
}

impl Answer {
    /// The body as `T` when it is one: a 200's, or any body carrying `result` (an outcome, whatever
    /// its status: the server picks the status per outcome, e.g. 202 for a queued reset); otherwise
    /// the error the server described.
    fn into<T: FromJs>(self) -> Result<T, ClientError> {
        if self.status == 200 || wire::is_outcome(&self.body) {
            return T::from_js(&self.body).ok_or(ClientError::Decode);
        }
        let error = wire::error_code(&self.body);
        Err(match (self.status, error.as_str()) {
            (401, _) | (403, _) => ClientError::Refused {
                message: wire::error_message(&self.body),
                error,
            },
            (status, _) => ClientError::Http { status, error },
        })
    }
}

impl Client {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.trim_end_matches('/'))
    }

    /// Where the popup may be sent for `url`, the server's `popup_url`: a path is on the server
    /// (its host is kept whatever the path holds), an absolute URL only if it is `https:` or
    /// `http:` (never `javascript:`, `data:` …, which would run in the LMS page's name). `None`
    /// otherwise.
    pub fn popup_url(&self, url: &str) -> Option<String> {
        let url = if url.starts_with('/') {
            self.url(url)
        } else {
            url.to_string()
        };
        let base = self.url("/");
        let parsed = web_sys::Url::new_with_base(&url, &base).ok()?;
        matches!(parsed.protocol().as_str(), "https:" | "http:").then(|| parsed.href())
    }

    /// One call: `body` is the JSON text to send, if any.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> Result<Answer, ClientError> {
        let request = RequestBuilder::new(&self.url(path))
            .method(method)
            .header("Authorization", &format!("Bearer {}", self.launch_token));
        let request = match body {
            Some(body) => request
                .header("Content-Type", "application/json")
                .body(body),
            None => request.build(),
        }
        .map_err(|_| ClientError::Decode)?;
        let res = request.send().await.map_err(|_| ClientError::Network)?;
        let status = res.status();
        let text = res.text().await.map_err(|_| ClientError::Network)?;
        let body = js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL);
        Ok(Answer { status, body })
    }

    pub async fn session(&self) -> Result<SessionInfo, ClientError> {
        self.send(Method::GET, "/v1/session", None).await?.into()
    }

    pub async fn verify(&self, code: &str) -> Result<VerifyOutcome, ClientError> {
        let body = wire::json_object(&[("code", code)]);
        self.send(Method::POST, "/v1/otp/verify", Some(body))
            .await?
            .into()
    }

    /// A check started from the page at `here` (where a check run in this window comes back to);
    /// its `popup_url` made absolute ([`Client::popup_url`]), and an answer whose `popup_url` the
    /// popup may not be sent to is no answer.
    pub async fn identity_start(
        &self,
        purpose: Purpose,
        here: &str,
    ) -> Result<IdentityStart, ClientError> {
        let path = format!(
            "/v1/identity/start?purpose={}&return_to={}",
            purpose.as_str(),
            js_sys::encode_uri_component(here)
        );
        let mut start: IdentityStart = self.send(Method::POST, &path, None).await?.into()?;
        start.popup_url = self
            .popup_url(&start.popup_url)
            .ok_or(ClientError::Decode)?;
        Ok(start)
    }

    /// Lets check `state` stand in for the code while HRD is down.
    pub async fn substitute(&self, state: &str) -> Result<SubstituteOutcome, ClientError> {
        let body = wire::json_object(&[("state", state)]);
        self.send(Method::POST, "/v1/substitute/complete", Some(body))
            .await?
            .into()
    }

    pub async fn identity_status(&self, state: &str) -> Result<IdentityStatus, ClientError> {
        let path = format!("/v1/identity/{state}");
        let status: wire::StatusOnly = self.send(Method::GET, &path, None).await?.into()?;
        Ok(status.0)
    }

    pub async fn reset(&self, state: &str) -> Result<ResetOutcome, ClientError> {
        let body = wire::json_object(&[("state", state)]);
        self.send(Method::POST, "/v1/lock/reset", Some(body))
            .await?
            .into()
    }
}
