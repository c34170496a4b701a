//! The phone identity check (휴대폰 본인인증) that lifts a lock, behind [`IdentityProvider`]:
//! `sandbox` (a page here that plays the carrier check, sandbox mode only) or `lms-attested` (the
//! institution's own NICE/KCB/PASS page, which posts the signed result back to us).
//!
//! The widget starts a check (`POST /v1/identity/start`), opens the popup, and learns the result by
//! the popup's `postMessage` to its exact origin or by polling `GET /v1/identity/{state}`.

use crate::error::AppError;
use crate::store::{NewIdentityCheck, ProviderRecord};
use crate::tenant::{ProviderKind, Tenant};
use crate::token::{random_id, Trainee};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use motp_protocol::api::{IdentityStart, IdentityStatus};
use motp_protocol::input::mask_tel;
use motp_protocol::kst;
use serde::Deserialize;
use serde_json::{json, Value};

/// How long a started check may take, and how long a finished one stays usable for a reset.
pub const CHECK_LIFETIME_SECS: i64 = 10 * 60;
/// The `aud` of an LMS's attestation JWT.
pub const ATTESTATION_AUDIENCE: &str = "motp-attestation";

/// Where the phone identity check happens for a tenant.
pub trait IdentityProvider: Send + Sync {
    /// The provider's name, as recorded with each check.
    fn name(&self) -> &'static str;
    /// The popup's address for check `state`: absolute, or a path on this server.
    fn popup_url(&self, state: &str) -> String;
}

/// Sandbox mode's stand-in for the carrier check, served by [`crate::identity_sandbox`].
pub struct SandboxProvider;

impl IdentityProvider for SandboxProvider {
    fn name(&self) -> &'static str {
        "sandbox"
    }
    fn popup_url(&self, state: &str) -> String {
        format!("/v1/identity/sandbox/{state}")
    }
}

/// The LMS's own verification page; its server posts the result to `/v1/identity/attestations`.
pub struct LmsAttested<'a> {
    pub attest_url: &'a str,
}

impl IdentityProvider for LmsAttested<'_> {
    fn name(&self) -> &'static str {
        "lms-attested"
    }
    fn popup_url(&self, state: &str) -> String {
        let sep = if self.attest_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}state={state}", self.attest_url)
    }
}

/// The provider configured for `tenant`.
pub fn provider_of(tenant: &Tenant) -> Box<dyn IdentityProvider + '_> {
    match tenant.identity_provider {
        ProviderKind::Sandbox => Box::new(SandboxProvider),
        ProviderKind::LmsAttested => Box::new(LmsAttested {
            attest_url: tenant.attest_url.as_deref().unwrap_or_default(),
        }),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/identity/start", post(start))
        .route("/identity/attestations", post(attestation))
        .route("/identity/{state}", get(status))
}

#[derive(Deserialize)]
struct StartQuery {
    /// `reset` (lift a lock, the default) or `substitute` (stand in for the code while HRD is down).
    purpose: Option<String>,
}

/// `POST /v1/identity/start[?purpose=substitute]`: a new check for the trainee of the launch token.
async fn start(
    State(state): State<AppState>,
    trainee: Trainee,
    headers: HeaderMap,
    Query(q): Query<StartQuery>,
) -> Result<Json<IdentityStart>, AppError> {
    let purpose = match q.purpose.as_deref() {
        None | Some("reset") => "reset",
        Some("substitute") => {
            if !crate::substitute::available(&state, &trainee).await? {
                return Err(AppError::SubstituteNotAvailable);
            }
            "substitute"
        }
        Some(other) => return Err(AppError::BadRequest(format!("unknown purpose {other:?}"))),
    };
    // The popup reports to the page the widget runs in, and only to it.
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| trainee.tenant.allows_origin(o))
        .ok_or_else(|| {
            AppError::BadRequest("identity checks start from the LMS page (Origin header)".into())
        })?;
    let provider = provider_of(&trainee.tenant);
    let check_state = random_id();
    state
        .store
        .create_identity_check(
            &NewIdentityCheck {
                state: &check_state,
                tenant: &trainee.tenant.id,
                usrid: &trainee.usrid,
                provider: provider.name(),
                origin,
                purpose,
            },
            state.now(),
        )
        .await?;
    Ok(Json(IdentityStart {
        popup_url: provider.popup_url(&check_state),
        state: check_state,
        expires_in_seconds: CHECK_LIFETIME_SECS as u64,
    }))
}

/// A check's status as the widget sees it (expired once too old to be used).
pub fn visible_status(
    status: &str,
    created_at: i64,
    completed_at: Option<i64>,
    now: i64,
) -> IdentityStatus {
    let age_from = completed_at.unwrap_or(created_at);
    match status {
        "pending" | "succeeded" if now - age_from > CHECK_LIFETIME_SECS => IdentityStatus::Expired,
        "pending" => IdentityStatus::Pending,
        "succeeded" => IdentityStatus::Succeeded,
        "resetting" => IdentityStatus::Resetting,
        "used" => IdentityStatus::Used,
        "refused" => IdentityStatus::Refused,
        _ => IdentityStatus::Failed,
    }
}

