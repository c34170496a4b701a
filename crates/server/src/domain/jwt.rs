//! Every JWT the gateway reads or writes, with one validation helper ([`decode`]):
//!
//! - **launch tokens**: the LMS server's signed statement of who the trainee is and what is being
//!   unlocked — identity (USRID, name, mobile) comes from here and nowhere else;
//! - **receipts**: the server's signed, single-use proof that a trainee passed, which the LMS checks
//!   offline or redeems (`POST /v1/receipts/redeem`);
//! - **attestations**: an LMS server's signed report of its own NICE/KCB/PASS check.
//!
//! Launch tokens and attestations are HS256 under the tenant secret, each with its own `aud`;
//! receipts are EdDSA under the gateway's own keys ([`super::receipt_keys`]), with a `kid` and a
//! `typ` of their own, so neither an LMS nor a trainee holding a launch token can make one. Expiry is
//! checked against the injected clock, never the machine's.

use super::error::{Error, Result};
use super::receipt_keys::ReceiptKey;
use super::trainee::{self, Trainee};
use crate::tenant::{Tenant, Tenants};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use motp_protocol::{input, EvalCd};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The `aud` every launch token must carry.
pub const LAUNCH_AUDIENCE: &str = "motp-launch";
/// Launch tokens live at most this long (`exp - iat`).
pub const MAX_LIFETIME_SECS: i64 = 15 * 60;
/// Tolerated clock difference between the LMS and this server.
pub const LEEWAY_SECS: i64 = 30;
/// Any token (launch token, attestation, receipt) longer than this is refused before a byte of it
/// is decoded: a real one is under 1 KB, and the unverified parse that picks the tenant's key must
/// not be handed megabytes.
pub const MAX_TOKEN_BYTES: usize = 4 * 1024;

/// The longest each launch-token claim may be, in characters, and why: everything here is copied
/// into HRD's forms, the database and the audit, so a signed token must not be able to make any of
/// them large. Every bound is far above what an LMS sends.
pub mod claim_limits {
    /// USRID: an LMS login id.
    pub const SUB: usize = 64;
    /// USER_NM: a person's name (Korean names are 2–5 syllables; foreign names fit too).
    pub const NAME: usize = 50;
    /// USER_TEL as written (digits, hyphens, spaces); it is normalised to 11 digits.
    pub const TEL: usize = 20;
    /// COURSE_AGENT_PK and CLASS_AGENT_PK: LMS codes (`AIG20260001,3`).
    pub const COURSE: usize = 100;
    /// SESSIONID: web session ids are opaque but short.
    pub const SID: usize = 256;
    /// `jti`: a random id.
    pub const JTI: usize = 128;
}

/// The claims an LMS puts in a launch token (HS256, signed with the tenant secret).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LaunchClaims {
    /// The tenant id.
    pub iss: String,
    /// `motp-launch`; a one-element array (as some JWT libraries write it) is accepted too.
    pub aud: Audience,
    /// USRID.
    pub sub: String,
    /// USER_NM: the trainee's real name as in the LMS member record.
    pub name: String,
    /// USER_TEL: the trainee's mobile number.
    pub tel: String,
    /// COURSE_AGENT_PK.
    pub course: String,
    /// CLASS_AGENT_PK.
    pub class: String,
    pub eval_cd: String,
    pub class_tme: String,
    /// The LMS web session id (SESSIONID).
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// The `aud` claim, which JWT libraries write as a string or an array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

impl From<&str> for Audience {
    fn from(s: &str) -> Self {
        Audience::One(s.to_string())
    }
}

/// Signs `claims` with `secret` (HS256), as an LMS signs launch tokens and attestations (tests,
/// `motp-server token`, the demo LMS).
pub fn mint<C: Serialize>(claims: &C, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 encoding cannot fail")
}

/// The one way a JWT is checked here: `algorithm` only, under `key`, for `audience`, from `issuer`,
/// with the `required` claims present. Expiry is left to the caller and its clock.
fn decode<T: DeserializeOwned>(
    jwt: &str,
    key: &DecodingKey,
    algorithm: Algorithm,
    audience: &str,
    issuer: &str,
    required: &[&str],
) -> std::result::Result<T, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer]);
    validation.validate_exp = false;
    validation.set_required_spec_claims(required);
    jsonwebtoken::decode::<T>(jwt, key, &validation).map(|data| data.claims)
}

