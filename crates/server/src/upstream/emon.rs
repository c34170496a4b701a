//! The client for e-mon's identity-check logs: `pAuthLog.jsp` / `pSubOtpLog.jsp` (form POSTs
//! answered with XML `RetVal` 101 accepted / 102 refused) and the server-to-server
//! `phone_auth_hist` (JSON, API-key headers, `{code,msg,data_cnt}`).

use super::{client, instrumented, read_capped, send, UpstreamError};
use crate::model::OutboxKind;
use std::collections::BTreeMap;
use std::time::Duration;

pub const P_AUTH_LOG_PATH: &str = "/EAIServer/SOURCE/ExConn/LMS/pAuthLog.jsp";
pub const P_SUB_OTP_LOG_PATH: &str = "/EAIServer/SOURCE/ExConn/LMS/pSubOtpLog.jsp";
pub const PHONE_AUTH_HIST_PATH: &str = "/api/v2/phone_auth_hist";

/// e-mon's verdict on one log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmonAnswer {
    pub accepted: bool,
    /// `RetVal` and `RetMsg`/`Remark`, for the outbox's record.
    pub text: String,
}

#[derive(Clone)]
pub struct EmonClient {
    http: reqwest::Client,
    base_url: String,
    /// e-mon's server-to-server API (`phone_auth_hist`), on its own host.
    api_base_url: String,
}

/// The text of `<tag>…</tag>` in a small, known XML answer.
fn element<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(xml[start..end].trim())
}

impl EmonClient {
    pub fn new(base_url: &str, api_base_url: &str, timeout: Duration) -> EmonClient {
        EmonClient {
            http: client(timeout),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_base_url: api_base_url.trim_end_matches('/').to_string(),
        }
    }

    /// Sends one `phone_auth_hist` batch (`{"dataList":[…]}`) with the tenant's API key.
    pub async fn send_hist(
        &self,
        api_key: &str,
        api_user: &str,
        payload: &str,
    ) -> Result<EmonAnswer, UpstreamError> {
        let request = self.post_hist(api_key, api_user, payload);
        instrumented("phone_auth_hist", request, |a| {
            if a.accepted { "200" } else { "refused" }.to_string()
        })
        .await
    }

    async fn post_hist(
        &self,
        api_key: &str,
        api_user: &str,
        payload: &str,
    ) -> Result<EmonAnswer, UpstreamError> {
        let request = self
            .http
            .post(format!("{}{PHONE_AUTH_HIST_PATH}", self.api_base_url))
            .header("X-TQIAPI-HEADER", api_key)
            .header("X-TQIAPI-USER", api_user)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(payload.to_string());
        let res = send(request).await?;
        let body = read_capped(res).await?;
        let answer: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| UpstreamError::Garbled)?;
        let code = match &answer["code"] {
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            _ => return Err(UpstreamError::Garbled),
        };
        let text = format!("{code}: {}", answer["msg"].as_str().unwrap_or_default());
        match code.as_str() {
            "200" => Ok(EmonAnswer {
                accepted: true,
                text,
            }),
            c if c.starts_with("IE") || c.starts_with("CE") => Err(UpstreamError::Garbled),
            _ => Ok(EmonAnswer {
                accepted: false,
                text,
            }),
        }
    }

    /// Sends one log: `kind` is [`OutboxKind::PAuthLog`], or else `pSubOtpLog` is used.
    pub async fn send(
        &self,
        kind: OutboxKind,
        fields: &BTreeMap<String, String>,
    ) -> Result<EmonAnswer, UpstreamError> {
        let (call, path) = match kind {
            OutboxKind::PAuthLog => ("pAuthLog", P_AUTH_LOG_PATH),
            _ => ("pSubOtpLog", P_SUB_OTP_LOG_PATH),
        };
        instrumented(call, self.post_log(path, fields), |a| {
            if a.accepted { "101" } else { "102" }.to_string()
        })
        .await
    }

    async fn post_log(
        &self,
        path: &str,
        fields: &BTreeMap<String, String>,
    ) -> Result<EmonAnswer, UpstreamError> {
        let res = send(
            self.http
                .post(format!("{}{path}", self.base_url))
                .form(fields),
        )
        .await?;
        let body = read_capped(res).await?;
        let body = String::from_utf8_lossy(&body);
        let ret_val = element(&body, "RetVal").ok_or(UpstreamError::Garbled)?;
        let msg = element(&body, "RetMsg").unwrap_or_default();
        let remark = element(&body, "Remark").unwrap_or_default();
        let text = format!("RetVal {ret_val}: {msg} {remark}")
            .trim()
            .to_string();
        match ret_val {
            "101" => Ok(EmonAnswer {
                accepted: true,
                text,
            }),
            // Injected or real internal errors are not a verdict on the log: retry them.
            "102" if msg.starts_with("IE") || msg.starts_with("CE") => Err(UpstreamError::Garbled),
            "102" => Ok(EmonAnswer {
                accepted: false,
                text,
            }),
            _ => Err(UpstreamError::Garbled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::element;

    #[test]
    fn reads_the_answer_elements() {
        let xml = "<?xml version=\"1.0\"?>\n<Result><RetVal>102</RetVal><RetMsg>ERROR</RetMsg><Remark>m_trnDT must be …</Remark></Result>";
        assert_eq!(element(xml, "RetVal"), Some("102"));
        assert_eq!(element(xml, "Remark"), Some("m_trnDT must be …"));
        assert_eq!(element(xml, "Nope"), None);
        assert_eq!(element("<html>점검 중</html>", "RetVal"), None);
    }
}
