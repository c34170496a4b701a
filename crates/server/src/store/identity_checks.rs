//! `identity_checks` and `used_attestations`: phone identity checks (휴대폰 본인인증) from start to
//! use, and the attestation ids already seen.

use super::{Store, StoreError, StoreResult, StoreTx};
use crate::model::{CheckStatus, IdentityCheck, NewIdentityCheck, ProviderRecord, Purpose};

/// The columns of [`Row`], in its field order (`state` is the wire's name for the check id).
const COLUMNS: &str = "state AS check_id, tenant, usrid, provider, origin, purpose, status, \
     created_at, completed_at, sms_code, result_code, trnid, trndt, name, tel, return_to";

#[derive(sqlx::FromRow)]
struct Row {
    check_id: String,
    tenant: String,
    usrid: String,
    provider: String,
    origin: String,
    purpose: String,
    status: String,
    created_at: i64,
    completed_at: Option<i64>,
    sms_code: Option<String>,
    result_code: Option<String>,
    trnid: Option<String>,
    trndt: Option<String>,
    name: Option<String>,
    tel: Option<String>,
    return_to: Option<String>,
}

impl TryFrom<Row> for IdentityCheck {
    type Error = StoreError;
    fn try_from(r: Row) -> StoreResult<IdentityCheck> {
        Ok(IdentityCheck {
            check_id: r.check_id,
            tenant: r.tenant,
            usrid: r.usrid,
            provider: r.provider.parse()?,
            origin: r.origin,
            purpose: r.purpose.parse()?,
            status: r.status.parse()?,
            created_at: r.created_at,
            completed_at: r.completed_at,
            sms_code: r.sms_code,
            result_code: r.result_code,
            trnid: r.trnid,
            trndt: r.trndt,
            name: r.name,
            tel: r.tel,
            return_to: r.return_to,
        })
    }
}

fn typed(row: Option<Row>) -> StoreResult<Option<IdentityCheck>> {
    row.map(IdentityCheck::try_from).transpose()
}

impl Store {
    /// Every check of one trainee still kept, oldest first (the console's timeline).
    pub(crate) async fn identity_checks_of(
        &self,
        tenant: &str,
        usrid: &str,
    ) -> StoreResult<Vec<IdentityCheck>> {
        sqlx::query_as::<_, Row>(&format!(
            "SELECT {COLUMNS} FROM identity_checks WHERE tenant = $1 AND usrid = $2 ORDER BY created_at"
        ))
        .bind(tenant)
        .bind(usrid)
        .fetch_all(&self.reads)
        .await?
        .into_iter()
        .map(IdentityCheck::try_from)
        .collect()
    }

    pub(crate) async fn create_identity_check(
        &self,
        c: &NewIdentityCheck<'_>,
        now: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO identity_checks (state, tenant, usrid, provider, origin, purpose, status, created_at, return_to) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.check_id)
        .bind(c.tenant)
        .bind(c.usrid)
        .bind(c.provider.as_str())
        .bind(c.origin)
        .bind(c.purpose.as_str())
        .bind(CheckStatus::Pending.as_str())
        .bind(now)
        .bind(c.return_to)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    pub(crate) async fn identity_check(
        &self,
        check_id: &str,
    ) -> StoreResult<Option<IdentityCheck>> {
        typed(
            sqlx::query_as::<_, Row>(&format!(
                "SELECT {COLUMNS} FROM identity_checks WHERE state = $1"
            ))
            .bind(check_id)
            .fetch_optional(&self.reads)
            .await?,
        )
    }

    /// When each of the trainee's checks still pending was started, for those started after
    /// `since`, oldest first.
    pub(crate) async fn pending_identity_checks(
        &self,
        tenant: &str,
        usrid: &str,
        since: i64,
    ) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT created_at FROM identity_checks
             WHERE tenant = $1 AND usrid = $2 AND status = $3 AND created_at > $4
             ORDER BY created_at",
        )
        .bind(tenant)
        .bind(usrid)
        .bind(CheckStatus::Pending.as_str())
        .bind(since)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows.into_iter().map(|(at,)| at).collect())
    }

    /// Drops the person (name, mobile) and the sandbox's SMS code from every check that expired
    /// unused — pending or succeeded, last touched before `before`; how many. A check being used
    /// (`resetting`) keeps them until its reset is answered.
    pub(crate) async fn erase_expired_checks(&self, before: i64) -> StoreResult<u64> {
        Ok(sqlx::query(
            "UPDATE identity_checks SET name = NULL, tel = NULL, sms_code = NULL
             WHERE status IN ($1, $2) AND COALESCE(completed_at, created_at) < $3
               AND (name IS NOT NULL OR tel IS NOT NULL OR sms_code IS NOT NULL)",
        )
        .bind(CheckStatus::Pending.as_str())
        .bind(CheckStatus::Succeeded.as_str())
        .bind(before)
        .execute(&self.writes)
        .await?
        .rows_affected())
    }

    /// The sandbox provider's "SMS" code for a pending check.
    pub(crate) async fn set_sms_code(&self, check_id: &str, code: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE identity_checks SET sms_code = $1 WHERE state = $2 AND status = $3",
        )
        .bind(code)
        .bind(check_id)
        .bind(CheckStatus::Pending.as_str())
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

