//! The token endpoints' JSON (§3, §4): every answer is `{"dataHeader": …, "dataBody": …}`, and is
//! judged in NICE's order: the gateway's `GW_RSLT_CD`, then `rsp_cd`, then `result_cd`.

use serde::{Deserialize, Serialize};

/// E1: the institution's access token.
pub const ACCESS_TOKEN_PATH: &str = "/digital/niceid/oauth/oauth/token";
/// E3: a crypto token (and the path some samples use without `/api`, which the emulator accepts).
pub const CRYPTO_TOKEN_PATH: &str = "/digital/niceid/api/v1.0/common/crypto/token";
pub const CRYPTO_TOKEN_PATH_WITHOUT_API: &str = "/digital/niceid/v1.0/common/crypto/token";

/// `GW_RSLT_CD` of an answer that went through NICE's gateway.
pub const GATEWAY_OK: &str = "1200";
/// `rsp_cd` of an answer NICE's service processed.
pub const RESPONSE_OK: &str = "P000";
/// `result_cd` of an issued crypto token.
pub const ISSUED: &str = "0000";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    #[serde(rename = "CNTY_CD", default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(
        rename = "GW_RSLT_CD",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub gateway_code: Option<String>,
    #[serde(
        rename = "GW_RSLT_MSG",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub gateway_message: Option<String>,
}

/// An answer of either endpoint: the body is absent when the gateway refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<B> {
    #[serde(rename = "dataHeader")]
    pub header: Header,
    #[serde(
        rename = "dataBody",
        default = "none",
        skip_serializing_if = "Option::is_none"
    )]
    pub body: Option<B>,
}

fn none<B>() -> Option<B> {
    None
}

/// E1's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    pub access_token: String,
    #[serde(default)]
    pub token_type: String,
    /// Seconds left (about 50 years: NICE advises issuing it once and keeping it).
    #[serde(default)]
    pub expires_in: i64,
    #[serde(default)]
    pub scope: String,
}

/// E3's request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoTokenRequest {
    /// `YYYYMMDDHHMMSS`, Korea time.
    pub req_dtim: String,
    /// The caller's unique number, up to 30 characters.
    pub req_no: String,
    /// `1`: AES-128-CBC with PKCS#7, the only mode.
    pub enc_mode: String,
}

/// E3's answer body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoToken {
    pub rsp_cd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub res_msg: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_cd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_val: Option<String>,
    /// Seconds the token may be used for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
}

/// A request to E3 wrapped the way NICE wants it.
pub fn crypto_token_request(req_dtim: &str, req_no: &str) -> Envelope<CryptoTokenRequest> {
    Envelope {
        header: Header {
            country: Some("ko".into()),
            ..Header::default()
        },
        body: Some(CryptoTokenRequest {
            req_dtim: req_dtim.into(),
            req_no: req_no.into(),
            enc_mode: "1".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixture the spec quotes (§4.2) reads; a gateway refusal has no body.
    #[test]
    fn answers_read_as_nice_sends_them() {
        let ok: Envelope<CryptoToken> = serde_json::from_str(
            r#"{"dataHeader":{"CNTY_CD":"ko","GW_RSLT_CD":"1200","GW_RSLT_MSG":"success"},
             "dataBody":{"rsp_cd":"P000","result_cd":"0000","site_code":"AB123",
             "token_version_id":"202401292056235G-NCGACC550-5HBH7-F582CD29BA",
             "token_val":"I9L8h6vOZ8fWRBp1DXSOXYSSTuOmpxQUEjUezHTwaIM=","period":3600}}"#,
        )
        .unwrap();
        let body = ok.body.unwrap();
        assert_eq!(ok.header.gateway_code.as_deref(), Some(GATEWAY_OK));
        assert_eq!(body.period, Some(3600));
        let refused: Envelope<CryptoToken> =
            serde_json::from_str(r#"{"dataHeader":{"GW_RSLT_CD":"1800","GW_RSLT_MSG":"x"}}"#)
                .unwrap();
        assert_eq!(refused.body, None);
        let sent = serde_json::to_string(&crypto_token_request("20240130052153", "R1")).unwrap();
        assert_eq!(
            sent,
            r#"{"dataHeader":{"CNTY_CD":"ko"},"dataBody":{"req_dtim":"20240130052153","req_no":"R1","enc_mode":"1"}}"#
        );
    }
}
