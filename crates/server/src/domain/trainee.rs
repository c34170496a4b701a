//! The trainee a request is about, as the LMS's verified launch token names them — the only source
//! of USRID, name and mobile — and the rule that decides whether an identity check is theirs.

use crate::tenant::Tenant;
use motp_protocol::input::{normalize_name, normalize_tel};
use motp_protocol::EvalCd;
use unicode_normalization::UnicodeNormalization;

/// A verified trainee: everything the server may tell HRD, already normalised.
#[derive(Debug, Clone)]
pub struct Trainee {
    pub tenant: Tenant,
    pub usrid: String,
    pub name: String,
    pub tel: String,
    pub course: String,
    pub class: String,
    pub eval: EvalCd,
    pub class_tme: String,
    pub session_id: String,
    pub token_id: String,
}

impl Trainee {
    /// The key under which attempts and rate limits are counted.
    pub fn key(&self) -> (&str, &str) {
        (&self.tenant.id, &self.usrid)
    }

    /// Whether the person an identity provider checked is this trainee: the same name and mobile as
    /// the LMS record. A check for anyone else never lifts this trainee's lock.
    pub fn is_person(&self, name: &str, tel: &str) -> bool {
        same_name(name, &self.name) && same_tel(tel, &self.tel)
    }
}

/// Names as compared with the launch token's: Unicode NFC (decomposed Hangul from some phones
/// equals the precomposed LMS record), no spaces.
pub fn same_name(a: &str, b: &str) -> bool {
    let nfc = |s: &str| normalize_name(s).nfc().collect::<String>();
    nfc(a) == nfc(b)
}

pub fn same_tel(a: &str, b: &str) -> bool {
    matches!((normalize_tel(a), normalize_tel(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_in_nfc_without_spaces() {
        let decomposed: String = "홍길동".nfd().collect();
        assert_ne!(decomposed, "홍길동");
        assert!(same_name(&decomposed, "홍길동"));
        assert!(same_name(" 홍 길동", "홍길동"));
        assert!(!same_name("홍길둥", "홍길동"));
    }

    #[test]
    fn mobiles_compare_as_digits() {
        assert!(same_tel("010-1234-5678", "01012345678"));
        assert!(!same_tel("010-1234-5679", "01012345678"));
        assert!(!same_tel("", ""));
    }
}
