//! The phone identity check (휴대폰 본인인증) that lifts a lock or stands in for the code, behind
//! [`IdentityProvider`]: `sandbox` (a page of this server that plays the carrier check, sandbox mode
//! only), `nice` (NICE 본인확인 spoken by this server, [`super::nice`]) or `lms-attested` (the institution's own NICE/KCB/PASS page, whose server posts the signed
//! result back to us).
//!
//! The widget starts a check ([`start`]), opens the popup, and learns the result by the popup's
//! `postMessage` to its exact origin or by polling ([`status`]). A result is recorded once, with
//! its audit line, in one transaction ([`record_result`]).

use super::error::{Error, Result};
use super::jwt::{is_random_id, peek_issuer, random_id, verify_attestation};
use super::limits::{self, Door};
use super::substitute;
use super::trainee::Trainee;
use super::Gateway;
use crate::model::{
    AuditEvent, AuditLine, IdentityCheck, NewIdentityCheck, ProviderKind, ProviderRecord, Purpose,
    CHECK_LIFETIME_SECS,
};
use crate::store::StoreTx;
use crate::tenant::Tenant;
use motp_protocol::api::{IdentityStart, IdentityStatus};
use motp_protocol::input::{self, mask_tel};
use motp_protocol::kst;

/// Where the phone identity check happens for a tenant.
pub trait IdentityProvider: Send + Sync {
    /// The provider's name, as recorded with each check.
    fn name(&self) -> ProviderKind;
    /// The popup's address for check `check_id`: absolute, or a path on this server.
    fn popup_url(&self, check_id: &str) -> String;
}

/// Sandbox mode's stand-in for the carrier check, served by `http::sandbox::identity_page`.
pub struct SandboxProvider;

impl IdentityProvider for SandboxProvider {
    fn name(&self) -> ProviderKind {
        ProviderKind::Sandbox
    }
    fn popup_url(&self, check_id: &str) -> String {
        format!("/v1/identity/sandbox/{check_id}")
    }
}

/// NICE 본인확인 with the institution's contract, run by this server (`domain::nice`).
pub struct NiceProvider;

impl IdentityProvider for NiceProvider {
    fn name(&self) -> ProviderKind {
        ProviderKind::Nice
    }
    fn popup_url(&self, check_id: &str) -> String {
        format!("/v1/identity/nice/{check_id}")
    }
}

/// The LMS's own verification page; its server posts the result to `/v1/identity/attestations`.
pub struct LmsAttested<'a> {
    pub attest_url: &'a str,
}

impl IdentityProvider for LmsAttested<'_> {
    fn name(&self) -> ProviderKind {
        ProviderKind::LmsAttested
    }
    fn popup_url(&self, check_id: &str) -> String {
        let sep = if self.attest_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}state={check_id}", self.attest_url)
    }
}

/// The provider configured for `tenant`.
pub fn provider_of(tenant: &Tenant) -> Box<dyn IdentityProvider + '_> {
    match tenant.identity_provider {
        ProviderKind::Sandbox => Box::new(SandboxProvider),
        ProviderKind::Nice => Box::new(NiceProvider),
        ProviderKind::LmsAttested => Box::new(LmsAttested {
            attest_url: tenant.attest_url.as_deref().unwrap_or_default(),
        }),
    }
}

/// The longest `return_to` accepted (an LMS page's URL, query included).
const MAX_RETURN_TO: usize = 2048;

/// The LMS page a check returns to when it runs in the trainee's own window: an http(s) page of
/// `origin` (the page the widget runs in), without credentials, its fragment dropped (the check's
/// last page adds its own).
fn return_page(return_to: &str, origin: &str) -> Result<String> {
    let bad = |why: &str| Error::Invalid(format!("return_to: {why}"));
    if return_to.len() > MAX_RETURN_TO {
        return Err(bad("longer than 2048 characters"));
    }
    let mut url = url::Url::parse(return_to).map_err(|_| bad("not an absolute URL"))?;
    if !matches!(url.scheme(), "http" | "https")
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(bad("an http(s) page, without user or password"));
    }
    if url.origin().ascii_serialization() != origin {
        return Err(bad("a page of the origin the check starts from"));
    }
    url.set_fragment(None);
    Ok(url.into())
}

