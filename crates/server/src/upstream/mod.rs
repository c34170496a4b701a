//! The services the gateway calls: HRD's mOTP API ([`hrd`]), e-mon's identity-check logs
//! ([`emon`]) and NICE 본인확인's token endpoints ([`nice`]). Every call goes through [`instrumented`], which counts HRD's answer codes and
//! latency, and tells a timeout apart from an unreachable host.

pub mod emon;
pub mod hrd;
pub mod nice;

use std::future::Future;
use std::time::{Duration, Instant};

/// HRD's and e-mon's answers are a few hundred bytes; a body beyond this is not one of theirs, and
/// is not read to the end.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The one way a client to HRD, e-mon or a provider is built: no redirect is followed (a 307/308
/// would re-post name, mobile, code or e-mon's API key to whatever host it names; a 3xx is an
/// answer that is not one, like any other non-2xx), `timeout` for the whole call.
pub(crate) fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(3)))
        .user_agent(concat!("motp-server/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the TLS backend initialises")
}

/// The body of `res`, read chunk by chunk and refused ([`UpstreamError::Garbled`]) once it passes
/// [`MAX_ANSWER_BYTES`], whatever `Content-Length` claims.
pub(crate) async fn read_capped(mut res: reqwest::Response) -> Result<Vec<u8>, UpstreamError> {
    if res
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(UpstreamError::Garbled);
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(classify)? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(UpstreamError::Garbled);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A call that brought no verdict: no answer in time, no connection, or an answer that is not one.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("no answer within the timeout")]
    Timeout,
    #[error("could not be reached: {0}")]
    Unreachable(String),
    #[error("answered HTTP {0}")]
    Status(u16),
    #[error("the answer is not the expected format")]
    Garbled,
}

impl UpstreamError {
    /// The label this failure gets in metrics and logs.
    pub fn label(&self) -> &'static str {
        match self {
            UpstreamError::Timeout => "timeout",
            _ => "unreachable",
        }
    }
}

/// A transport failure, told apart as timeout or unreachable.
pub(crate) fn classify(e: reqwest::Error) -> UpstreamError {
    if e.is_timeout() {
        UpstreamError::Timeout
    } else {
        UpstreamError::Unreachable(e.to_string())
    }
}

/// Sends `request`; an answer that is not 2xx is a failure like no answer at all.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, UpstreamError> {
    let res = request.send().await.map_err(classify)?;
    if !res.status().is_success() {
        return Err(UpstreamError::Status(res.status().as_u16()));
    }
    Ok(res)
}

/// Runs one call to HRD or e-mon named `call`, and records its answer code (`code` of the answer,
/// or `timeout`/`unreachable`) and how long it took.
pub(crate) async fn instrumented<T>(
    call: &'static str,
    request: impl Future<Output = Result<T, UpstreamError>>,
    code: impl FnOnce(&T) -> String,
) -> Result<T, UpstreamError> {
    let started = Instant::now();
    let result = request.await;
    let code = match &result {
        Ok(answer) => code(answer),
        Err(e) => e.label().to_string(),
    };
    metrics::counter!("motp_hrd_answers_total", "call" => call, "code" => code).increment(1);
    metrics::histogram!("motp_hrd_latency_seconds", "call" => call)
        .record(started.elapsed().as_secs_f64());
    result
}
