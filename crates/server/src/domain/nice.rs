//! NICE 본인확인 (통합형) as the gateway runs it for a tenant with its own NICE contract
//! (`identity_provider = "nice"`): the check's popup (or window) is a page of this server that
//! sends the trainee's browser on to NICE's standard window with a sealed request
//! ([`open_window`]); NICE sends the sealed result back to this server's return URL
//! ([`receive`]), where it is opened, checked and recorded — the browser carries only sealed
//! data and the check's id, and decides nothing.

use super::error::{Error, Result};
use super::identity::record_result;
use super::jwt::random_id;
use super::Gateway;
use crate::model::{
    IdentityCheck, NiceCryptoToken, NiceRequest, ProviderKind, ProviderRecord, CHECK_LIFETIME_SECS,
};
use crate::tenant::Tenant;
use motp_protocol::api::IdentityStatus;
use motp_protocol::input::normalize_tel;
use motp_protocol::kst;
use nice_identity::{codes, OpenError, Outcome, Request};

/// A crypto token is used for new requests only while it lasts this much longer: a trainee takes
/// a few minutes in NICE's window, and the result must still open after that.
const TOKEN_MARGIN_SECS: i64 = CHECK_LIFETIME_SECS + 60;

/// The form that takes the trainee's browser to NICE's standard window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardWindow {
    pub action: String,
    pub token_version_id: String,
    pub enc_data: String,
    pub integrity_value: String,
}

/// Why a check's page cannot go on to NICE.
#[derive(Debug, Clone)]
pub enum WindowRefusal {
    /// No NICE check has that id.
    Unknown,
    /// Decided, used or expired: the page says so, and the widget already knows.
    Done(Box<IdentityCheck>, IdentityStatus),
}

/// Seals a request for pending check `check_id` (a crypto token kept by any instance, or a new
/// one) and says where to post it. `return_url` is this server's own return address; `in_popup`
/// whether the page runs in a popup (NICE then shows its close button).
pub async fn open_window(
    gw: &Gateway,
    check_id: &str,
    return_url: &str,
    in_popup: bool,
) -> Result<std::result::Result<StandardWindow, WindowRefusal>> {
    let check_id = super::identity::check_id(check_id)?;
    let now = gw.now();
    let Some(check) = gw
        .store
        .identity_check(check_id)
        .await?
        .filter(|c| c.provider == ProviderKind::Nice)
    else {
        return Ok(Err(WindowRefusal::Unknown));
    };
    let status = check.visible_status(now);
    if status != IdentityStatus::Pending {
        return Ok(Err(WindowRefusal::Done(Box::new(check), status)));
    }
    let tenant = gw
        .tenants
        .get(&check.tenant)
        .filter(|t| t.identity_provider == ProviderKind::Nice)
        .ok_or_else(|| Error::Invalid("this tenant does not use NICE".into()))?;
    let token = crypto_token(gw, tenant, now).await?;
    // NICE's requestno is at most 30 characters; 120 random bits, looked up, never parsed.
    let requestno = random_id()[..30].to_string();
    gw.store
        .add_nice_request(&NiceRequest {
            requestno: requestno.clone(),
            check_id: check.check_id.clone(),
            token_version_id: token.token_version_id.clone(),
            created_at: now,
        })
        .await?;
    let request = Request {
        requestno,
        returnurl: return_url.to_string(),
        sitecode: token.site_code.clone(),
        // 휴대폰 본인인증: what HRD's user_reset stands for.
        authtype: Some("M".into()),
        methodtype: Some("post".into()),
        popupyn: Some(if in_popup { "Y" } else { "N" }.into()),
        receivedata: None,
    };
    let sealed = token.keys().seal(request.to_json().as_bytes());
    Ok(Ok(StandardWindow {
        action: tenant.nice.nice_window_url.clone(),
        token_version_id: token.token_version_id,
        enc_data: sealed.enc_data,
        integrity_value: sealed.integrity_value,
    }))
}

/// A crypto token of the tenant's that lasts long enough, from the store or new from NICE.
async fn crypto_token(gw: &Gateway, tenant: &Tenant, now: i64) -> Result<NiceCryptoToken> {
    if let Some(token) = gw
        .store
        .nice_token_for(&tenant.id, now + TOKEN_MARGIN_SECS)
        .await?
    {
        return Ok(token);
    }
    let req_dtim = kst::format_compact(now);
    let req_no = format!("M{}", &random_id()[..29]);
    let issued = gw
        .nice
        .crypto_token(&tenant.nice, &req_dtim, &req_no, now)
        .await
        .map_err(|e| {
            tracing::error!(tenant = %tenant.id, error = %e, "NICE crypto token");
            Error::ProviderUnavailable
        })?;
    let token = NiceCryptoToken {
        token_version_id: issued.token_version_id,
        tenant: tenant.id.clone(),
        req_dtim: issued.req_dtim,
        req_no: issued.req_no,
        token_val: issued.token_val,
        site_code: issued.site_code,
        expires_at: now + issued.period,
    };
    gw.store.add_nice_token(&token, now).await?;
    Ok(token)
}