/// `POST /v1/identity/start[?purpose=substitute][&return_to=…]`: a new check for this trainee,
/// started from the LMS page at `origin` (the only page the popup will report to, and the only
/// origin `return_to` may name).
pub async fn start(
    gw: &Gateway,
    trainee: &Trainee,
    origin: Option<&str>,
    purpose: Option<&str>,
    return_to: Option<&str>,
) -> Result<IdentityStart> {
    let purpose = match purpose {
        None | Some("reset") => Purpose::Reset,
        Some("substitute") => {
            if !substitute::available(gw, trainee).await? {
                return Err(Error::SubstituteNotAvailable);
            }
            Purpose::Substitute
        }
        Some(other) => return Err(Error::Invalid(format!("unknown purpose {other:?}"))),
    };
    let origin = origin
        .filter(|o| trainee.tenant.allows_origin(o))
        .ok_or_else(|| {
            Error::Invalid("identity checks start from the LMS page (Origin header)".into())
        })?;
    let return_to = return_to.map(|r| return_page(r, origin)).transpose()?;
    let now = gw.now();
    limits::admit(gw, Door::IdentityStart(trainee), now).await?;
    limits::admit_pending_check(gw, trainee, now).await?;
    let provider = provider_of(&trainee.tenant);
    let check_id = random_id();
    let check = NewIdentityCheck {
        check_id: &check_id,
        tenant: &trainee.tenant.id,
        usrid: &trainee.usrid,
        provider: provider.name(),
        origin,
        purpose,
        return_to: return_to.as_deref(),
    };
    gw.store.create_identity_check(&check, now).await?;
    Ok(IdentityStart {
        popup_url: provider.popup_url(&check_id),
        state: check_id,
        expires_in_seconds: CHECK_LIFETIME_SECS as u64,
    })
}

/// `raw` as a check id (`state`), or why it cannot be one: checked before it reaches SQL (a NUL
/// there was a 500 on PostgreSQL).
pub fn check_id(raw: &str) -> Result<&str> {
    if !is_random_id(raw) {
        return Err(Error::Invalid(
            "state is not an identity check id (32 hex digits)".into(),
        ));
    }
    Ok(raw)
}

/// `GET /v1/identity/{state}`: where this trainee's check stands.
pub async fn status(gw: &Gateway, trainee: &Trainee, check_id: &str) -> Result<IdentityStatus> {
    let check_id = self::check_id(check_id)?;
    let check = gw
        .store
        .identity_check(check_id)
        .await?
        .filter(|c| c.tenant == trainee.tenant.id && c.usrid == trainee.usrid)
        .ok_or_else(|| Error::NotFound("no such identity check for this trainee".into()))?;
    Ok(check.visible_status(gw.now()))
}

