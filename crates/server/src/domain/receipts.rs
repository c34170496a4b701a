//! An LMS server redeeming a receipt: checked, used up once, and recorded.

use super::error::{Error, Result};
use super::jwt::{verify_receipt, ReceiptClaims};
use super::Gateway;
use crate::model::{AuditEvent, AuditLine};
use crate::tenant::Tenant;

/// `POST /v1/receipts/redeem`: the receipt's claims, if it is `tenant`'s, valid and not used yet.
pub async fn redeem(gw: &Gateway, tenant: &Tenant, receipt: &str) -> Result<ReceiptClaims> {
    let now = gw.now();
    let claims = verify_receipt(receipt.trim(), tenant, now)?;
    let mut tx = gw.store.begin().await?;
    if !tx.redeem_receipt(&claims.jti, &tenant.id, now).await? {
        return Err(Error::ReceiptAlreadyRedeemed);
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
