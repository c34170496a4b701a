//! The client for NICE 본인확인 (통합형)'s token endpoints (`docs/nice-identity.md` §3,
//! §4): the institution's access token (E1, kept: NICE's last about 50 years) and crypto tokens
//! (E3). Answers are judged in NICE's order: `GW_RSLT_CD`, then `rsp_cd`, then `result_cd`; a
//! refusal says what the operator must fix ([`nice_identity::codes`]).

use super::{classify, client, instrumented, read_capped, UpstreamError};
use crate::tenant::NiceSettings;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use nice_identity::api::{self, AccessToken, CryptoToken, Envelope};
use nice_identity::codes;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Why NICE gave no token.
#[derive(Debug, thiserror::Error)]
pub enum NiceError {
    #[error("NICE: {0}")]
    Upstream(#[from] UpstreamError),
    /// NICE answered, and refused: its code and what it means for the operator.
    #[error("NICE refused ({code}): {meaning}")]
    Refused { code: String, meaning: &'static str },
}

/// A crypto token as E3 gave it, with what was sent for it (its keys derive from both).
#[derive(Debug, Clone)]
pub struct IssuedCryptoToken {
    pub req_dtim: String,
    pub req_no: String,
    pub token_version_id: String,
    pub token_val: String,
    pub site_code: String,
    pub period: i64,
}

pub struct NiceClient {
    http: reqwest::Client,
    /// Access tokens NICE issued, by client id: asked for once per process.
    access_tokens: Mutex<HashMap<String, String>>,
}

impl NiceClient {
    pub fn new(timeout: Duration) -> NiceClient {
        NiceClient {
            // No redirects followed, bodies capped: as every upstream.
            http: client(timeout),
            access_tokens: Mutex::default(),
        }
    }

    /// The institution's access token: the one configured, the one kept, or a new one (E1).
    pub async fn access_token(&self, nice: &NiceSettings) -> Result<String, NiceError> {
        if let Some(token) = &nice.nice_access_token {
            return Ok(token.clone());
        }
        let kept = self.kept_token(&nice.nice_client_id);
        if let Some(token) = kept {
            return Ok(token);
        }
        let basic = BASE64.encode(format!(
            "{}:{}",
            nice.nice_client_id, nice.nice_client_secret
        ));
        let request = self
            .http
            .post(format!("{}{}", base(nice), api::ACCESS_TOKEN_PATH))
            .header("Authorization", format!("Basic {basic}"))
            .form(&[("grant_type", "client_credentials"), ("scope", "default")]);
        let answer: Envelope<AccessToken> =
            instrumented("nice_access_token", read(request), gateway_code).await?;
        let token = accepted(&answer)?.access_token.clone();
        self.access_tokens
            .lock()
            .expect("not poisoned")
            .insert(nice.nice_client_id.clone(), token.clone());
        Ok(token)
    }

    fn kept_token(&self, client_id: &str) -> Option<String> {
        self.access_tokens
            .lock()
            .expect("not poisoned")
            .get(client_id)
            .cloned()
    }

    /// A new crypto token (E3). `req_dtim` is Korea time `YYYYMMDDHHMMSS`; `now` the Unix time NICE
    /// checks against its own clock (within 3 minutes); `req_no` unique, up to 30 characters.
    pub async fn crypto_token(
        &self,
        nice: &NiceSettings,
        req_dtim: &str,
        req_no: &str,
        now: i64,
    ) -> Result<IssuedCryptoToken, NiceError> {
        let access = self.access_token(nice).await?;
        let bearer = BASE64.encode(format!("{access}:{now}:{}", nice.nice_client_id));
        let request = self
            .http
            .post(format!("{}{}", base(nice), api::CRYPTO_TOKEN_PATH))
            // Lower-case `bearer`, as NICE's own sample sends it.
            .header("Authorization", format!("bearer {bearer}"))
            .header("ProductID", &nice.nice_product_id)
            .json(&api::crypto_token_request(req_dtim, req_no));
        let answer: Envelope<CryptoToken> =
            instrumented("nice_crypto_token", read(request), gateway_code).await?;
        if answer.header.gateway_code.as_deref() == Some("1800") {
            // A revoked or lost access token: the next request asks for a new one.
            self.access_tokens
                .lock()
                .expect("not poisoned")
                .remove(&nice.nice_client_id);
        }
        let body = accepted(&answer)?;
        let result_cd = body.result_cd.as_deref();
        if body.rsp_cd != api::RESPONSE_OK || result_cd != Some(api::ISSUED) {
            return Err(NiceError::Refused {
                code: format!("{}/{}", body.rsp_cd, result_cd.unwrap_or("-")),
                meaning: codes::crypto_token_message(&body.rsp_cd, result_cd),
            });
        }
        let missing = || NiceError::Upstream(UpstreamError::Garbled);
        Ok(IssuedCryptoToken {
            req_dtim: req_dtim.into(),
            req_no: req_no.into(),
            token_version_id: body.token_version_id.clone().ok_or_else(missing)?,
            token_val: body.token_val.clone().ok_or_else(missing)?,
            site_code: body.site_code.clone().ok_or_else(missing)?,
            period: body.period.unwrap_or(3600),
        })
    }
}

fn base(nice: &NiceSettings) -> &str {
    nice.nice_api_url.trim_end_matches('/')
}

/// NICE's JSON, whatever the HTTP status (its refusals may come with any).
async fn read<B: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
) -> Result<Envelope<B>, UpstreamError> {
    let res = request.send().await.map_err(classify)?;
    let body = read_capped(res).await?;
    serde_json::from_slice(&body).map_err(|_| UpstreamError::Garbled)
}

fn gateway_code<B>(answer: &Envelope<B>) -> String {
    answer.header.gateway_code.clone().unwrap_or_default()
}

/// The body of an answer NICE's gateway let through.
fn accepted<B>(answer: &Envelope<B>) -> Result<&B, NiceError> {
    let code = answer.header.gateway_code.as_deref().unwrap_or("");
    match (&answer.body, code) {
        (Some(body), api::GATEWAY_OK) => Ok(body),
        _ => Err(NiceError::Refused {
            code: code.to_string(),
            meaning: codes::gateway_message(code),
        }),
    }
}