/// [`decode`] for the HS256 tokens an LMS signs with its tenant secret.
fn decode_hs256<T: DeserializeOwned>(
    jwt: &str,
    secret: &str,
    audience: &str,
    issuer: &str,
    required: &[&str],
) -> std::result::Result<T, jsonwebtoken::errors::Error> {
    let key = DecodingKey::from_secret(secret.as_bytes());
    decode(jwt, &key, Algorithm::HS256, audience, issuer, required)
}

/// The `iss` of an HS256 JWT, read *without* checking its signature: only to choose whose key then
/// verifies it. `None` when it is not a JWT (an absent `iss` reads as "").
pub fn peek_issuer(jwt: &str) -> Option<String> {
    use base64::Engine;
    if jwt.len() > MAX_TOKEN_BYTES {
        return None;
    }
    // What jsonwebtoken's decode with the signature unchecked read (it did this, at about 5 % of
    // the gateway's CPU under load, perf): a header it accepts, before the last two dots, and a
    // payload that is a JSON object; here without its Validation, keys and second parse.
    jsonwebtoken::decode_header(jwt).ok()?;
    let (message, _signature) = jwt.rsplit_once('.')?;
    let (_header, payload) = message.rsplit_once('.')?;
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&payload).ok()?;
    Some(
        claims
            .get("iss")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string(),
    )
}

/// Verifies a launch token's signature, audience, lifetime and tenant, then the claims' content.
pub fn verify(token: &str, tenants: &Tenants, now: i64) -> Result<Trainee> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Error::InvalidToken("longer than 4 KB"));
    }
    // The tenant (and so the key) is named by `iss`; read it unverified, then verify with that key.
    let tenant_id = peek_issuer(token).ok_or(Error::InvalidToken("not a JWT"))?;
    let tenant = tenants
        .get(&tenant_id)
        .ok_or(Error::InvalidToken("unknown tenant (iss)"))?;
    let claims: LaunchClaims = decode_hs256(
        token,
        &tenant.secret,
        LAUNCH_AUDIENCE,
        &tenant.id,
        &["exp", "iat", "aud", "iss", "sub"],
    )
    .map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => Error::InvalidToken("bad signature"),
        ErrorKind::InvalidAudience => Error::InvalidToken("wrong audience"),
        ErrorKind::InvalidAlgorithm => Error::InvalidToken("HS256 only"),
        _ => Error::InvalidToken("malformed claims"),
    })?;

    check_lifetime(claims.iat, claims.exp, now)?;
    trainee_from(claims, tenant.clone())
}

/// A launch token's `iat`/`exp` against `now`, in checked arithmetic: both are the signer's
/// numbers, and `exp - iat` of a token claiming `iat = -1000, exp = i64::MAX` must not wrap into
/// a small lifetime (a token that never expires).
fn check_lifetime(iat: i64, exp: i64, now: i64) -> Result<()> {
    if exp.saturating_add(LEEWAY_SECS) < now {
        return Err(Error::TokenExpired);
    }
    if iat > now.saturating_add(LEEWAY_SECS) {
        return Err(Error::InvalidToken("issued in the future"));
    }
    if exp > now.saturating_add(MAX_LIFETIME_SECS + LEEWAY_SECS) {
        return Err(Error::InvalidToken("exp is more than 15 minutes ahead"));
    }
    match exp.checked_sub(iat) {
        Some(lifetime) if (0..=MAX_LIFETIME_SECS).contains(&lifetime) => Ok(()),
        Some(lifetime) if lifetime < 0 => Err(Error::InvalidToken("exp is before iat")),
        _ => Err(Error::InvalidToken("lifetime over 15 minutes")),
    }
}

/// `value` when it is at most `max` characters and holds nothing invisible (see
/// [`trainee::is_invisible`]): these claims are forwarded to HRD as they are.
fn bounded<'a>(value: &'a str, max: usize, why: &'static str) -> Result<&'a str> {
    if value.chars().count() > max || value.chars().any(trainee::is_invisible) {
        return Err(Error::InvalidToken(why));
    }
    Ok(value)
}

