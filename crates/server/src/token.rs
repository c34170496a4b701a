//! Launch tokens: the LMS server's signed statement of who the trainee is and what is being unlocked.
//! Identity (USRID, name, mobile) comes from here and nowhere else.

use crate::error::AppError;
use crate::tenant::{Tenant, Tenants};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use motp_protocol::{input, EvalCd};
use serde::{Deserialize, Serialize};

/// The `aud` every launch token must carry.
pub const LAUNCH_AUDIENCE: &str = "motp-launch";
/// Launch tokens live at most this long (`exp - iat`).
pub const MAX_LIFETIME_SECS: i64 = 15 * 60;
/// Tolerated clock difference between the LMS and this server.
pub const LEEWAY_SECS: i64 = 30;

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
}

pub fn mint(claims: &LaunchClaims, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("HS256 encoding cannot fail")
}

/// The `iss` of an HS256 JWT, read *without* checking its signature: only to choose whose key then
/// verifies it. `None` when it is not a JWT (an absent `iss` reads as "").
pub fn peek_issuer(jwt: &str) -> Option<String> {
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

/// Verifies signature, audience, lifetime and tenant, then the claims' content.
pub fn verify(token: &str, tenants: &Tenants, now: i64) -> Result<Trainee, AppError> {
    // The tenant (and so the key) is named by `iss`; read it unverified, then verify with that key.
    let tenant_id = peek_issuer(token).ok_or(AppError::InvalidToken("not a JWT"))?;
    let tenant = tenants
        .get(&tenant_id)
        .ok_or(AppError::InvalidToken("unknown tenant (iss)"))?;

    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[LAUNCH_AUDIENCE]);
    validation.set_issuer(&[tenant.id.as_str()]);
    // Expiry is checked below against the injected clock, not the machine's.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
    let claims = jsonwebtoken::decode::<LaunchClaims>(
        token,
        &DecodingKey::from_secret(tenant.secret.as_bytes()),
        &validation,
    )
    .map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => {
            AppError::InvalidToken("bad signature")
        }
        jsonwebtoken::errors::ErrorKind::InvalidAudience => {
            AppError::InvalidToken("wrong audience")
        }
        jsonwebtoken::errors::ErrorKind::InvalidAlgorithm => AppError::InvalidToken("HS256 only"),
        _ => AppError::InvalidToken("malformed claims"),
    })?
    .claims;

    if claims.exp + LEEWAY_SECS < now {
        return Err(AppError::TokenExpired);
    }
    if claims.iat > now + LEEWAY_SECS {
        return Err(AppError::InvalidToken("issued in the future"));
    }
    if claims.exp - claims.iat > MAX_LIFETIME_SECS {
        return Err(AppError::InvalidToken("lifetime over 15 minutes"));
    }
    trainee_from(claims, tenant.clone())
}

fn trainee_from(c: LaunchClaims, tenant: Tenant) -> Result<Trainee, AppError> {
    let usrid = c.sub.trim();
    if usrid.is_empty()
        || !usrid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.@".contains(&b))
    {
        return Err(AppError::InvalidToken(
            "sub (USRID) must be letters and digits",
        ));
    }
    let name = input::normalize_name(&c.name);
    if name.is_empty() {
        return Err(AppError::InvalidToken("name is empty"));
    }
    let tel =
        input::normalize_tel(&c.tel).ok_or(AppError::InvalidToken("tel is not a mobile number"))?;
    let eval =
        EvalCd::parse(&c.eval_cd).ok_or(AppError::InvalidToken("eval_cd is not in HRD's table"))?;
    let class_tme = eval
        .class_tme(&c.class_tme)
        .ok_or(AppError::InvalidToken("class_tme does not fit eval_cd"))?;
    if c.jti.trim().is_empty() {
        return Err(AppError::InvalidToken("jti is empty"));
    }
    Ok(Trainee {
        tenant,
        usrid: usrid.to_string(),
        name,
        tel,
        course: c.course.trim().to_string(),
        class: c.class.trim().to_string(),
        eval,
        class_tme,
        session_id: c.sid,
        token_id: c.jti,
    })
}

/// A random identifier for tokens and receipts (128 bits, hex).
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
        assert!(matches!(expired, Err(AppError::TokenExpired)));
        let forged = verify(
            &mint(&claims(), "another-secret-of-sufficient-length!!"),
            &tenants,
            NOW,
        );
        assert!(matches!(
            forged,
            Err(AppError::InvalidToken("bad signature"))
        ));
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
        assert!(matches!(other_tenant, Err(AppError::InvalidToken(_))));
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
        assert!(matches!(aud, Err(AppError::InvalidToken("wrong audience"))));
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
        assert!(matches!(long, Err(AppError::InvalidToken(_))));
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
        assert!(matches!(tel, Err(AppError::InvalidToken(_))));
        let mut tampered = mint(&claims(), SANDBOX_DEMO_SECRET);
        tampered.insert(tampered.len() - 3, 'A');
        assert!(verify(&tampered, &tenants, NOW).is_err());
        assert!(verify("not.a.jwt", &tenants, NOW).is_err());
    }
}