impl StoreTx {
    /// Records the provider's answer on a pending check; `false` if it was not pending (answered
    /// already), so a check completes once.
    pub(crate) async fn complete_identity_check(
        &mut self,
        check_id: &str,
        r: &ProviderRecord,
        now: i64,
    ) -> StoreResult<bool> {
        let status = if r.success {
            CheckStatus::Succeeded
        } else {
            CheckStatus::Failed
        };
        // A failed check is final: the provider's record stays (HRD requires it), the person's
        // name and mobile are never kept. A succeeded one keeps them until it is used or expires.
        let person = |v: &str| r.success.then(|| v.to_string());
        let done = sqlx::query(
            "UPDATE identity_checks SET status = $1, completed_at = $2, result_code = $3, trnid = $4, trndt = $5, name = $6, tel = $7
             WHERE state = $8 AND status = $9",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(&r.result_code)
        .bind(&r.trnid)
        .bind(&r.trndt)
        .bind(person(&r.name))
        .bind(person(&r.tel))
        .bind(check_id)
        .bind(CheckStatus::Pending.as_str())
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Takes a succeeded, fresh check of this trainee for `purpose` (it becomes `resetting`): one
    /// statement, so a check can be taken by one use only. `None` if it is not (or no longer) usable.
    pub(crate) async fn claim_identity_check(
        &mut self,
        check_id: &str,
        tenant: &str,
        usrid: &str,
        purpose: Purpose,
        completed_after: i64,
    ) -> StoreResult<Option<IdentityCheck>> {
        typed(
            sqlx::query_as::<_, Row>(&format!(
                "UPDATE identity_checks SET status = $1
                 WHERE state = $2 AND tenant = $3 AND usrid = $4 AND purpose = $5 AND status = $6 AND completed_at >= $7
                 RETURNING {COLUMNS}"
            ))
            .bind(CheckStatus::Resetting.as_str())
            .bind(check_id)
            .bind(tenant)
            .bind(usrid)
            .bind(purpose.as_str())
            .bind(CheckStatus::Succeeded.as_str())
            .bind(completed_after)
            .fetch_optional(&mut *self.tx)
            .await?,
        )
    }

    /// Ends the use of a claimed check: `used` (it lifted the lock or stood in for the code),
    /// `refused`, or back to `succeeded` (HRD unreachable: it may be tried again). Once it is spent
    /// the person's name and mobile are dropped; the provider's record stays, as HRD requires.
    pub(crate) async fn finish_identity_check(
        &mut self,
        check_id: &str,
        status: CheckStatus,
        now: i64,
    ) -> StoreResult<()> {
        let forget_person = status != CheckStatus::Succeeded;
        sqlx::query(
            "UPDATE identity_checks SET status = $1, reset_at = $2,
                name = CASE WHEN $3 THEN NULL ELSE name END, tel = CASE WHEN $4 THEN NULL ELSE tel END,
                sms_code = NULL
             WHERE state = $5 AND status = $6",
        )
        .bind(status.as_str())
        .bind(now)
        .bind(forget_person)
        .bind(forget_person)
        .bind(check_id)
        .bind(CheckStatus::Resetting.as_str())
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Remembers an attestation's id for its tenant; `false` if it was seen before (a replay).
    pub(crate) async fn use_attestation(
        &mut self,
        jti: &str,
        tenant: &str,
        now: i64,
    ) -> StoreResult<bool> {
        let done = sqlx::query("INSERT INTO used_attestations (jti, tenant, used_at) VALUES ($1, $2, $3) ON CONFLICT (tenant, jti) DO NOTHING")
            .bind(jti)
            .bind(tenant)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