fn trainee_from(c: LaunchClaims, tenant: Tenant) -> Result<Trainee> {
    use claim_limits as max;
    let usrid = c.sub.trim();
    if usrid.len() > max::SUB {
        return Err(Error::InvalidToken(
            "sub (USRID) is longer than 64 characters",
        ));
    }
    if !trainee::is_usrid(usrid) {
        return Err(Error::InvalidToken(
            "sub (USRID) must be letters and digits",
        ));
    }
    let name = input::normalize_name(&c.name);
    if name.chars().count() > max::NAME {
        return Err(Error::InvalidToken("name is longer than 50 characters"));
    }
    if name.chars().any(trainee::is_invisible) {
        return Err(Error::InvalidToken(
            "name holds control, zero-width or bidi characters",
        ));
    }
    if !name.chars().any(char::is_alphabetic) {
        return Err(Error::InvalidToken("name has no letters"));
    }
    if c.tel.chars().count() > max::TEL {
        return Err(Error::InvalidToken("tel is not a mobile number"));
    }
    let tel =
        input::normalize_tel(&c.tel).ok_or(Error::InvalidToken("tel is not a mobile number"))?;
    let course = bounded(
        c.course.trim(),
        max::COURSE,
        "course is over 100 characters or holds control characters",
    )?;
    let class = bounded(
        c.class.trim(),
        max::COURSE,
        "class is over 100 characters or holds control characters",
    )?;
    bounded(
        &c.sid,
        max::SID,
        "sid is over 256 characters or holds control characters",
    )?;
    bounded(
        &c.jti,
        max::JTI,
        "jti is over 128 characters or holds control characters",
    )?;
    let eval =
        EvalCd::parse(&c.eval_cd).ok_or(Error::InvalidToken("eval_cd is not in HRD's table"))?;
    let class_tme = eval
        .class_tme(&c.class_tme)
        .ok_or(Error::InvalidToken("class_tme does not fit eval_cd"))?;
    if c.jti.trim().is_empty() {
        return Err(Error::InvalidToken("jti is empty"));
    }
    Ok(Trainee {
        tenant,
        usrid: usrid.to_string(),
        name,
        tel,
        course: course.to_string(),
        class: class.to_string(),
        eval,
        class_tme,
        session_id: c.sid,
        token_id: c.jti,
    })
}

/// The `iss` of every receipt; the `aud` is the tenant id.
pub const RECEIPT_ISSUER: &str = "motp-server";
/// The `typ` of every receipt's header: a receipt says what it is, even to a library that checks
/// nothing else.
pub const RECEIPT_TYPE: &str = "motp-receipt+jwt";
/// How long an LMS has to redeem a receipt.
pub const RECEIPT_LIFETIME_SECS: i64 = 10 * 60;

/// What a receipt says: who passed, what it unlocks, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReceiptClaims {
    pub iss: String,
    /// The tenant id.
    pub aud: String,
    /// USRID.
    pub sub: String,
    pub eval_cd: String,
    pub class_tme: String,
    pub course: String,
    pub class: String,
    /// The LMS session the launch token named.
    pub sid: String,
    /// `motp` (HRD accepted the code) or `phone` (substitute identity check).
    pub method: String,
    /// HRD's answer as received (`200`).
    pub hrd_code: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

/// A receipt for `trainee`, passed by `method` on HRD's `hrd_code`, signed with `key`: its claims
/// and the signed token.
pub fn issue_receipt(
    trainee: &Trainee,
    method: &str,
    hrd_code: &str,
    now: i64,
    key: &ReceiptKey,
) -> (ReceiptClaims, String) {
    let claims = ReceiptClaims {
        iss: RECEIPT_ISSUER.into(),
        aud: trainee.tenant.id.clone(),
        sub: trainee.usrid.clone(),
        eval_cd: trainee.eval.code().into(),
        class_tme: trainee.class_tme.clone(),
        course: trainee.course.clone(),
        class: trainee.class.clone(),
        sid: trainee.session_id.clone(),
        method: method.into(),
        hrd_code: hrd_code.into(),
        iat: now,
        exp: now + RECEIPT_LIFETIME_SECS,
        jti: random_id(),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid.clone());
    header.typ = Some(RECEIPT_TYPE.into());
    let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&key.pkcs8))
        .expect("a stored Ed25519 key signs");
    (claims, token)
}

