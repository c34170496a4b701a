//! HRD's result codes (spec §3). HRD answers HTTP 200 and puts the outcome in `code`: the number 200
//! on success, a string such as `"AP001"` otherwise.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One of HRD's result codes. Unknown codes are kept verbatim so nothing HRD says is lost.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HrdCode {
    Success,
    /// Code does not match.
    Ap001,
    /// Name missing.
    Ap002,
    /// Phone missing.
    Ap003,
    /// Code missing.
    Ap004,
    /// Not registered (or the app's name/phone differ from the LMS record).
    Ap005,
    Ap006,
    /// API call error.
    Ap007,
    Ap008,
    /// Locked: the 6-digit code failed 5 times.
    Ap009,
    /// Reset failed.
    Ap010,
    /// Re-registering the app while locked.
    Ap011,
    /// Code is not 6 digits.
    Ap012,
    We001,
    We002,
    We003,
    We004,
    We005,
    Ie001,
    Ce001,
    Ce002,
    Ce003,
    Other(String),
}

const TABLE: &[(HrdCode, &str, &str)] = &[
    (HrdCode::Ap001, "AP001", "OTP 번호가 일치하지 않습니다."),
    (HrdCode::Ap002, "AP002", "사용자 이름이 없습니다."),
    (HrdCode::Ap003, "AP003", "사용자 휴대폰번호가 없습니다."),
    (HrdCode::Ap004, "AP004", "OTP 번호가 없습니다."),
    (HrdCode::Ap005, "AP005", "등록되지 않은 사용자입니다."),
    (HrdCode::Ap006, "AP006", "이미 등록된 사용자입니다."),
    (HrdCode::Ap007, "AP007", "API 호출 오류입니다."),
    (
        HrdCode::Ap008,
        "AP008",
        "사용자 등록 중 오류가 발생했습니다.",
    ),
    (
        HrdCode::Ap009,
        "AP009",
        "OTP 인증번호 5회 실패로 잠긴 사용자입니다.",
    ),
    (HrdCode::Ap010, "AP010", "잠금 초기화에 실패했습니다."),
    (
        HrdCode::Ap011,
        "AP011",
        "사용자 등록실패(OTP 인증번호 [6자리] 5회 실패 사용자)",
    ),
    (HrdCode::Ap012, "AP012", "OTP 번호는 6자리입니다."),
    (HrdCode::We001, "WE001", "잘못된 Content-Type 입니다."),
    (HrdCode::We002, "WE002", "POST 방식만 허용됩니다."),
    (HrdCode::We003, "WE003", "잘못된 API 헤더입니다."),
    (
        HrdCode::We004,
        "WE004",
        "접근 로그 기록 중 사용자 이름 오류입니다.",
    ),
    (HrdCode::We005, "WE005", "요청이 너무 많습니다."),
    (HrdCode::Ie001, "IE001", "내부 오류가 발생했습니다."),
    (HrdCode::Ce001, "CE001", "시스템 오류가 발생했습니다."),
    (HrdCode::Ce002, "CE002", "시스템 오류가 발생했습니다."),
    (HrdCode::Ce003, "CE003", "시스템 오류가 발생했습니다."),
];

impl HrdCode {
    /// The code as HRD writes it (`"200"` for success).
    pub fn as_str(&self) -> &str {
        match self {
            HrdCode::Success => "200",
            HrdCode::Other(s) => s,
            known => TABLE
                .iter()
                .find(|(c, _, _)| c == known)
                .map(|(_, s, _)| *s)
                .unwrap_or("?"),
        }
    }

    /// Parses HRD's `code` field as text (`"200"` or `"AP001"`).
    pub fn parse(s: &str) -> HrdCode {
        let s = s.trim();
        if s == "200" {
            return HrdCode::Success;
        }
        TABLE
            .iter()
            .find(|(_, text, _)| text.eq_ignore_ascii_case(s))
            .map(|(c, _, _)| c.clone())
            .unwrap_or_else(|| HrdCode::Other(s.to_string()))
    }

    /// The message HRD sends with this code (Korean, as HRD writes it).
    pub fn hrd_message(&self) -> &str {
        match self {
            HrdCode::Success => "정상 처리되었습니다.",
            HrdCode::Other(_) => "알 수 없는 응답입니다.",
            known => TABLE
                .iter()
                .find(|(c, _, _)| c == known)
                .map(|(_, _, m)| *m)
                .unwrap_or(""),
        }
    }

    /// HRD-side failures for which the LMS may offer the phone identity check instead (대체인증).
    pub fn is_hrd_failure(&self) -> bool {
        matches!(
            self,
            HrdCode::Ie001 | HrdCode::Ce001 | HrdCode::Ce002 | HrdCode::Ce003
        )
    }
}

impl fmt::Display for HrdCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for HrdCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // HRD writes success as the JSON number 200.
            HrdCode::Success => s.serialize_u16(200),
            other => s.serialize_str(other.as_str()),
        }
    }
}

impl<'de> Deserialize<'de> for HrdCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(i64),
            Text(String),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Num(n) => HrdCode::parse(&n.to_string()),
            Raw::Text(t) => HrdCode::parse(&t),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_the_number_200_and_others_are_strings() {
        assert_eq!(serde_json::to_string(&HrdCode::Success).unwrap(), "200");
        assert_eq!(serde_json::to_string(&HrdCode::Ap009).unwrap(), "\"AP009\"");
        let c: HrdCode = serde_json::from_str("200").unwrap();
        assert_eq!(c, HrdCode::Success);
        let c: HrdCode = serde_json::from_str("\"200\"").unwrap();
        assert_eq!(c, HrdCode::Success);
        let c: HrdCode = serde_json::from_str("\"ap001\"").unwrap();
        assert_eq!(c, HrdCode::Ap001);
    }

    #[test]
    fn unknown_codes_are_kept_verbatim() {
        let c: HrdCode = serde_json::from_str("\"ZZ999\"").unwrap();
        assert_eq!(c, HrdCode::Other("ZZ999".into()));
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"ZZ999\"");
    }

    #[test]
    fn every_known_code_round_trips() {
        for (code, text, _) in TABLE {
            assert_eq!(&HrdCode::parse(text), code);
            assert_eq!(code.as_str(), *text);
        }
    }

    #[test]
    fn internal_errors_allow_the_substitute_check() {
        assert!(HrdCode::Ie001.is_hrd_failure());
        assert!(HrdCode::Ce002.is_hrd_failure());
        assert!(!HrdCode::Ap001.is_hrd_failure());
    }
}
