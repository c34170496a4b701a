//! The forms HRD's mOTP API receives and the answer it gives (spec §2).

use crate::HrdCode;
use serde::{Deserialize, Serialize};

/// Path of the code check, relative to HRD's base URL.
pub const OTP_ACCREDIT_PATH: &str = "/api/v2/otp_accredit";
/// Path of the lock reset.
pub const USER_RESET_PATH: &str = "/api/v2/user_reset";

/// `POST /api/v2/otp_accredit`, sent as `application/x-www-form-urlencoded`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct OtpAccreditForm {
    pub user_nm: String,
    pub user_tel: String,
    pub otpno: String,
    pub agtid: String,
    pub usrid: String,
    pub sessionid: String,
    pub exip: String,
    pub course_agent_pk: String,
    pub class_agent_pk: String,
    pub eval_cd: String,
    pub eval_type: String,
    pub class_tme: String,
    pub usrdt: String,
    pub ut: String,
}

// Hand-written so the code and the mobile number never reach a log through `{:?}`.
impl std::fmt::Debug for OtpAccreditForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpAccreditForm")
            .field("agtid", &self.agtid)
            .field("usrid", &self.usrid)
            .field("user_tel", &crate::input::mask_tel(&self.user_tel))
            .field("eval_cd", &self.eval_cd)
            .field("class_tme", &self.class_tme)
            .field("usrdt", &self.usrdt)
            .finish_non_exhaustive()
    }
}

/// `POST /api/v2/user_reset`: lifts the lock with the record of a successful phone identity check.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserResetForm {
    #[serde(rename = "USER_NM")]
    pub user_nm: String,
    #[serde(rename = "USER_TEL")]
    pub user_tel: String,
    #[serde(rename = "AGTID")]
    pub agtid: String,
    #[serde(rename = "USRID")]
    pub usrid: String,
    /// Always `T`: the product never calls user_reset for a failed check.
    #[serde(rename = "M_RET")]
    pub m_ret: String,
    #[serde(rename = "M_RETCD")]
    pub m_retcd: String,
    #[serde(rename = "M_TRNID")]
    pub m_trnid: String,
    #[serde(rename = "M_TRNDT")]
    pub m_trndt: String,
}

impl std::fmt::Debug for UserResetForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserResetForm")
            .field("agtid", &self.agtid)
            .field("usrid", &self.usrid)
            .field("user_tel", &crate::input::mask_tel(&self.user_tel))
            .field("m_trnid", &self.m_trnid)
            .finish_non_exhaustive()
    }
}

/// HRD's JSON answer: always HTTP 200, the outcome in `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HrdAnswer {
    pub code: HrdCode,
    #[serde(default)]
    pub msg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl HrdAnswer {
    /// The answer HRD gives for `code`, with its usual message.
    pub fn of(code: HrdCode) -> HrdAnswer {
        let status = Some(
            if code == HrdCode::Success {
                "SUCCESS"
            } else {
                "FAIL"
            }
            .to_string(),
        );
        HrdAnswer {
            msg: code.hrd_message().to_string(),
            code,
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_as_hrd_writes_them() {
        let a: HrdAnswer =
            serde_json::from_str(r#"{"code":200,"msg":"ok","status":"SUCCESS"}"#).unwrap();
        assert_eq!(a.code, HrdCode::Success);
        let a: HrdAnswer = serde_json::from_str(r#"{"code":"AP009","msg":"locked"}"#).unwrap();
        assert_eq!(a.code, HrdCode::Ap009);
        assert_eq!(a.status, None);
    }

    #[test]
    fn form_field_names_are_hrds() {
        let form = OtpAccreditForm {
            user_nm: "홍길동".into(),
            user_tel: "01012345678".into(),
            otpno: "012345".into(),
            agtid: "A".into(),
            usrid: "U".into(),
            sessionid: "S".into(),
            exip: "203.0.113.9".into(),
            course_agent_pk: "C".into(),
            class_agent_pk: "C,1".into(),
            eval_cd: "01".into(),
            eval_type: "진도".into(),
            class_tme: "01".into(),
            usrdt: "2026-11-27 19:00:05".into(),
            ut: "2026-11-27 19:00:05".into(),
        };
        let json = serde_json::to_value(&form).unwrap();
        for key in [
            "USER_NM",
            "USER_TEL",
            "OTPNO",
            "AGTID",
            "USRID",
            "SESSIONID",
            "EXIP",
            "COURSE_AGENT_PK",
            "CLASS_AGENT_PK",
            "EVAL_CD",
            "EVAL_TYPE",
            "CLASS_TME",
            "USRDT",
            "UT",
        ] {
            assert!(json.get(key).is_some(), "{key} missing");
        }
        let debug = format!("{form:?}");
        assert!(!debug.contains("012345") && !debug.contains("01012345678"));
    }
}