/// Checks a receipt's header (`EdDSA`, its `typ`, a `kid` among `keys`), signature, issuer,
/// audience and expiry for `tenant`.
pub fn verify_receipt(
    token: &str,
    tenant: &Tenant,
    now: i64,
    keys: &[ReceiptKey],
) -> Result<ReceiptClaims> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Error::InvalidReceipt);
    }
    let header = jsonwebtoken::decode_header(token).map_err(|_| Error::InvalidReceipt)?;
    if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(RECEIPT_TYPE) {
        return Err(Error::InvalidReceipt);
    }
    let key = keys
        .iter()
        .find(|k| header.kid.as_deref() == Some(k.kid.as_str()))
        .ok_or(Error::InvalidReceipt)?;
    let public = DecodingKey::from_ed_components(&key.x)
        .map_err(|_| Error::Internal(format!("receipt key {}: bad public key", key.kid)))?;
    let claims: ReceiptClaims = decode(
        token,
        &public,
        Algorithm::EdDSA,
        &tenant.id,
        RECEIPT_ISSUER,
        &["exp", "aud", "iss"],
    )
    .map_err(|_| Error::InvalidReceipt)?;
    if claims.exp < now {
        return Err(Error::ReceiptExpired);
    }
    Ok(claims)
}

/// The `aud` of an LMS's attestation JWT.
pub const ATTESTATION_AUDIENCE: &str = "motp-attestation";

/// What an LMS server signs (HS256, tenant secret) after its NICE/KCB/PASS check; `iss` is the
/// tenant id and `aud` is [`ATTESTATION_AUDIENCE`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AttestationClaims {
    /// The identity check's id (the wire's `state`).
    #[serde(rename = "state")]
    pub check_id: String,
    /// USRID: the trainee the check was for, as the LMS knows them.
    pub sub: String,
    /// `T` when the provider confirmed the person, `F` otherwise.
    pub result: String,
    /// The provider's own result code and transaction id.
    pub result_code: String,
    pub trnid: String,
    /// When the check happened, `YYYY-MM-DD HH:MM:SS` KST.
    pub trndt: String,
    pub name: String,
    pub tel: String,
    pub iat: i64,
    pub jti: String,
}

/// Checks an attestation's signature, audience and issuer for `tenant` (its freshness and content
/// are the identity check's to judge).
pub fn verify_attestation(jwt: &str, tenant: &Tenant) -> Option<AttestationClaims> {
    if jwt.len() > MAX_TOKEN_BYTES {
        return None;
    }
    decode_hs256(
        jwt,
        &tenant.secret,
        ATTESTATION_AUDIENCE,
        &tenant.id,
        &["iat", "aud", "iss", "sub"],
    )
    .ok()
}