/// Records a provider's result on a pending check, with the audit line HRD requires institutions
/// to keep, in one transaction. `false` (and nothing written) if the check has a result already.
pub async fn record_result(
    gw: &Gateway,
    check: &IdentityCheck,
    record: &ProviderRecord,
    now: i64,
) -> Result<bool> {
    let mut tx = gw.store.begin().await?;
    if !complete(&mut tx, check, record, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// The result and its audit line, inside the caller's transaction.
async fn complete(
    tx: &mut StoreTx,
    check: &IdentityCheck,
    record: &ProviderRecord,
    now: i64,
) -> Result<bool> {
    if !tx
        .complete_identity_check(&check.check_id, record, now)
        .await?
    {
        return Ok(false);
    }
    let provider = check.provider;
    tracing::info!(tenant = %check.tenant, usrid = %check.usrid, %provider, success = record.success, tel = %mask_tel(&record.tel), trnid = ?record.trnid, "identity check");
    let detail = format!(
        "provider={provider} result={} trnid={} trndt={}",
        if record.success { "T" } else { "F" },
        record.trnid,
        record.trndt
    );
    let line = AuditLine {
        hrd_code: Some(&record.result_code),
        detail: Some(&detail),
        ..AuditLine::new(&check.tenant, &check.usrid, AuditEvent::IdentityCheck)
    };
    tx.audit(now, line).await?;
    Ok(true)
}

/// `POST /v1/identity/attestations`: an LMS server reports its provider's answer for a check.
/// Returns the check's id.
pub async fn attest(gw: &Gateway, attestation: &str) -> Result<String> {
    let bad = |why: &str| Error::Invalid(format!("attestation refused: {why}"));
    let tenant_id = peek_issuer(attestation).ok_or_else(|| bad("not a JWT"))?;
    let tenant = gw
        .tenants
        .get(&tenant_id)
        .ok_or_else(|| bad("unknown tenant (iss)"))?;
    if tenant.identity_provider != ProviderKind::LmsAttested {
        return Err(bad("this tenant does not use lms-attested checks"));
    }
    let claims = verify_attestation(attestation, tenant)
        .ok_or_else(|| bad("signature or claims invalid"))?;
    let now = gw.now();
    let checked_at =
        kst::parse_unix(&claims.trndt).ok_or_else(|| bad("trndt must be YYYY-MM-DD HH:MM:SS"))?;
    // Saturating: `iat` is the signer's number, and `now - i64::MIN` must not wrap into "fresh".
    if now.saturating_sub(claims.iat) > CHECK_LIFETIME_SECS
        || now.saturating_sub(checked_at) > CHECK_LIFETIME_SECS
    {
        return Err(bad("late: older than 10 minutes"));
    }
    if claims.iat > now + 60 || checked_at > now + 60 {
        return Err(bad("from the future"));
    }
    if claims.result_code.trim().is_empty()
        || claims.trnid.trim().is_empty()
        || !matches!(claims.result.as_str(), "T" | "F")
    {
        return Err(bad("result, result_code and trnid are required"));
    }
    if claims.jti.trim().is_empty() {
        return Err(bad("jti is required"));
    }
    // Stored and logged as they are: bounded, and nothing that is not text.
    let plain = |v: &str| v.len() <= 128 && !v.chars().any(char::is_control);
    let fields = [
        &claims.jti,
        &claims.trnid,
        &claims.result_code,
        &claims.trndt,
        &claims.name,
        &claims.tel,
        &claims.sub,
    ];
    if !fields.iter().all(|v| plain(v)) {
        return Err(bad("a claim is over 128 bytes or holds control characters"));
    }
    if !is_random_id(&claims.check_id) {
        return Err(bad("unknown state"));
    }
    let check = gw
        .store
        .identity_check(&claims.check_id)
        .await?
        .filter(|c| c.tenant == tenant.id && c.provider == ProviderKind::LmsAttested)
        .ok_or_else(|| bad("unknown state"))?;
    if now - check.created_at > CHECK_LIFETIME_SECS {
        return Err(bad("late: the check was started more than 10 minutes ago"));
    }
    // The LMS says whose check this was: it must be the trainee who started it.
    if claims.sub != check.usrid {
        return Err(bad("sub is not the trainee who started this check"));
    }
    let door = Door::Attestation {
        tenant: &tenant.id,
        usrid: &check.usrid,
    };
    limits::admit(gw, door, now).await?;
    let record = ProviderRecord {
        success: claims.result == "T",
        result_code: claims.result_code,
        trnid: claims.trnid,
        trndt: claims.trndt,
        name: claims.name,
        tel: claims.tel,
    };
    // The attestation is spent and the result recorded and audited together, or not at all.
    let mut tx = gw.store.begin().await?;
    if !tx.use_attestation(&claims.jti, &tenant.id, now).await? {
        return Err(bad("replayed (jti seen before)"));
    }
    if !complete(&mut tx, &check, &record, now).await? {
        return Err(bad("this check already has a result"));
    }
    tx.commit().await?;
    Ok(check.check_id)
}

/// A sandbox-provider check, as its page finds it.
pub enum SandboxCheck {
    /// No check has that id.
    Unknown,
    /// The tenant does not use the sandbox provider.
    OtherProvider,
    /// Waiting for the person to finish.
    Pending(IdentityCheck),
    /// Decided, used or expired.
    Done(IdentityCheck, IdentityStatus),
}

/// Sandbox provider: the check `check_id`, as its page should show it.
pub async fn sandbox_check(gw: &Gateway, check_id: &str) -> Result<SandboxCheck> {
    if !is_random_id(check_id) {
        return Ok(SandboxCheck::Unknown);
    }
    let Some(check) = gw.store.identity_check(check_id).await? else {
        return Ok(SandboxCheck::Unknown);
    };
    if check.provider != ProviderKind::Sandbox {
        return Ok(SandboxCheck::OtherProvider);
    }
    Ok(match check.visible_status(gw.now()) {
        IdentityStatus::Pending => SandboxCheck::Pending(check),
        status => SandboxCheck::Done(check, status),
    })
}

/// Sandbox provider: "sends" the SMS code for a pending check; returns it (the page shows it).
pub async fn sandbox_send_sms(gw: &Gateway, check: &IdentityCheck) -> Result<String> {
    let mut digits = [0u8; 4];
    getrandom::fill(&mut digits).expect("the OS provides randomness");
    let sms = format!("{:06}", u32::from_be_bytes(digits) % 1_000_000);
    gw.store.set_sms_code(&check.check_id, &sms).await?;
    Ok(sms)
}

/// Sandbox provider: the person typed the SMS code; records the carrier's answer the way
/// NICE/KCB/PASS would give it. `false` when the code does not match.
pub async fn sandbox_confirm(
    gw: &Gateway,
    check: &IdentityCheck,
    name: &str,
    tel: &str,
    typed: &str,
) -> Result<bool> {
    let typed: String = typed.chars().filter(char::is_ascii_digit).collect();
    if check.sms_code.as_deref() != Some(typed.as_str()) {
        return Ok(false);
    }
    let now = gw.now();
    let record = ProviderRecord {
        success: true,
        result_code: "0000".into(),
        trnid: format!("SBX{}", &random_id()[..16].to_uppercase()),
        trndt: kst::format_unix(now),
        name: name.trim().to_string(),
        tel: input::normalize_tel(tel).unwrap_or_default(),
    };
    record_result(gw, check, &record, now).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::return_page;

    #[test]
    fn a_check_returns_only_to_a_page_of_its_own_origin() {
        let origin = "https://lms.example";
        assert_eq!(
            return_page("https://lms.example/course/3?x=1#old", origin).unwrap(),
            "https://lms.example/course/3?x=1"
        );
        for bad in [
            "https://evil.example/",
            "https://lms.example.evil.example/",
            "https://user:pw@lms.example/",
            "javascript:alert(1)",
            "/course/3",
            "http://lms.example/",
        ] {
            assert!(return_page(bad, origin).is_err(), "{bad}");
        }
        let long = format!("https://lms.example/{}", "a".repeat(2048));
        assert!(return_page(&long, origin).is_err());
    }
}
