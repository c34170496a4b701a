//! The widget's one client for `motp-server`. It sends the launch token and what the trainee typed,
//! nothing else: who the trainee is, the server learns from the token.

use crate::error::ClientError;
use gloo_net::http::{Request, Response};
use motp_protocol::api::{ApiError, SessionInfo, VerifyOutcome, VerifyRequest};
use serde::de::DeserializeOwned;

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