/// Whether `s` has the form of [`random_id`]: 32 lower-case hex digits. Ids from a request are
/// checked with it before they reach SQL.
pub fn is_random_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A random identifier for tokens, receipts and checks (128 bits, hex).
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS provides randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::SANDBOX_DEMO_SECRET;

    const NOW: i64 = 1_795_773_600;

    fn tenants() -> Tenants {
        Tenants::sandbox_demo("127.0.0.1:8080".parse().unwrap())
    }

    fn claims() -> LaunchClaims {
        LaunchClaims {
            iss: "demo".into(),
            aud: LAUNCH_AUDIENCE.into(),
            sub: "trainee01".into(),
            name: " 홍길동 ".into(),
            tel: "010-1234-5678".into(),
            course: "C1".into(),
            class: "C1,3".into(),
            eval_cd: "01".into(),
            class_tme: "3".into(),
            sid: "S".into(),
            iat: NOW,
            exp: NOW + 600,
            jti: "j1".into(),
        }
    }

    #[test]
    fn a_good_token_yields_a_normalised_trainee() {
        let t = verify(&mint(&claims(), SANDBOX_DEMO_SECRET), &tenants(), NOW + 10).unwrap();
        assert_eq!(t.usrid, "trainee01");
        assert_eq!(t.name, "홍길동");
        assert_eq!(t.tel, "01012345678");
        assert_eq!(t.class_tme, "03");
        assert_eq!(t.eval, EvalCd::Study);
    }

    #[test]
    fn audience_may_be_an_array() {
        let c = LaunchClaims {
            aud: Audience::Many(vec![LAUNCH_AUDIENCE.into()]),
            ..claims()
        };
        assert!(verify(&mint(&c, SANDBOX_DEMO_SECRET), &tenants(), NOW).is_ok());
    }

    #[test]
    fn bad_tokens_are_refused_with_their_reason() {
        let tenants = tenants();
        let expired = verify(&mint(&claims(), SANDBOX_DEMO_SECRET), &tenants, NOW + 700);
        assert!(matches!(expired, Err(Error::TokenExpired)));
        let forged = verify(
            &mint(&claims(), "another-secret-of-sufficient-length!!"),
            &tenants,
            NOW,
        );
        assert!(matches!(forged, Err(Error::InvalidToken("bad signature"))));
        let other_tenant = verify(
            &mint(
                &LaunchClaims {
                    iss: "kosa".into(),
                    ..claims()
                },
                SANDBOX_DEMO_SECRET,
            ),
            &tenants,
            NOW,
        );
        assert!(matches!(other_tenant, Err(Error::InvalidToken(_))));
        let aud = verify(
            &mint(
                &LaunchClaims {
                    aud: "x".into(),
                    ..claims()
                },
                SANDBOX_DEMO_SECRET,
            ),
            &tenants,
            NOW,
        );
        assert!(matches!(aud, Err(Error::InvalidToken("wrong audience"))));
        let long = verify(
            &mint(
                &LaunchClaims {
                    exp: NOW + 3600,
                    ..claims()
                },
                SANDBOX_DEMO_SECRET,
            ),
            &tenants,
            NOW,
        );
        assert!(matches!(long, Err(Error::InvalidToken(_))));
        let tel = verify(
            &mint(
                &LaunchClaims {
                    tel: "02-123-4567".into(),
                    ..claims()
                },
                SANDBOX_DEMO_SECRET,
            ),
            &tenants,
            NOW,
        );
        assert!(matches!(tel, Err(Error::InvalidToken(_))));
        let mut tampered = mint(&claims(), SANDBOX_DEMO_SECRET);
        tampered.insert(tampered.len() - 3, 'A');
        assert!(verify(&tampered, &tenants, NOW).is_err());
        assert!(verify("not.a.jwt", &tenants, NOW).is_err());
    }

    fn refused(c: LaunchClaims) -> Error {
        verify(&mint(&c, SANDBOX_DEMO_SECRET), &tenants(), NOW).expect_err("refused")
    }

    #[test]
    fn a_lifetime_is_checked_without_overflow() {
        // `exp - iat` of these wraps in i64: a token that never expires, or a panic.
        for (iat, exp) in [
            (-1000, i64::MAX),
            (i64::MIN, NOW + 60),
            (i64::MIN, i64::MAX),
            (NOW, i64::MAX - 10),
            (NOW - 10, NOW + MAX_LIFETIME_SECS + LEEWAY_SECS + 1),
        ] {
            let e = refused(LaunchClaims {
                iat,
                exp,
                ..claims()
            });
            assert!(matches!(e, Error::InvalidToken(_)), "{iat} {exp}: {e}");
        }
        let e = refused(LaunchClaims {
            iat: NOW,
            exp: NOW - 10,
            ..claims()
        });
        assert!(matches!(e, Error::InvalidToken("exp is before iat")), "{e}");
        let e = refused(LaunchClaims {
            iat: 0,
            exp: 1,
            ..claims()
        });
        assert!(matches!(e, Error::TokenExpired), "{e}");
        // The longest lifetime allowed still passes.
        let full = LaunchClaims {
            iat: NOW,
            exp: NOW + MAX_LIFETIME_SECS,
            ..claims()
        };
        assert!(verify(&mint(&full, SANDBOX_DEMO_SECRET), &tenants(), NOW).is_ok());
    }

    #[test]
    fn claims_are_bounded_and_names_visible() {
        let long = |n: usize| "A".repeat(n);
        for c in [
            LaunchClaims {
                sub: long(65),
                ..claims()
            },
            LaunchClaims {
                name: "홍".repeat(51),
                ..claims()
            },
            LaunchClaims {
                course: long(101),
                ..claims()
            },
            LaunchClaims {
                class: long(101),
                ..claims()
            },
            LaunchClaims {
                sid: long(257),
                ..claims()
            },
            LaunchClaims {
                jti: long(129),
                ..claims()
            },
            LaunchClaims {
                tel: format!("010{}", "-".repeat(30)) + "12345678",
                ..claims()
            },
            LaunchClaims {
                name: "\u{200B}\u{200B}".into(),
                ..claims()
            },
            LaunchClaims {
                name: "홍\u{200D}길동".into(),
                ..claims()
            },
            LaunchClaims {
                name: "\u{202E}동길홍".into(),
                ..claims()
            },
            LaunchClaims {
                name: "\u{3164}\u{3164}".into(),
                ..claims()
            },
            LaunchClaims {
                name: "홍길동\u{0007}".into(),
                ..claims()
            },
            LaunchClaims {
                name: "...".into(),
                ..claims()
            },
            LaunchClaims {
                course: "C1\r\nX".into(),
                ..claims()
            },
            LaunchClaims {
                sid: "S\u{0000}".into(),
                ..claims()
            },
        ] {
            assert!(
                matches!(refused(c.clone()), Error::InvalidToken(_)),
                "{c:?}"
            );
        }
        // At the bounds, and foreign names with their punctuation, pass.
        for c in [
            LaunchClaims {
                sub: long(64),
                ..claims()
            },
            LaunchClaims {
                name: "홍".repeat(50),
                ..claims()
            },
            LaunchClaims {
                name: "Nguyễn Thị O'Brien-Smith".into(),
                ..claims()
            },
            LaunchClaims {
                course: long(100),
                class: long(100),
                sid: long(256),
                ..claims()
            },
        ] {
            assert!(
                verify(&mint(&c, SANDBOX_DEMO_SECRET), &tenants(), NOW).is_ok(),
                "{c:?}"
            );
        }
    }

    /// The issuer as jsonwebtoken's decode, signature unchecked, read it (what `peek_issuer` was).
    fn peek_issuer_as_jsonwebtoken_did(jwt: &str) -> Option<String> {
        let mut peek = Validation::new(Algorithm::HS256);
        peek.insecure_disable_signature_validation();
        peek.validate_exp = false;
        peek.validate_aud = false;
        peek.required_spec_claims.clear();
        let unverified =
            jsonwebtoken::decode::<serde_json::Value>(jwt, &DecodingKey::from_secret(&[]), &peek)
                .ok()?;
        Some(
            unverified
                .claims
                .get("iss")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        )
    }

    #[test]
    fn the_issuer_is_peeked_as_jsonwebtoken_read_it() {
        use base64::Engine;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
        let token = |payload: &str| format!("{header}.{}.c2ln", b64(payload));
        let good = mint(&claims(), SANDBOX_DEMO_SECRET);
        let cases = [
            good.clone(),
            token(r#"{"iss":"demo"}"#),
            token(r#"{"iss":7}"#),
            token(r#"{"sub":"x"}"#),
            token(r#"{}"#),
            token(r#""demo""#),
            token("12"),
            token("not json"),
            format!(
                "{}.{}.c2ln",
                b64(r#"{"alg":"none"}"#),
                b64(r#"{"iss":"demo"}"#)
            ),
            format!("{}.{}.c2ln", b64("{}"), b64(r#"{"iss":"demo"}"#)),
            format!("x.{header}.{}.c2ln", b64(r#"{"iss":"demo"}"#)),
            format!("{header}.{}", b64(r#"{"iss":"demo"}"#)),
            format!("{header}.!!.c2ln"),
            "".into(),
            "a.b".into(),
            good.replacen('.', "", 1),
        ];
        for t in &cases {
            assert_eq!(peek_issuer(t), peek_issuer_as_jsonwebtoken_did(t), "{t}");
        }
        assert_eq!(peek_issuer(&good).as_deref(), Some(claims().iss.as_str()));
    }

    #[test]
    fn a_token_over_4_kb_is_refused_before_it_is_read() {
        let big = mint(
            &LaunchClaims {
                course: long_course(),
                ..claims()
            },
            SANDBOX_DEMO_SECRET,
        );
        assert!(big.len() > MAX_TOKEN_BYTES);
        assert!(matches!(
            verify(&big, &tenants(), NOW),
            Err(Error::InvalidToken("longer than 4 KB"))
        ));
        assert_eq!(peek_issuer(&big), None, "not even its iss is read");
    }

    fn long_course() -> String {
        "C".repeat(60 * 1024)
    }
}
