//! NICE 본인확인 (통합형): the wire format the gateway speaks as a client and `hrd-sandbox`'s
//! emulator speaks as NICE, so both sides are one code, checked against the spec's test vector
//! (`docs/nice-identity.md`, §5–§8).
//!
//! - [`Keys`]: §5 key derivation from a crypto token, §7 sealing a request, §8.2 opening a result
//!   (the integrity value checked, in constant time, before anything is decrypted);
//! - [`Request`] and [`Outcome`]: the JSON inside `enc_data`, each way; the outcome is EUC-KR on
//!   the wire ([`Outcome::from_wire`], [`Outcome::to_wire`]);
//! - [`api`]: the token endpoints' JSON (E1 access token, E3 crypto token);
//! - [`codes`]: what NICE's answer codes mean;
//! - [`vector`]: the spec's §8.4 test vector, which both sides' tests reproduce.

pub mod api;
pub mod codes;
pub mod vector;

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// NICE's product id for 본인확인 (통합형).
pub const PRODUCT_ID: &str = "2101979031";

/// The standard window's paths (E4): `service.cb` is the default; NICE's samples also use the other
/// two, which the emulator accepts as well.
pub const STANDARD_WINDOW_PATHS: [&str; 3] = [
    "/CheckPlusSafeModel/service.cb",
    "/CheckPlusSafeModel/checkplus.cb",
    "/cert/request",
];

/// The AES key, IV and HMAC key of one crypto token (§5): the characters of the base64 of
/// SHA-256(`req_dtim` ‖ `req_no` ‖ `token_val`), not its decoded bytes.
#[derive(Clone)]
pub struct Keys {
    key: [u8; 16],
    iv: [u8; 16],
    hmac_key: [u8; 32],
}

/// A request sealed for the standard window, or a result sealed for the return URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub enc_data: String,
    pub integrity_value: String,
}

/// Why sealed data was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenError {
    /// The integrity value does not match `enc_data`: tampered, or sealed with other keys.
    Integrity,
    /// `enc_data` is not base64, or does not decrypt to padded data.
    Malformed,
}

impl Keys {
    pub fn derive(req_dtim: &str, req_no: &str, token_val: &str) -> Keys {
        let seed = format!("{}{}{}", req_dtim.trim(), req_no.trim(), token_val.trim());
        let b64 = BASE64.encode(Sha256::digest(seed.as_bytes()));
        let b = b64.as_bytes(); // 44 ASCII characters
        let mut keys = Keys {
            key: [0; 16],
            iv: [0; 16],
            hmac_key: [0; 32],
        };
        keys.key.copy_from_slice(&b[..16]);
        keys.iv.copy_from_slice(&b[28..44]);
        keys.hmac_key.copy_from_slice(&b[..32]);
        keys
    }

    /// §7: AES-128-CBC with PKCS#7, base64; the integrity value is the HMAC-SHA256 of that base64.
    pub fn seal(&self, plaintext: &[u8]) -> Sealed {
        let encrypted = cbc::Encryptor::<aes::Aes128>::new(&self.key.into(), &self.iv.into())
            .encrypt_padded_vec_mut::<Pkcs7>(plaintext);
        let enc_data = BASE64.encode(encrypted);
        Sealed {
            integrity_value: self.integrity(&enc_data),
            enc_data,
        }
    }

    /// The integrity value of `enc_data` (HMAC-SHA256 with the HMAC key, base64).
    pub fn integrity(&self, enc_data: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.hmac_key).expect("any key length");
        mac.update(enc_data.as_bytes());
        BASE64.encode(mac.finalize().into_bytes())
    }

    /// §8.2: the integrity value first (constant time), then decryption. A base64 value that came
    /// through a query string with its `+` turned into spaces is mended first (§8.1).
    pub fn open(&self, enc_data: &str, integrity_value: &str) -> Result<Vec<u8>, OpenError> {
        // Spaces back to `+` before trimming: a leading or trailing `+` read as a space is data.
        let enc_data = enc_data.replace(' ', "+").trim().to_string();
        let integrity_value = integrity_value.replace(' ', "+").trim().to_string();
        let expected = self.integrity(&enc_data);
        if !bool::from(expected.as_bytes().ct_eq(integrity_value.as_bytes())) {
            return Err(OpenError::Integrity);
        }
        let encrypted = BASE64.decode(&enc_data).map_err(|_| OpenError::Malformed)?;
        cbc::Decryptor::<aes::Aes128>::new(&self.key.into(), &self.iv.into())
            .decrypt_padded_vec_mut::<Pkcs7>(&encrypted)
            .map_err(|_| OpenError::Malformed)
    }
}

