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
    otp_accredit: Endpoint,
    user_reset: Endpoint,
}

/// One of HRD's URLs, parsed once (a URL parsed for every call, IDNA pass included, was about 1 %
/// of the gateway's CPU under load, perf); one that does not parse is kept as text, and refused by
/// reqwest when it is called, as before.
#[derive(Clone)]
enum Endpoint {
    Parsed(reqwest::Url),
    Unparsed(String),
}

impl Endpoint {
    fn new(base_url: &str, path: &str) -> Endpoint {
        let url = format!("{}{path}", base_url.trim_end_matches('/'));
        match reqwest::Url::parse(&url) {
            Ok(parsed) => Endpoint::Parsed(parsed),
            Err(_) => Endpoint::Unparsed(url),
        }
    }
}

impl HrdClient {
    pub fn new(base_url: &str, timeout: Duration) -> HrdClient {
        HrdClient {
            http: client(timeout),
            otp_accredit: Endpoint::new(base_url, OTP_ACCREDIT_PATH),
            user_reset: Endpoint::new(base_url, USER_RESET_PATH),
        }
    }

    pub async fn otp_accredit(&self, form: &OtpAccreditForm) -> Result<HrdAnswer, UpstreamError> {
        instrumented("otp_accredit", self.post(&self.otp_accredit, form), code).await
    }

    pub async fn user_reset(&self, form: &UserResetForm) -> Result<HrdAnswer, UpstreamError> {
        instrumented("user_reset", self.post(&self.user_reset, form), code).await
    }

    async fn post<F: serde::Serialize>(
        &self,
        url: &Endpoint,
        form: &F,
    ) -> Result<HrdAnswer, UpstreamError> {
        let request = match url {
            Endpoint::Parsed(url) => self.http.post(url.clone()),
            Endpoint::Unparsed(url) => self.http.post(url.as_str()),
        };
        let res = send(request.form(form)).await?;
        let body = read_capped(res).await?;
        serde_json::from_slice(&body).map_err(|_| UpstreamError::Garbled)
    }
}

fn code(answer: &HrdAnswer) -> String {
    answer.code.as_str().to_string()
}
