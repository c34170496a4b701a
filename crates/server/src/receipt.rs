//! Receipts: the server's signed, single-use proof that a trainee passed, which the LMS checks
//! offline with the tenant secret or by redeeming it here (`POST /v1/receipts/redeem`).

use crate::error::AppError;
use crate::tenant::Tenant;
use crate::token::{random_id, Trainee};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The `iss` of every receipt; the `aud` is the tenant id.
pub const RECEIPT_ISSUER: &str = "motp-server";
/// How long an LMS has to redeem a receipt.
pub const RECEIPT_LIFETIME_SECS: i64 = 10 * 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

pub fn issue(trainee: &Trainee, method: &str, hrd_code: &str, now: i64) -> (ReceiptClaims, String) {
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
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(trainee.tenant.secret.as_bytes()),
    )
    .expect("HS256 encoding cannot fail");
    (claims, token)
}

/// Checks a receipt's signature, issuer, audience and expiry for `tenant`.
pub fn verify(token: &str, tenant: &Tenant, now: i64) -> Result<ReceiptClaims, AppError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[tenant.id.as_str()]);
    validation.set_issuer(&[RECEIPT_ISSUER]);
    validation.validate_exp = false;
    let claims = jsonwebtoken::decode::<ReceiptClaims>(
        token,
        &DecodingKey::from_secret(tenant.secret.as_bytes()),
        &validation,
    )
    .map_err(|_| AppError::InvalidReceipt)?
    .claims;
    if claims.exp < now {
        return Err(AppError::ReceiptExpired);
    }
    Ok(claims)
}
