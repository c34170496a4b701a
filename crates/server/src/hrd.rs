//! The client for HRD's mOTP API: form-urlencoded POSTs with a timeout, answers parsed as HRD writes
//! them. Transport failures are told apart from HRD's own answers.

use motp_protocol::hrd::{
    HrdAnswer, OtpAccreditForm, UserResetForm, OTP_ACCREDIT_PATH, USER_RESET_PATH,
};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HrdError {
    #[error("HRD did not answer within the timeout")]
    Timeout,
    #[error("HRD could not be reached: {0}")]
    Unreachable(String),
    #[error("HRD answered HTTP {0}")]
    Status(u16),
    #[error("HRD's answer is not the expected JSON")]
    Garbled,
}

#[derive(Clone)]
pub struct HrdClient {
    http: reqwest::Client,
    base_url: String,
}

impl HrdClient {
    pub fn new(base_url: &str, timeout: Duration) -> HrdClient {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .user_agent(concat!("motp-server/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the TLS backend initialises");
        HrdClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    pub async fn otp_accredit(&self, form: &OtpAccreditForm) -> Result<HrdAnswer, HrdError> {
        self.post(OTP_ACCREDIT_PATH, form).await
    }

    pub async fn user_reset(&self, form: &UserResetForm) -> Result<HrdAnswer, HrdError> {
        self.post(USER_RESET_PATH, form).await
    }

    async fn post<F: serde::Serialize>(&self, path: &str, form: &F) -> Result<HrdAnswer, HrdError> {
        let res = self
            .http
            .post(format!("{}{path}", self.base_url))
            .form(form)
            .send()
            .await
            .map_err(classify)?;
        if !res.status().is_success() {
            return Err(HrdError::Status(res.status().as_u16()));
        }
        let body = res.bytes().await.map_err(classify)?;
        serde_json::from_slice(&body).map_err(|_| HrdError::Garbled)
    }
}

/// A transport failure, told apart as timeout or unreachable (also used for e-mon).
pub(crate) fn classify(e: reqwest::Error) -> HrdError {
    if e.is_timeout() {
        HrdError::Timeout
    } else {
        HrdError::Unreachable(e.to_string())
    }
}
