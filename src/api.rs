//! The widget's one client for `motp-server`. It sends the launch token and what the trainee typed,
//! nothing else: who the trainee is, the server learns from the token.

use crate::error::ClientError;
use crate::state::Purpose;
use gloo_net::http::{Method, RequestBuilder};
use motp_protocol::api::{
    ApiError, IdentityStart, IdentityStatus, ResetOutcome, SessionInfo, SubstituteOutcome,
    VerifyOutcome, VerifyRequest,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
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
    /// The body as `T` when the status is one of `typed` (statuses whose body is a typed outcome);
    /// otherwise the error the server described.
    fn into<T: DeserializeOwned>(self, typed: &[u16]) -> Result<T, ClientError> {
        if typed.contains(&self.status) {
            return serde_wasm_bindgen::from_value(self.body).map_err(|_| ClientError::Decode);
        }
        let error = serde_wasm_bindgen::from_value::<ApiError>(self.body)
            .map(|e| e.error)
            .unwrap_or_default();
        Err(match (self.status, error.as_str()) {
            (401, "token_expired") => ClientError::Unauthorized { expired: true },
            (401, _) | (403, _) => ClientError::Unauthorized { expired: false },
            (status, _) => ClientError::Http { status, error },
        })
    }
}

impl Client {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.trim_end_matches('/'))
    }

    /// The popup's URL: the server's own pages are given as paths on it.
    pub fn resolve(&self, url: &str) -> String {
        if url.starts_with('/') {
            self.url(url)
        } else {
            url.to_string()
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Answer, ClientError> {
        let request = RequestBuilder::new(&self.url(path))
            .method(method)
            .header("Authorization", &format!("Bearer {}", self.launch_token));
        let request = match body {
            Some(body) => {
                let value = serde_wasm_bindgen::to_value(body).map_err(|_| ClientError::Decode)?;
                let text = js_sys::JSON::stringify(&value).map_err(|_| ClientError::Decode)?;
                request
                    .header("Content-Type", "application/json")
                    .body(text)
            }
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
        self.send(Method::GET, "/v1/session", None::<&()>)
            .await?
            .into(&[200])
    }

    pub async fn verify(&self, code: &str) -> Result<VerifyOutcome, ClientError> {
        let body = VerifyRequest {
            code: code.to_string(),
        };
        // Every verdict, including "wrong input" (422) and "wait" (429), is a typed outcome.
        self.send(Method::POST, "/v1/otp/verify", Some(&body))
            .await?
            .into(&[200, 422, 429])
    }

    pub async fn identity_start(&self, purpose: Purpose) -> Result<IdentityStart, ClientError> {
        let path = format!("/v1/identity/start?purpose={}", purpose.as_str());
        self.send(Method::POST, &path, None::<&()>)
            .await?
            .into(&[200])
    }

    /// Lets check `state` stand in for the code while HRD is down.
    pub async fn substitute(&self, state: &str) -> Result<SubstituteOutcome, ClientError> {
        #[derive(Serialize)]
        struct Body<'a> {
            state: &'a str,
        }
        self.send(
            Method::POST,
            "/v1/substitute/complete",
            Some(&Body { state }),
        )
        .await?
        .into(&[200, 403, 409])
    }

    pub async fn identity_status(&self, state: &str) -> Result<IdentityStatus, ClientError> {
        #[derive(Deserialize)]
        struct Status {
            status: IdentityStatus,
        }
        let path = format!("/v1/identity/{state}");
        let status: Status = self
            .send(Method::GET, &path, None::<&()>)
            .await?
            .into(&[200])?;
        Ok(status.status)
    }

    pub async fn reset(&self, state: &str) -> Result<ResetOutcome, ClientError> {
        #[derive(Serialize)]
        struct Body<'a> {
            state: &'a str,
        }
        // Every outcome of a reset attempt is typed, whatever its status.
        self.send(Method::POST, "/v1/lock/reset", Some(&Body { state }))
            .await?
            .into(&[200, 403, 409, 502])
    }
}
