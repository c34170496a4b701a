//! The client for HRD's mOTP API: form-urlencoded POSTs with a timeout, answers parsed as HRD writes
//! them. Transport failures are told apart from HRD's own answers.

use super::{client, instrumented, read_capped, send, UpstreamError};
use motp_protocol::hrd::{
    HrdAnswer, OtpAccreditForm, UserResetForm, OTP_ACCREDIT_PATH, USER_RESET_PATH,
};
use std::time::Duration;

#[derive(Clone)]
pub struct HrdClient {
    http: reqwest::Client,
    base_url: String,
}

impl HrdClient {
    pub fn new(base_url: &str, timeout: Duration) -> HrdClient {
        HrdClient {
            http: client(timeout),
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    pub async fn otp_accredit(&self, form: &OtpAccreditForm) -> Result<HrdAnswer, UpstreamError> {
        instrumented("otp_accredit", self.post(OTP_ACCREDIT_PATH, form), code).await
    }

    pub async fn user_reset(&self, form: &UserResetForm) -> Result<HrdAnswer, UpstreamError> {
        instrumented("user_reset", self.post(USER_RESET_PATH, form), code).await
    }

    async fn post<F: serde::Serialize>(
        &self,
        path: &str,
        form: &F,
    ) -> Result<HrdAnswer, UpstreamError> {
        let res = send(
            self.http
                .post(format!("{}{path}", self.base_url))
                .form(form),
        )
        .await?;
        let body = read_capped(res).await?;
        serde_json::from_slice(&body).map_err(|_| UpstreamError::Garbled)
    }
}

fn code(answer: &HrdAnswer) -> String {
    answer.code.as_str().to_string()
}
