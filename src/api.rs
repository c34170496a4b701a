//! The widget's one client for `motp-server`. It sends the launch token and what the trainee typed,
//! nothing else: who the trainee is, the server learns from the token.

use crate::error::ClientError;
use gloo_net::http::{Request, Response};
use motp_protocol::api::{
    ApiError, IdentityStart, IdentityStatus, ResetOutcome, SessionInfo, VerifyOutcome,
    VerifyRequest,
};
use serde::de::DeserializeOwned;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    /// The server's origin (`https://motp.example.ac.kr`), no trailing slash.
    pub server: String,
    pub launch_token: String,
}

impl Client {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.trim_end_matches('/'))
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.launch_token)
    }

    pub async fn session(&self) -> Result<SessionInfo, ClientError> {
        let res = Request::get(&self.url("/v1/session"))
            .header("Authorization", &self.bearer())
            .send()
            .await
            .map_err(|_| ClientError::Network)?;
        match res.status() {
            200 => decode(res).await,
            _ => Err(refusal(res).await),
        }
    }

    pub async fn verify(&self, code: &str) -> Result<VerifyOutcome, ClientError> {
        let res = Request::post(&self.url("/v1/otp/verify"))
            .header("Authorization", &self.bearer())
            .json(&VerifyRequest {
                code: code.to_string(),
            })
            .map_err(|_| ClientError::Decode)?
            .send()
            .await
            .map_err(|_| ClientError::Network)?;
        match res.status() {
            // Every verdict, including "wrong input" (422) and "wait" (429), is a typed outcome.
            200 | 422 | 429 => decode(res).await,
            _ => Err(refusal(res).await),
        }
    }
}

impl Client {
    /// The popup's URL: the server's own pages are given as paths on it.
    pub fn resolve(&self, url: &str) -> String {
        if url.starts_with('/') {
            self.url(url)
        } else {
            url.to_string()
        }
    }

    pub async fn identity_start(&self) -> Result<IdentityStart, ClientError> {
        let res = Request::post(&self.url("/v1/identity/start"))
            .header("Authorization", &self.bearer())
            .send()
            .await
            .map_err(|_| ClientError::Network)?;
        match res.status() {
            200 => decode(res).await,
            _ => Err(refusal(res).await),
        }
    }

    pub async fn identity_status(&self, state: &str) -> Result<IdentityStatus, ClientError> {
        #[derive(Deserialize)]
        struct Status {
            status: IdentityStatus,
        }
        let res = Request::get(&self.url(&format!("/v1/identity/{state}")))
            .header("Authorization", &self.bearer())
            .send()
            .await
            .map_err(|_| ClientError::Network)?;
        match res.status() {
            200 => decode::<Status>(res).await.map(|s| s.status),
            _ => Err(refusal(res).await),
        }
    }

    pub async fn reset(&self, state: &str) -> Result<ResetOutcome, ClientError> {
        #[derive(serde::Serialize)]
        struct Body<'a> {
            state: &'a str,
        }
        let res = Request::post(&self.url("/v1/lock/reset"))
            .header("Authorization", &self.bearer())
            .json(&Body { state })
            .map_err(|_| ClientError::Decode)?
            .send()
            .await
            .map_err(|_| ClientError::Network)?;
        match res.status() {
            // Every outcome of a reset attempt is typed, whatever its status.
            200 | 403 | 409 | 502 => decode(res).await,
            _ => Err(refusal(res).await),
        }
    }
}

async fn decode<T: DeserializeOwned>(res: Response) -> Result<T, ClientError> {
    res.json::<T>().await.map_err(|_| ClientError::Decode)
}

async fn refusal(res: Response) -> ClientError {
    let status = res.status();
    let error = res
        .json::<ApiError>()
        .await
        .map(|e| e.error)
        .unwrap_or_default();
    match (status, error.as_str()) {
        (401, "token_expired") => ClientError::Unauthorized { expired: true },
        (401, _) | (403, _) => ClientError::Unauthorized { expired: false },
        _ => ClientError::Http { status, error },
    }
}
