//! The widget's one client for `motp-server`. It sends the launch token and what the trainee typed,
//! nothing else: who the trainee is, the server learns from the token.

use crate::error::ClientError;
use crate::hooks::clock::local_now;
use crate::state::{Action, Purpose};
use crate::wire::{self, FromJs};
use motp_protocol::api::{IdentityStart, IdentityStatus};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestInit, Response};

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

    /// One call: `body` is the JSON text to send, if any. The browser's `fetch` itself, through
    /// web-sys: gloo-net's request builder around it cost the widget 1.8 KB gzip (measured) for
    /// what these few lines do.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Answer, ClientError> {
        let init = RequestInit::new();
        init.set_method(method);
        let headers = Headers::new().map_err(|_| ClientError::Decode)?;
        let bearer = format!("Bearer {}", self.launch_token);
        let _ = headers.set("Authorization", &bearer);
        if let Some(body) = body {
            let _ = headers.set("Content-Type", "application/json");
            init.set_body(&JsValue::from_str(&body));
        }
        init.set_headers(&headers);
        let window = web_sys::window().ok_or(ClientError::Network)?;
        let res: Response = JsFuture::from(window.fetch_with_str_and_init(&self.url(path), &init))
            .await
            .map_err(|_| ClientError::Network)?
            .unchecked_into();
        let status = res.status();
        let text = match res.text() {
            Ok(text) => JsFuture::from(text)
                .await
                .map_err(|_| ClientError::Network)?,
            Err(_) => return Err(ClientError::Network),
        };
        let body = text
            .as_string()
            .and_then(|text| js_sys::JSON::parse(&text).ok())
            .unwrap_or(JsValue::NULL);
        Ok(Answer { status, body })
    }

    /// Makes `call` and returns the action its answer makes. Every call goes through this one
    /// future: a future per call cost the wasm a state machine each (measured: 1.4 KB gzip for
    /// six of them).
    pub async fn call(&self, call: Call) -> Action {
        let (method, path, body) = call.request();
        let answer = self.send(method, &path, body).await;
        self.answered(call, answer)
    }

    /// The action `answer` to `call` makes.
    fn answered(&self, call: Call, answer: Result<Answer, ClientError>) -> Action {
        match call {
            Call::Session => match answer.and_then(Answer::into) {
                Ok(info) => Action::SessionLoaded {
                    info,
                    local_now: local_now(),
                },
                Err(e) => Action::SessionFailed(e),
            },
            Call::Verify(_) => Action::Answered(answer.and_then(Answer::into)),
            // Its `popup_url` made absolute ([`Client::popup_url`]); an answer whose `popup_url`
            // the popup may not be sent to is no answer.
            Call::IdentityStart { .. } => {
                Action::IdentityStarted(answer.and_then(Answer::into).and_then(
                    |mut start: IdentityStart| {
                        start.popup_url = self
                            .popup_url(&start.popup_url)
                            .ok_or(ClientError::Decode)?;
                        Ok(start)
                    },
                ))
            }
            // A poll that fails says nothing new: as far as the widget knows, still pending.
            Call::IdentityStatus(state) => Action::IdentityResult {
                state,
                status: answer
                    .and_then(Answer::into)
                    .map_or(IdentityStatus::Pending, |s: wire::StatusOnly| s.0),
            },
            Call::Substitute(_) => Action::SubstituteAnswered(answer.and_then(Answer::into)),
            Call::Reset(_) => Action::ResetAnswered(answer.and_then(Answer::into)),
        }
    }
}

/// A call the widget makes to the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Session,
    /// This (already normalised) code.
    Verify(String),
    /// A phone identity check for `purpose`, started from the page at `here` (where a check run
    /// in this window comes back to).
    IdentityStart {
        purpose: Purpose,
        here: String,
    },
    /// How check `state` stands.
    IdentityStatus(String),
    /// Let check `state` stand in for the code while HRD is down.
    Substitute(String),
    /// Lift the lock with check `state`.
    Reset(String),
}

impl Call {
    /// The method, path and JSON body (if any) it is sent as.
    fn request(&self) -> (&'static str, String, Option<String>) {
        let post_state = |path: &str, state: &str| {
            let body = wire::json_object(&[("state", state)]);
            ("POST", path.to_string(), Some(body))
        };
        match self {
            Call::Session => ("GET", "/v1/session".to_string(), None),
            Call::Verify(code) => {
                let body = wire::json_object(&[("code", code)]);
                ("POST", "/v1/otp/verify".to_string(), Some(body))
            }
            Call::IdentityStart { purpose, here } => {
                let path = format!(
                    "/v1/identity/start?purpose={}&return_to={}",
                    purpose.as_str(),
                    js_sys::encode_uri_component(here)
                );
                ("POST", path, None)
            }
            Call::IdentityStatus(state) => ("GET", format!("/v1/identity/{state}"), None),
            Call::Substitute(state) => post_state("/v1/substitute/complete", state),
            Call::Reset(state) => post_state("/v1/lock/reset", state),
        }
    }
}