/// What NICE's return brought: the check and where it stands now.
#[derive(Debug, Clone)]
pub struct Received {
    pub check: IdentityCheck,
    pub status: IdentityStatus,
    /// NICE's `resultcode` and what it means, for the page.
    pub result_code: String,
    pub meaning: &'static str,
}

/// The result NICE delivered to the return URL (by GET or POST): opened only if its integrity
/// value is right (checked before decryption, in constant time), then judged. Refused, changing
/// nothing: an unknown or expired crypto token, a tampered or malformed result, an unknown
/// request, another site's result, a check that is not pending (a replay).
pub async fn receive(
    gw: &Gateway,
    token_version_id: &str,
    enc_data: &str,
    integrity_value: &str,
) -> Result<Received> {
    let refused = |why: &str| Error::Invalid(format!("NICE result refused: {why}"));
    // NICE's ids are 43 characters of letters, digits and dashes; nothing else reaches SQL.
    let token_version_id = token_version_id.trim();
    if token_version_id.is_empty()
        || token_version_id.len() > 64
        || !token_version_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(refused("token_version_id is not one"));
    }
    let now = gw.now();
    let token = gw
        .store
        .nice_token(token_version_id)
        .await?
        .ok_or_else(|| refused("unknown token_version_id"))?;
    let opened = token
        .keys()
        .open(enc_data, integrity_value)
        .map_err(|e| match e {
            OpenError::Integrity => refused("integrity value does not match"),
            OpenError::Malformed => refused("enc_data does not decrypt"),
        })?;
    let outcome = Outcome::from_wire(&opened).map_err(|_| refused("not a result"))?;
    let request = gw
        .store
        .nice_request(&outcome.requestno)
        .await?
        .filter(|r| r.token_version_id == token.token_version_id)
        .ok_or_else(|| refused("unknown requestno"))?;
    if outcome.sitecode != token.site_code {
        return Err(refused("another site's result"));
    }
    let check = gw
        .store
        .identity_check(&request.check_id)
        .await?
        .filter(|c| c.provider == ProviderKind::Nice && c.tenant == token.tenant)
        .ok_or_else(|| refused("unknown check"))?;
    let meaning = codes::result_message(&outcome.resultcode);
    let record = provider_record(&outcome).ok_or_else(|| {
        refused("a success without responseno and enctime: nothing HRD could be told")
    })?;
    match check.visible_status(now) {
        IdentityStatus::Pending => {
            if !record_result(gw, &check, &record, now).await? {
                return Err(refused("this check already has a result"));
            }
        }
        // Too late: nothing is recorded, and the page says so.
        IdentityStatus::Expired => {}
        _ => return Err(refused("this check already has a result")),
    }
    tracing::info!(tenant = %check.tenant, usrid = %check.usrid, resultcode = %outcome.resultcode, "NICE result");
    let check = gw
        .store
        .identity_check(&check.check_id)
        .await?
        .ok_or_else(|| refused("unknown check"))?;
    Ok(Received {
        status: check.visible_status(now),
        check,
        result_code: outcome.resultcode,
        meaning,
    })
}

/// What HRD's `user_reset` will be told: NICE's `resultcode` as M_RETCD, `responseno` as M_TRNID,
/// `enctime` as M_TRNDT. A success must carry both; a failure is recorded with what it has.
fn provider_record(outcome: &Outcome) -> Option<ProviderRecord> {
    let success = outcome.resultcode == "0000";
    let trnid = outcome.responseno.clone().unwrap_or_default();
    let trndt = outcome.enctime_for_hrd().unwrap_or_default();
    if success && (trnid.trim().is_empty() || trndt.is_empty()) {
        return None;
    }
    Some(ProviderRecord {
        success,
        result_code: outcome.resultcode.clone(),
        trnid,
        trndt,
        name: outcome.name.trim().to_string(),
        tel: normalize_tel(&outcome.mobileno).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(resultcode: &str) -> Outcome {
        Outcome {
            resultcode: resultcode.into(),
            requestno: "r".into(),
            enctime: "20261129190005".into(),
            responseno: Some("MC2026112919000512345678".into()),
            name: " 홍길동 ".into(),
            mobileno: "010-1234-5678".into(),
            ..Outcome::default()
        }
    }

    #[test]
    fn hrd_gets_nices_own_record() {
        let r = provider_record(&outcome("0000")).unwrap();
        assert!(r.success);
        assert_eq!(r.result_code, "0000");
        assert_eq!(r.trnid, "MC2026112919000512345678");
        assert_eq!(r.trndt, "2026-11-29 19:00:05");
        assert_eq!((r.name.as_str(), r.tel.as_str()), ("홍길동", "01012345678"));
    }

    #[test]
    fn a_success_without_nices_ids_is_not_a_success() {
        let mut o = outcome("0000");
        o.responseno = None;
        assert_eq!(provider_record(&o), None);
        let mut o = outcome("0000");
        o.enctime = "soon".into();
        assert_eq!(provider_record(&o), None);
        // A failure is recorded as one, whatever it carries.
        let mut o = outcome("0001");
        o.responseno = None;
        assert!(!provider_record(&o).unwrap().success);
    }
}
