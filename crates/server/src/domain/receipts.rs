//! An LMS server redeeming a receipt: checked against what the LMS expects (this trainee, this
//! step, this session), used up once, and recorded.

use super::error::{Error, Result};
use super::jwt::{verify_receipt, ReceiptClaims};
use super::receipt_keys;
use super::Gateway;
use crate::model::{AuditEvent, AuditLine};
use crate::store::Redemption;
use crate::tenant::Tenant;
use motp_protocol::EvalCd;
use serde::Deserialize;

/// What the LMS expects the receipt to prove: who passed, what it unlocks, in which session.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct Expectation {
    /// USRID.
    pub sub: String,
    pub eval_cd: String,
    /// As the LMS writes it (`3`); compared as HRD's form of it (`03`).
    pub class_tme: String,
    /// The LMS session the launch token named.
    pub sid: String,
}

impl Expectation {
    /// Whether `claims` are what the LMS expects, so a chapter-1 receipt never opens an exam and one
    /// trainee's receipt never counts for another.
    pub fn is_met_by(&self, claims: &ReceiptClaims) -> bool {
        let class_tme = EvalCd::parse(self.eval_cd.trim())
            .and_then(|eval| eval.class_tme(self.class_tme.trim()));
        self.sub.trim() == claims.sub
            && self.eval_cd.trim() == claims.eval_cd
            && class_tme.as_deref() == Some(claims.class_tme.as_str())
            && self.sid == claims.sid
    }
}

/// `POST /v1/receipts/redeem`: the receipt's claims, if it is `tenant`'s, ours, valid, what the LMS
/// expects and not used yet. A mismatch leaves it unspent.
pub async fn redeem(
    gw: &Gateway,
    tenant: &Tenant,
    receipt: &str,
    expect: &Expectation,
) -> Result<ReceiptClaims> {
    let now = gw.now();
    let keys = receipt_keys::published(gw).await?;
    let claims = verify_receipt(receipt.trim(), tenant, now, &keys)?;
    if !expect.is_met_by(&claims) {
        return Err(Error::ReceiptMismatch);
    }
    let mut tx = gw.store.begin().await?;
    match tx.redeem_receipt(&claims.jti, &tenant.id, now).await? {
        Redemption::Redeemed => {}
        Redemption::AlreadyRedeemed => return Err(Error::ReceiptAlreadyRedeemed),
        // Signed by our key yet never recorded: not a receipt this server issued.
        Redemption::Unknown => return Err(Error::InvalidReceipt),
    }
    let line = AuditLine {
        hrd_code: Some(&claims.hrd_code),
        eval_cd: Some(&claims.eval_cd),
        class_tme: Some(&claims.class_tme),
        detail: Some(&claims.method),
        ..AuditLine::new(&tenant.id, &claims.sub, AuditEvent::ReceiptRedeemed)
    };
    tx.audit(now, line).await?;
    tx.commit().await?;
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> ReceiptClaims {
        ReceiptClaims {
            iss: "motp-server".into(),
            aud: "kosa".into(),
            sub: "trainee01".into(),
            eval_cd: "01".into(),
            class_tme: "03".into(),
            course: "C".into(),
            class: "C,3".into(),
            sid: "S1".into(),
            method: "motp".into(),
            hrd_code: "200".into(),
            iat: 0,
            exp: 600,
            jti: "j".into(),
        }
    }

    fn expect(sub: &str, eval_cd: &str, class_tme: &str, sid: &str) -> Expectation {
        Expectation {
            sub: sub.into(),
            eval_cd: eval_cd.into(),
            class_tme: class_tme.into(),
            sid: sid.into(),
        }
    }

    #[test]
    fn a_receipt_proves_only_what_the_lms_expects() {
        assert!(expect("trainee01", "01", "3", "S1").is_met_by(&claims()));
        assert!(expect("trainee01", "01", "03", "S1").is_met_by(&claims()));
        assert!(
            !expect("trainee02", "01", "3", "S1").is_met_by(&claims()),
            "another trainee"
        );
        assert!(
            !expect("trainee01", "02", "3", "S1").is_met_by(&claims()),
            "an exam"
        );
        assert!(
            !expect("trainee01", "01", "4", "S1").is_met_by(&claims()),
            "chapter 4"
        );
        assert!(
            !expect("trainee01", "01", "3", "S2").is_met_by(&claims()),
            "another session"
        );
        assert!(!expect("trainee01", "01", "x", "S1").is_met_by(&claims()));
    }
}