/// §6: what the standard window is asked to do, inside `enc_data`. Serialised compact, in this
/// order (the spec's test vector's), ASCII only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub requestno: String,
    pub returnurl: String,
    pub sitecode: String,
    /// `M`: mobile phone (the only method HRD's reset accepts as 휴대폰 본인인증).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authtype: Option<String>,
    /// `get` or `post`: how the result comes back to `returnurl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub methodtype: Option<String>,
    /// `Y` in a popup, `N` in the same window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub popupyn: Option<String>,
    /// Echoed back unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receivedata: Option<String>,
}

impl Request {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("plain strings serialise")
    }
}

/// §8.3: the result NICE delivers to `returnurl`, inside `enc_data`, as EUC-KR JSON. Fields a
/// contract does not include are absent; `mobile_co`/`mobile_no` are read as well (a minority of
/// NICE's documents spell them so).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// `0000`: the person was identified; anything else: [`codes::result_message`].
    pub resultcode: String,
    pub requestno: String,
    /// When NICE sealed the result, `YYYYMMDDHHMMSS`, Korea time.
    #[serde(default)]
    pub enctime: String,
    #[serde(default)]
    pub sitecode: String,
    /// NICE's transaction id: what HRD's `user_reset` gets as `M_TRNID`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responseno: Option<String>,
    #[serde(default)]
    pub authtype: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub utf8_name: String,
    #[serde(default)]
    pub birthdate: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub nationalinfo: String,
    #[serde(default, alias = "mobile_co")]
    pub mobileco: String,
    #[serde(default, alias = "mobile_no")]
    pub mobileno: String,
    #[serde(default)]
    pub ci: String,
    #[serde(default)]
    pub di: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receivedata: Option<String>,
}

/// Why a result could not be read after it was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeError {
    /// Not EUC-KR text.
    Encoding,
    /// Not the JSON of a result.
    Json(String),
}

impl Outcome {
    /// The opened bytes: EUC-KR JSON.
    pub fn from_wire(bytes: &[u8]) -> Result<Outcome, OutcomeError> {
        let (text, _, had_errors) = encoding_rs::EUC_KR.decode(bytes);
        if had_errors {
            return Err(OutcomeError::Encoding);
        }
        serde_json::from_str(text.trim()).map_err(|e| OutcomeError::Json(e.to_string()))
    }

    /// The bytes to seal: compact JSON, EUC-KR.
    pub fn to_wire(&self) -> Vec<u8> {
        let json = serde_json::to_string(self).expect("plain strings serialise");
        encoding_rs::EUC_KR.encode(&json).0.into_owned()
    }

