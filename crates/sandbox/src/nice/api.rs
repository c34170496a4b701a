//! NICE's API gateway (§3, §4, §13.2): E1 access token, E2 revoke, E3 crypto token. Every answer is
//! HTTP 200 with `dataHeader.GW_RSLT_CD`; refusals carry no `dataBody`.

use super::{
    random_base64, token_version_id, uuid_v4, CryptoTokenRecord, NiceEmulator, MAX_TIMESTAMP_SKEW,
};
use crate::form;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, Extensions, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use nice_identity::api::{
    AccessToken, CryptoToken, Envelope, Header, ACCESS_TOKEN_PATH, CRYPTO_TOKEN_PATH,
    CRYPTO_TOKEN_PATH_WITHOUT_API, ISSUED, RESPONSE_OK,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;

/// E2 (§2): revokes the access token.
pub const REVOKE_PATH: &str = "/digital/niceid/oauth/oauth/token/revokeById";

pub fn routes() -> Router<Arc<NiceEmulator>> {
    Router::new()
        .route(ACCESS_TOKEN_PATH, post(access_token))
        .route(REVOKE_PATH, post(revoke))
        .route(CRYPTO_TOKEN_PATH, post(crypto_token))
        .route(CRYPTO_TOKEN_PATH_WITHOUT_API, post(crypto_token))
}

/// The `GW_RSLT_CD`s the emulator answers (§11.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gateway {
    Ok,
    /// 1400: the form is not a client-credentials grant.
    BadRequest,
    /// 1401: no usable Authorization header (assumed; NICE's code for it is not documented).
    AuthenticationNeeded,
    /// 1500: the body is not `{"dataHeader":…,"dataBody":…}`.
    Format,
    /// 1702: the caller's IP is not on the allow-list.
    IpNotAllowed,
    /// 1706: ProductID missing or not this client's.
    ProductNotAllowed,
    /// 1800: unknown or revoked token, or a timestamp 3 minutes or more off.
    BadToken,
    /// 1801: client id or secret wrong.
    BadClient,
}

impl Gateway {
    fn code(self) -> &'static str {
        match self {
            Gateway::Ok => "1200",
            Gateway::BadRequest => "1400",
            Gateway::AuthenticationNeeded => "1401",
            Gateway::Format => "1500",
            Gateway::IpNotAllowed => "1702",
            Gateway::ProductNotAllowed => "1706",
            Gateway::BadToken => "1800",
            Gateway::BadClient => "1801",
        }
    }

    fn message(self) -> &'static str {
        match self {
            Gateway::Ok => "오류 없음",
            Gateway::BadRequest => "잘못된 요청",
            Gateway::AuthenticationNeeded => "인증 필요",
            Gateway::Format => "서버 내부 오류 또는 데이터 형식 오류",
            Gateway::IpNotAllowed => "허용되지 않은 Client ID + Client IP",
            Gateway::ProductNotAllowed => "허용되지 않은 Client ID + Product Code",
            Gateway::BadToken => "잘못된 토큰",
            Gateway::BadClient => "잘못된 클라이언트 정보",
        }
    }

    fn header(self, country: Option<String>) -> Header {
        Header {
            country,
            gateway_code: Some(self.code().into()),
            gateway_message: Some(self.message().into()),
        }
    }
}

fn json<B: Serialize>(envelope: &Envelope<B>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json;charset=UTF-8")],
        serde_json::to_string(envelope).expect("plain JSON"),
    )
        .into_response()
}

fn refused(gw: Gateway, country: Option<String>) -> Response {
    json(&Envelope::<Value> {
        header: gw.header(country),
        body: None,
    })
}

/// The credentials after `scheme ` (case-insensitive), base64-decoded to text.
fn credentials(headers: &HeaderMap, scheme: &str) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (given, encoded) = value.split_once(' ')?;
    if !given.eq_ignore_ascii_case(scheme) {
        return None;
    }
    String::from_utf8(BASE64.decode(encoded.trim()).ok()?).ok()
}

/// E1: `Basic base64(client_id:secret)`, form `grant_type=client_credentials&scope=default`. The
/// same token comes back until revoked, its `expires_in` counting down.
async fn access_token(
    State(emu): State<Arc<NiceEmulator>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(creds) = credentials(&headers, "Basic") else {
        return refused(Gateway::AuthenticationNeeded, None);
    };
    let config = &emu.config;
    if creds.split_once(':') != Some((&config.client_id, &config.client_secret)) {
        return refused(Gateway::BadClient, None);
    }
    let fields = form::parse(&body).unwrap_or_default();
    if form::field(&fields, "grant_type") != "client_credentials" {
        return refused(Gateway::BadRequest, None);
    }
    let now = emu.now();
    let (token, issued_at) = emu
        .state()
        .access
        .get_or_insert_with(|| (uuid_v4(), now))
        .clone();
    json(&Envelope {
        header: Gateway::Ok.header(None),
        body: Some(AccessToken {
            access_token: token,
            token_type: "bearer".into(),
            expires_in: config.access_expires_in - (now - issued_at),
            scope: "default".into(),
        }),
    })
}

