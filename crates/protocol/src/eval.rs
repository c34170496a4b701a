//! EVAL_CD: what an mOTP check unlocks (spec §2.1), with HRD's Korean label (EVAL_TYPE).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EvalCd {
    /// 00 입과: enrolment.
    #[serde(rename = "00")]
    Enrolment,
    /// 01 진도: study progress.
    #[serde(rename = "01")]
    Study,
    /// 02 시험: exam.
    #[serde(rename = "02")]
    Exam,
    /// 03 과제: assignment.
    #[serde(rename = "03")]
    Assignment,
    /// 04 진행평가: progress test.
    #[serde(rename = "04")]
    ProgressTest,
    /// 99 기타: other.
    #[serde(rename = "99")]
    Other,
}

impl EvalCd {
    pub const ALL: [EvalCd; 6] = [
        EvalCd::Enrolment,
        EvalCd::Study,
        EvalCd::Exam,
        EvalCd::Assignment,
        EvalCd::ProgressTest,
        EvalCd::Other,
    ];

    /// The two-digit code HRD expects in EVAL_CD.
    pub fn code(self) -> &'static str {
        match self {
            EvalCd::Enrolment => "00",
            EvalCd::Study => "01",
            EvalCd::Exam => "02",
            EvalCd::Assignment => "03",
            EvalCd::ProgressTest => "04",
            EvalCd::Other => "99",
        }
    }

    /// HRD's EVAL_TYPE label.
    pub fn label_ko(self) -> &'static str {
        match self {
            EvalCd::Enrolment => "입과",
            EvalCd::Study => "진도",
            EvalCd::Exam => "시험",
            EvalCd::Assignment => "과제",
            EvalCd::ProgressTest => "진행평가",
            EvalCd::Other => "기타",
        }
    }

    pub fn parse(s: &str) -> Option<EvalCd> {
        EvalCd::ALL.into_iter().find(|e| e.code() == s.trim())
    }

    /// CLASS_TME as HRD wants it: `00` for 입과/기타, otherwise the chapter or attempt number
    /// zero-padded to at least two digits (`1` → `01`, `120` stays `120`). `None` when the value is not
    /// a number HRD accepts for this EVAL_CD.
    pub fn class_tme(self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if matches!(self, EvalCd::Enrolment | EvalCd::Other) {
            return (raw.is_empty() || raw.bytes().all(|b| b == b'0')).then(|| "00".to_string());
        }
        if raw.is_empty() || raw.len() > 3 || !raw.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u16 = raw.parse().ok()?;
        (1..=999).contains(&n).then(|| format!("{n:02}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_follow_the_spec_table() {
        let table: Vec<_> = EvalCd::ALL
            .iter()
            .map(|e| (e.code(), e.label_ko()))
            .collect();
        assert_eq!(
            table,
            [
                ("00", "입과"),
                ("01", "진도"),
                ("02", "시험"),
                ("03", "과제"),
                ("04", "진행평가"),
                ("99", "기타")
            ]
        );
        assert_eq!(serde_json::to_string(&EvalCd::Exam).unwrap(), "\"02\"");
        assert_eq!(EvalCd::parse("04"), Some(EvalCd::ProgressTest));
        assert_eq!(EvalCd::parse("05"), None);
    }

    #[test]
    fn class_tme_is_padded() {
        assert_eq!(EvalCd::Study.class_tme("1").as_deref(), Some("01"));
        assert_eq!(EvalCd::Study.class_tme("01").as_deref(), Some("01"));
        assert_eq!(EvalCd::Exam.class_tme("120").as_deref(), Some("120"));
        assert_eq!(EvalCd::Enrolment.class_tme("").as_deref(), Some("00"));
        assert_eq!(EvalCd::Other.class_tme("0").as_deref(), Some("00"));
        assert_eq!(EvalCd::Study.class_tme("0"), None);
        assert_eq!(EvalCd::Study.class_tme("1000"), None);
        assert_eq!(EvalCd::Study.class_tme("a1"), None);
        assert_eq!(EvalCd::Enrolment.class_tme("3"), None);
    }
}
