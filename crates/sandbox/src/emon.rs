//! e-mon's logs of identity checks (spec §2.3): the two XML-answering JSPs and the newer JSON
//! `phone_auth_hist`. Every record is kept, duplicates included, so tests can assert "exactly once".

use crate::api::{fault_response, transport_checks};
use crate::form::field;
use crate::Sandbox;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::{Json, Router};
use motp_protocol::{kst, EvalCd};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const P_AUTH_LOG_PATH: &str = "/EAIServer/SOURCE/ExConn/LMS/pAuthLog.jsp";
pub const P_SUB_OTP_LOG_PATH: &str = "/EAIServer/SOURCE/ExConn/LMS/pSubOtpLog.jsp";
pub const PHONE_AUTH_HIST_PATH: &str = "/api/v2/phone_auth_hist";

pub fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route(P_AUTH_LOG_PATH, any(p_auth_log))
        .route(P_SUB_OTP_LOG_PATH, any(p_sub_otp_log))
        .route(PHONE_AUTH_HIST_PATH, any(phone_auth_hist))
}

const LOG_FIELDS: [&str; 11] = [
    "AGTID",
    "USRID",
    "COURSE_AGENT_PK",
    "CLASS_AGENT_PK",
    "EVAL_CD",
    "EVAL_TYPE",
    "CLASS_TME",
    "m_Ret",
    "m_retCD",
    "m_trnID",
    "m_trnDT",
];

async fn p_auth_log(sb: State<Arc<Sandbox>>, m: Method, h: HeaderMap, b: Bytes) -> Response {
    xml_log(&sb, "pAuthLog", true, &m, &h, &b).await
}

async fn p_sub_otp_log(sb: State<Arc<Sandbox>>, m: Method, h: HeaderMap, b: Bytes) -> Response {
    xml_log(&sb, "pSubOtpLog", false, &m, &h, &b).await
}

/// pAuthLog takes enrolment checks (EVAL_CD 00) only; pSubOtpLog takes substitute checks for the
/// other EVAL_CDs (assumption drawn from the spec's description of the two pages).
async fn xml_log(
    sb: &Sandbox,
    kind: &str,
    enrolment: bool,
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    if let Some(mode) = sb.faults.take() {
        return match mode {
            crate::faults::FaultMode::Timeout
            | crate::faults::FaultMode::Http500
            | crate::faults::FaultMode::Garbage => fault_response(sb, mode).await,
            other => xml_answer(102, &format!("{other:?}").to_uppercase(), "injected fault"),
        };
    }
    let fields = match transport_checks(method, headers, body) {
        Ok(f) => f,
        Err(code) => return xml_answer(102, code.as_str(), code.hrd_message()),
    };
    let missing = LOG_FIELDS
        .iter()
        .find(|name| field(&fields, name).is_empty() && **name != "CLASS_TME");
    let eval = EvalCd::parse(field(&fields, "EVAL_CD"));
    let problem = if let Some(name) = missing {
        Some(format!("{name} is required"))
    } else if eval.is_none() {
        Some("EVAL_CD is not one of 00, 01, 02, 03, 04, 99".to_string())
    } else if enrolment != (eval == Some(EvalCd::Enrolment)) {
        Some(if enrolment {
            "pAuthLog takes EVAL_CD 00 only".to_string()
        } else {
            "pSubOtpLog takes EVAL_CD 01-04 and 99".to_string()
        })
    } else if !matches!(field(&fields, "m_Ret"), "T" | "F") {
        Some("m_Ret must be T or F".to_string())
    } else if kst::parse_unix(field(&fields, "m_trnDT")).is_none() {
        Some("m_trnDT must be YYYY-MM-DD HH:MM:SS".to_string())
    } else {
        None
    };
    let ret_val = if problem.is_some() { 102 } else { 101 };
    sb.record(kind, &ret_val.to_string(), fields);
    match problem {
        Some(p) => xml_answer(102, "ERROR", &p),
        None => xml_answer(101, "SUCCESS", ""),
    }
}

fn xml_answer(ret_val: u16, msg: &str, remark: &str) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Result><RetVal>{ret_val}</RetVal><RetMsg>{}</RetMsg><Remark>{}</Remark></Result>",
        xml_escape(msg),
        xml_escape(remark)
    );
    ([(header::CONTENT_TYPE, "text/xml; charset=UTF-8")], body).into_response()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const HIST_FIELDS: [&str; 11] = [
    "agtId",
    "usrId",
    "courseAgentPk",
    "classAgentPk",
    "evalCd",
    "evalType",
    "classTme",
    "mRet",
    "mRetCd",
    "mTrnId",
    "mTrnDt",
];

/// `phone_auth_hist`: JSON `{"dataList":[…]}`, authenticated by `X-TQIAPI-HEADER`/`X-TQIAPI-USER`.
async fn phone_auth_hist(
    State(sb): State<Arc<Sandbox>>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(mode) = sb.faults.take() {
        return fault_response(&sb, mode).await;
    }
    let answer = |code: Value, msg: &str, n: usize| {
        Json(json!({"code": code, "msg": msg, "data_cnt": n})).into_response()
    };
    if method != Method::POST {
        return answer(json!("WE002"), "POST 방식만 허용됩니다.", 0);
    }
    let header_value = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let key_owner = sb.config.emon_api_keys.get(header_value("X-TQIAPI-HEADER"));
    if key_owner.is_none_or(|owner| owner != header_value("X-TQIAPI-USER")) {
        return answer(json!("WE003"), "잘못된 API 헤더입니다.", 0);
    }
    let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&body) else {
        return answer(json!("WE001"), "JSON 본문이 아닙니다.", 0);
    };
    let Some(Value::Array(list)) = doc.get("dataList") else {
        return answer(json!("IE001"), "dataList가 없습니다.", 0);
    };
    let mut records = Vec::with_capacity(list.len());
    for item in list {
        let mut fields = BTreeMap::new();
        for name in HIST_FIELDS {
            match item.get(name) {
                Some(Value::String(s)) if !s.trim().is_empty() || name == "classTme" => {
                    fields.insert(name.to_string(), s.clone());
                }
                _ => return answer(json!("IE001"), &format!("{name} is required"), 0),
            }
        }
        if kst::parse_unix(&fields["mTrnDt"]).is_none() {
            return answer(json!("IE001"), "mTrnDt must be YYYY-MM-DD HH:MM:SS", 0);
        }
        records.push(fields);
    }
    let n = records.len();
    for fields in records {
        sb.record("phone_auth_hist", "200", fields);
    }
    answer(json!(200), "정상 처리되었습니다.", n)
}