/// `access_token:timestamp:client_id` split into its three parts, if it has exactly three.
fn three_parts(creds: &str) -> Option<(&str, i64, &str)> {
    let mut parts = creds.split(':');
    let (token, ts, client) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some((token, ts.trim().parse().ok()?, client))
}

/// E2: `Basic base64(access_token:timestamp:client_id)`; the token is forgotten.
async fn revoke(State(emu): State<Arc<NiceEmulator>>, headers: HeaderMap) -> Response {
    let Some(creds) = credentials(&headers, "Basic") else {
        return refused(Gateway::AuthenticationNeeded, None);
    };
    let Some((token, _, client)) = three_parts(&creds) else {
        return refused(Gateway::BadToken, None);
    };
    let mut state = emu.state();
    if state.access.as_ref().map(|(t, _)| t.as_str()) != Some(token) {
        return refused(Gateway::BadToken, None);
    }
    if client != emu.config.client_id {
        return refused(Gateway::BadClient, None);
    }
    state.access = None;
    json(&Envelope {
        header: Gateway::Ok.header(None),
        body: Some(serde_json::json!({"result": "true"})),
    })
}

/// E3, checked in §13.2's order: body shape (1500), Authorization (1401), token (1800),
/// timestamp (1800), client (1801), ProductID (1706), IP (1702), then the body's fields
/// (`result_cd` 0001).
async fn crypto_token(
    State(emu): State<Arc<NiceEmulator>>,
    headers: HeaderMap,
    extensions: Extensions,
    body: Bytes,
) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let (Some(head), Some(data)) = (
        parsed.as_ref().and_then(|v| v.get("dataHeader")),
        parsed.as_ref().and_then(|v| v.get("dataBody")),
    ) else {
        return refused(Gateway::Format, None);
    };
    // Any two-letter country is accepted (NICE's samples send ko, kr and KO) and echoed.
    let country = head
        .get("CNTY_CD")
        .and_then(Value::as_str)
        .filter(|c| c.len() == 2)
        .map(str::to_string);
    let Some(creds) = credentials(&headers, "bearer") else {
        return refused(Gateway::AuthenticationNeeded, country);
    };
    let Some((token, ts, client)) = three_parts(&creds) else {
        return refused(Gateway::BadToken, country);
    };
    let now = emu.now();
    let config = &emu.config;
    let known = emu
        .state()
        .access
        .as_ref()
        .map(|(t, _)| t.as_str() == token)
        == Some(true);
    if !known || now.abs_diff(ts) >= MAX_TIMESTAMP_SKEW {
        return refused(Gateway::BadToken, country);
    }
    if client != config.client_id {
        return refused(Gateway::BadClient, country);
    }
    let product = headers.get("productid").and_then(|v| v.to_str().ok());
    if product.map(str::trim) != Some(config.product_id.as_str()) {
        return refused(Gateway::ProductNotAllowed, country);
    }
    if let Some(allowed) = &config.allowed_ips {
        let peer = extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        if !peer.is_some_and(|ip| allowed.contains(&ip)) {
            return refused(Gateway::IpNotAllowed, country);
        }
    }
    let text = |name: &str| data.get(name).and_then(Value::as_str).map(str::trim);
    let req_dtim =
        text("req_dtim").filter(|d| d.len() == 14 && d.bytes().all(|b| b.is_ascii_digit()));
    let req_no = text("req_no").filter(|n| (1..=30).contains(&n.len()) && n.is_ascii());
    let (Some(req_dtim), Some(req_no), Some("1")) = (req_dtim, req_no, text("enc_mode")) else {
        return json(&Envelope {
            header: Gateway::Ok.header(country),
            body: Some(CryptoToken {
                rsp_cd: RESPONSE_OK.into(),
                result_cd: Some("0001".into()),
                ..CryptoToken::default()
            }),
        });
    };
    let id = token_version_id(now);
    let record = CryptoTokenRecord {
        req_dtim: req_dtim.into(),
        req_no: req_no.into(),
        token_val: random_base64(32),
        site_code: config.site_code.clone(),
        issued_at: now,
        period: config.crypto_period,
        used_requestnos: HashSet::new(),
    };
    let answer = CryptoToken {
        rsp_cd: RESPONSE_OK.into(),
        res_msg: None,
        result_cd: Some(ISSUED.into()),
        site_code: Some(record.site_code.clone()),
        token_version_id: Some(id.clone()),
        token_val: Some(record.token_val.clone()),
        period: Some(record.period),
    };
    {
        let mut state = emu.state();
        // Tokens long past their period are forgotten; recently expired ones stay to say so.
        state.crypto.retain(|_, t| !t.expired(now - 24 * 3600));
        state.crypto.insert(id, record);
    }
    json(&Envelope {
        header: Header {
            gateway_message: Some("success".into()),
            ..Gateway::Ok.header(country)
        },
        body: Some(answer),
    })
}
