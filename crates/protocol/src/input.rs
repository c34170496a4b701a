//! Input rules shared by the widget (to answer the trainee at once) and the gateway (which must never
//! trust the widget): the 6-digit code, mobile numbers and names.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A code that passed the rules: exactly six ASCII digits, leading zeros kept.
#[derive(Clone, PartialEq, Eq)]
pub struct OtpCode(String);

impl OtpCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// Codes are secrets for their minute: never printed by accident.
impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode(******)")
    }
}

/// Why typed text is not a code. Each has its own message on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CodeInputError {
    Empty,
    /// Exactly four digits: almost certainly the app password, not the code (FAQ).
    LooksLikeAppPassword,
    /// Something other than digits, spaces or dashes.
    NotDigits,
    /// Digits, but not six of them.
    WrongLength,
}

/// Turns what a trainee typed or pasted into a code: full-width digits (０-９) become ASCII, spaces and
/// dashes (as in "123 456" or "123-456") are dropped, anything else is refused.
pub fn normalize_code(typed: &str) -> Result<OtpCode, CodeInputError> {
    let mut digits = String::with_capacity(6);
    for ch in typed.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            '０'..='９' => digits.push(char::from(b'0' + (ch as u32 - '０' as u32) as u8)),
            c if c.is_whitespace() || is_dash(c) => {}
            _ => return Err(CodeInputError::NotDigits),
        }
    }
    match digits.len() {
        0 => Err(CodeInputError::Empty),
        4 => Err(CodeInputError::LooksLikeAppPassword),
        6 => Ok(OtpCode(digits)),
        _ => Err(CodeInputError::WrongLength),
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–' | '—' | '－' | 'ー')
}

/// A Korean mobile number as HRD stores it: digits only, `01X` followed by 7 or 8 digits.
pub fn normalize_tel(raw: &str) -> Option<String> {
    let mut digits = String::with_capacity(11);
    for ch in raw.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            '０'..='９' => digits.push(char::from(b'0' + (ch as u32 - '０' as u32) as u8)),
            c if c.is_whitespace() || is_dash(c) || c == '.' => {}
            _ => return None,
        }
    }
    let ok = (digits.len() == 10 || digits.len() == 11)
        && digits.starts_with("01")
        && matches!(
            digits.as_bytes()[2],
            b'0' | b'1' | b'6' | b'7' | b'8' | b'9'
        );
    ok.then_some(digits)
}

/// A mobile number as it may appear in logs: `010-****-5678`.
pub fn mask_tel(tel: &str) -> String {
    let digits: String = tel.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 8 {
        return "***".to_string();
    }
    let (head, rest) = digits.split_at(3);
    let tail = &rest[rest.len() - 4..];
    format!("{head}-****-{tail}")
}

/// A trainee's name as compared with the app's registration: surrounding and inner whitespace
/// removed. Names are otherwise compared exactly, as HRD does (AP005 on any difference).
pub fn normalize_name(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_pass_with_leading_zeros() {
        assert_eq!(normalize_code("012345").unwrap().as_str(), "012345");
        assert_eq!(normalize_code(" 000 001 ").unwrap().as_str(), "000001");
        assert_eq!(normalize_code("123-456").unwrap().as_str(), "123456");
    }

    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(normalize_code("１２３４５６").unwrap().as_str(), "123456");
        assert_eq!(normalize_code("１２３ ４５６").unwrap().as_str(), "123456");
    }

    #[test]
    fn four_digits_are_the_app_password() {
        assert_eq!(
            normalize_code("1234"),
            Err(CodeInputError::LooksLikeAppPassword)
        );
        assert_eq!(
            normalize_code("１２３４"),
            Err(CodeInputError::LooksLikeAppPassword)
        );
    }

    #[test]
    fn other_input_is_refused_with_its_reason() {
        assert_eq!(normalize_code(""), Err(CodeInputError::Empty));
        assert_eq!(normalize_code("  "), Err(CodeInputError::Empty));
        assert_eq!(normalize_code("12345"), Err(CodeInputError::WrongLength));
        assert_eq!(normalize_code("1234567"), Err(CodeInputError::WrongLength));
        assert_eq!(normalize_code("12a456"), Err(CodeInputError::NotDigits));
        assert_eq!(normalize_code("١٢٣٤٥٦"), Err(CodeInputError::NotDigits));
    }

    #[test]
    fn codes_never_show_in_debug_output() {
        let c = normalize_code("123456").unwrap();
        assert!(!format!("{c:?}").contains("123456"));
    }

    #[test]
    fn mobile_numbers() {
        assert_eq!(
            normalize_tel("010-1234-5678").as_deref(),
            Some("01012345678")
        );
        assert_eq!(normalize_tel("011 234 5678").as_deref(), Some("0112345678"));
        assert_eq!(
            normalize_tel("０１０１２３４５６７８").as_deref(),
            Some("01012345678")
        );
        assert_eq!(normalize_tel("02-123-4567"), None);
        assert_eq!(normalize_tel("0101234567890"), None);
        assert_eq!(normalize_tel("010-abcd-5678"), None);
        assert_eq!(mask_tel("01012345678"), "010-****-5678");
        assert_eq!(mask_tel("010-1234-5678"), "010-****-5678");
        assert_eq!(mask_tel("12"), "***");
    }

    #[test]
    fn names_lose_only_whitespace() {
        assert_eq!(normalize_name(" 홍 길동 "), "홍길동");
        assert_ne!(normalize_name("홍길동"), normalize_name("홍길둥"));
    }
}