    /// `enctime` as HRD wants times: `YYYY-MM-DD HH:MM:SS` (both Korea time). `None` unless it is
    /// 14 digits.
    pub fn enctime_for_hrd(&self) -> Option<String> {
        let t = self.enctime.as_bytes();
        if t.len() != 14 || !t.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let s = &self.enctime;
        Some(format!(
            "{}-{}-{} {}:{}:{}",
            &s[..4],
            &s[4..6],
            &s[6..8],
            &s[8..10],
            &s[10..12],
            &s[12..14]
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::vector::*;

    #[test]
    fn keys_are_the_spec_vectors() {
        let k = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        assert_eq!(&k.key, b"M/nfftyLN8DpnMJt");
        assert_eq!(&k.iv, b"F4yjtRbkN6VLUis=");
        assert_eq!(&k.hmac_key, b"M/nfftyLN8DpnMJt/brEX23HWXJCF4yj");
        // Surrounding blanks are trimmed, as NICE's samples do.
        assert_eq!(
            Keys::derive(" 20240130052153 ", REQ_NO, TOKEN_VAL).key,
            k.key
        );
    }

    #[test]
    fn a_request_seals_to_the_spec_vector() {
        let plaintext = vector::request().to_json();
        assert_eq!(
            plaintext,
            r#"{"requestno":"REQ202401300521530000000000001","returnurl":"https://lms.example/nice/return","sitecode":"AB123","authtype":"M","methodtype":"post","popupyn":"Y","receivedata":"x"}"#
        );
        let sealed = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL).seal(plaintext.as_bytes());
        assert_eq!(sealed.enc_data, ENC_DATA);
        assert_eq!(sealed.integrity_value, INTEGRITY);
    }

    #[test]
    fn the_result_side_of_the_vector_opens_and_seals() {
        let k = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        let opened = Outcome::from_wire(&k.open(RES_ENC, RES_INTEG).unwrap()).unwrap();
        assert_eq!(opened, vector::outcome());
        assert_eq!(opened.name, "홍길동");
        assert_eq!(
            opened.enctime_for_hrd().as_deref(),
            Some("2024-01-30 05:23:01")
        );
        let sealed = k.seal(&vector::outcome().to_wire());
        assert_eq!(sealed.enc_data, RES_ENC);
        assert_eq!(sealed.integrity_value, RES_INTEG);
    }

    #[test]
    fn a_request_opens_where_the_emulator_reads_it() {
        let k = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        let opened = k.open(ENC_DATA, INTEGRITY).unwrap();
        let request: Request = serde_json::from_slice(&opened).unwrap();
        assert_eq!(request, vector::request());
    }

    #[test]
    fn tampering_is_caught_before_decryption() {
        let k = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        let mut tampered = RES_ENC.to_string();
        tampered.replace_range(0..1, "L");
        assert_eq!(k.open(&tampered, RES_INTEG), Err(OpenError::Integrity));
        assert_eq!(
            k.open(RES_ENC, "AAAAEzYqYY8IpHOre3f0iH9AQj+FuuQdVkqIo9BCumA="),
            Err(OpenError::Integrity)
        );
        // Other keys (another crypto token) do not open it either.
        let other = Keys::derive(REQ_DTIM, "REQ2", TOKEN_VAL);
        assert_eq!(other.open(RES_ENC, RES_INTEG), Err(OpenError::Integrity));
        // A valid MAC over bytes that are not a whole cipher text is still refused.
        let short = "AAAA";
        assert_eq!(
            k.open(short, &k.integrity(short)),
            Err(OpenError::Malformed)
        );
    }

    /// A query string may turn `+` into spaces (§8.1).
    #[test]
    fn plus_signs_lost_to_a_query_string_are_mended() {
        let k = Keys::derive(REQ_DTIM, REQ_NO, TOKEN_VAL);
        let spaced = RES_ENC.replace('+', " ");
        assert!(k.open(&spaced, &RES_INTEG.replace('+', " ")).is_ok());
        // Also at either end, where a space is easily taken for padding.
        let sealed = (0..10_000)
            .map(|i| k.seal(format!("{{\"n\":{i}}}").as_bytes()))
            .find(|s| s.enc_data.starts_with('+'))
            .expect("one in 64 starts with +");
        let spaced = sealed.enc_data.replace('+', " ");
        assert!(k.open(&spaced, &sealed.integrity_value).is_ok());
    }

    #[test]
    fn utf8_where_euc_kr_is_due_is_refused_and_other_spellings_read() {
        // UTF-8 Hangul is never read as the name (it is invalid EUC-KR, or other syllables).
        let utf8 = serde_json::to_vec(&vector::outcome()).unwrap();
        assert_ne!(
            Outcome::from_wire(&utf8).map(|o| o.name),
            Ok("홍길동".to_string())
        );
        let spelled =
            br#"{"resultcode":"0001","requestno":"R1","mobile_no":"01012345678","mobile_co":"2"}"#;
        let o = Outcome::from_wire(spelled).unwrap();
        assert_eq!(
            (o.mobileno.as_str(), o.mobileco.as_str()),
            ("01012345678", "2")
        );
        assert_eq!(o.responseno, None);
        assert_eq!(o.enctime_for_hrd(), None);
    }
}