/// `GET /v1/identity/{state}`: polled by the widget when no `postMessage` arrives.
async fn status(
    State(state): State<AppState>,
    trainee: Trainee,
    Path(check_state): Path<String>,
) -> Result<Json<Value>, AppError> {
    let check = state
        .store
        .identity_check(&check_state)
        .await?
        .filter(|c| c.tenant == trainee.tenant.id && c.usrid == trainee.usrid)
        .ok_or_else(|| AppError::NotFound("no such identity check for this trainee".into()))?;
    let status = visible_status(
        &check.status,
        check.created_at,
        check.completed_at,
        state.now(),
    );
    Ok(Json(json!({ "state": check.state, "status": status })))
}

#[derive(Deserialize)]
struct AttestationBody {
    attestation: String,
}

/// What an LMS server signs (HS256, tenant secret) after its NICE/KCB/PASS check; `iss` is the
/// tenant id and `aud` is [`ATTESTATION_AUDIENCE`].
#[derive(Deserialize)]
struct AttestationClaims {
    state: String,
    /// `T` when the provider confirmed the person, `F` otherwise.
    result: String,
    /// The provider's own result code and transaction id.
    result_code: String,
    trnid: String,
    /// When the check happened, `YYYY-MM-DD HH:MM:SS` KST.
    trndt: String,
    name: String,
    tel: String,
    iat: i64,
    jti: String,
}

/// `POST /v1/identity/attestations`: the LMS's server reports its provider's answer.
async fn attestation(
    State(state): State<AppState>,
    Json(body): Json<AttestationBody>,
) -> Result<Json<Value>, AppError> {
    let bad = |why: &str| AppError::BadRequest(format!("attestation refused: {why}"));
    let tenant_id = crate::token::peek_issuer(&body.attestation).ok_or_else(|| bad("not a JWT"))?;
    let tenant = state
        .tenants
        .get(&tenant_id)
        .ok_or_else(|| bad("unknown tenant (iss)"))?;
    if tenant.identity_provider != ProviderKind::LmsAttested {
        return Err(bad("this tenant does not use lms-attested checks"));
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[ATTESTATION_AUDIENCE]);
    validation.set_issuer(&[tenant.id.as_str()]);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iat", "aud", "iss"]);
    let claims = jsonwebtoken::decode::<AttestationClaims>(
        &body.attestation,
        &DecodingKey::from_secret(tenant.secret.as_bytes()),
        &validation,
    )
    .map_err(|_| bad("signature or claims invalid"))?
    .claims;
    let now = state.now();
    let checked_at =
        kst::parse_unix(&claims.trndt).ok_or_else(|| bad("trndt must be YYYY-MM-DD HH:MM:SS"))?;
    if now - claims.iat > CHECK_LIFETIME_SECS || now - checked_at > CHECK_LIFETIME_SECS {
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
    let check = state
        .store
        .identity_check(&claims.state)
        .await?
        .filter(|c| c.tenant == tenant.id && c.provider == "lms-attested")
        .ok_or_else(|| bad("unknown state"))?;
    if now - check.created_at > CHECK_LIFETIME_SECS {
        return Err(bad("late: the check was started more than 10 minutes ago"));
    }
    if !state
        .store
        .use_attestation(&claims.jti, &tenant.id, now)
        .await?
    {
        return Err(bad("replayed (jti seen before)"));
    }
    let record = ProviderRecord {
        success: claims.result == "T",
        result_code: claims.result_code,
        trnid: claims.trnid,
        trndt: claims.trndt,
        name: claims.name,
        tel: claims.tel,
    };
    if !state
        .store
        .complete_identity_check(&check.state, &record, now)
        .await?
    {
        return Err(bad("this check already has a result"));
    }
    audit_check(
        &state,
        &check.tenant,
        &check.usrid,
        "lms-attested",
        &record,
        now,
    )
    .await?;
    Ok(Json(json!({ "accepted": true, "state": check.state })))
}

/// The audit line HRD requires institutions to keep for every identity check.
pub async fn audit_check(
    state: &AppState,
    tenant: &str,
    usrid: &str,
    provider: &str,
    r: &ProviderRecord,
    now: i64,
) -> Result<(), AppError> {
    tracing::info!(tenant, usrid, provider, success = r.success, tel = %mask_tel(&r.tel), trnid = %r.trnid, "identity check");
    let detail = format!(
        "provider={provider} result={} trnid={} trndt={}",
        if r.success { "T" } else { "F" },
        r.trnid,
        r.trndt
    );
    state
        .store
        .audit(
            now,
            crate::store::AuditEvent {
                tenant,
                usrid,
                event: "identity_check",
                hrd_code: Some(&r.result_code),
                eval_cd: None,
                class_tme: None,
                detail: Some(&detail),
            },
        )
        .await
}
