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

/// Whether `s` is a USRID as LMSs write them: 1–64 letters, digits and `_-.@` (checked before it
/// reaches HRD's forms or SQL).
pub fn is_usrid(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.@".contains(&b))
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

/// Characters that draw nothing or reorder what is drawn: control characters, zero-width and
/// bidi controls (Unicode's format characters), the Hangul fillers, variation selectors, tags
/// and private use. A name made of them looks empty or like someone else's to a person reading
/// HRD's records or the audit, so a launch token carrying one is refused.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'                      // soft hyphen
            | '\u{034F}'                    // combining grapheme joiner
            | '\u{0600}'..='\u{0605}'       // Arabic number signs (format)
            | '\u{061C}'                    // Arabic letter mark (bidi)
            | '\u{06DD}' | '\u{070F}' | '\u{08E2}'
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
            | '\u{180B}'..='\u{180F}'       // Mongolian selectors and separator
            | '\u{200B}'..='\u{200F}'       // zero-width space, (non-)joiner, LRM, RLM
            | '\u{2028}' | '\u{2029}'       // line and paragraph separators
            | '\u{202A}'..='\u{202E}'       // bidi embeddings and overrides
            | '\u{2060}'..='\u{206F}'       // word joiner, invisible operators, bidi isolates
            | '\u{2800}'                    // braille blank
            | '\u{E000}'..='\u{F8FF}'       // private use
            | '\u{FE00}'..='\u{FE0F}'       // variation selectors
            | '\u{FEFF}'                    // zero-width no-break space (BOM)
            | '\u{FFF0}'..='\u{FFFB}'       // interlinear annotation, specials
            | '\u{110BD}' | '\u{110CD}'
            | '\u{1D173}'..='\u{1D17A}'     // musical format controls
            | '\u{E0000}'..='\u{E01EF}'     // tags and variation selectors supplement
            | '\u{F0000}'..='\u{10FFFF}'    // private use planes
        )
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
    fn invisible_characters_are_named_and_names_are_not() {
        for c in [
            '\u{200B}', '\u{200D}', '\u{202E}', '\u{2066}', '\u{FEFF}', '\u{3164}', '\n', '\0',
        ] {
            assert!(is_invisible(c), "{c:?}");
        }
        for c in "홍길동 José Nguyễn Thị O'Brien-Smith ·".chars() {
            assert!(!is_invisible(c), "{c:?}");
        }
        let decomposed: String = "홍길동".nfd().collect();
        assert!(!decomposed.chars().any(is_invisible));
    }

    #[test]
    fn mobiles_compare_as_digits() {
        assert!(same_tel("010-1234-5678", "01012345678"));
        assert!(!same_tel("010-1234-5679", "01012345678"));
        assert!(!same_tel("", ""));
    }
}
