//! `staff` and `staff_sessions`: the help desk's accounts and who is signed in, shared by every
//! instance.

use super::{Store, StoreResult, StoreTx};
use crate::model::{StaffAccount, StaffSession, UnknownValue};
use motp_protocol::i18n::Lang;

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    login: String,
    tenant: String,
    csrf: String,
    lang: String,
    created_at: i64,
    seen_at: i64,
}

fn lang(text: &str) -> Result<Lang, UnknownValue> {
    Lang::parse(text).ok_or_else(|| UnknownValue {
        what: "Lang",
        value: text.to_string(),
    })
}

impl Store {
    /// Adds an account; `false` (and nothing written) if the login is taken, in any tenant.
    pub(crate) async fn add_staff(&self, account: &StaffAccount) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO staff (login, tenant, password_hash, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (login) DO NOTHING",
        )
        .bind(&account.login)
        .bind(&account.tenant)
        .bind(&account.password_hash)
        .bind(account.created_at)
        .execute(&self.writes)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn staff_account(&self, login: &str) -> StoreResult<Option<StaffAccount>> {
        let row: Option<(String, String, String, i64)> = sqlx::query_as(
            "SELECT login, tenant, password_hash, created_at FROM staff WHERE login = $1",
        )
        .bind(login)
        .fetch_optional(&self.reads)
        .await?;
        Ok(
            row.map(|(login, tenant, password_hash, created_at)| StaffAccount {
                login,
                tenant,
                password_hash,
                created_at,
            }),
        )
    }

    /// The accounts of `tenant` (every tenant's if `None`), by login.
    pub(crate) async fn staff_accounts(
        &self,
        tenant: Option<&str>,
    ) -> StoreResult<Vec<StaffAccount>> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT login, tenant, password_hash, created_at FROM staff
             WHERE ($1 IS NULL OR tenant = $2) ORDER BY tenant, login",
        )
        .bind(tenant)
        .bind(tenant)
        .fetch_all(&self.reads)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(login, tenant, password_hash, created_at)| StaffAccount {
                login,
                tenant,
                password_hash,
                created_at,
            })
            .collect())
    }

    pub(crate) async fn staff_session(&self, id: &str) -> StoreResult<Option<StaffSession>> {
        let row = sqlx::query_as::<_, SessionRow>(
            "SELECT id, login, tenant, csrf, lang, created_at, seen_at FROM staff_sessions
             WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reads)
        .await?;
        row.map(|r| {
            Ok(StaffSession {
                lang: lang(&r.lang)?,
                id: r.id,
                login: r.login,
                tenant: r.tenant,
                csrf: r.csrf,
                created_at: r.created_at,
                seen_at: r.seen_at,
            })
        })
        .transpose()
    }

    /// A new session.
    pub(crate) async fn create_staff_session(&self, s: &StaffSession) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO staff_sessions (id, login, tenant, csrf, lang, created_at, seen_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.id)
        .bind(&s.login)
        .bind(&s.tenant)
        .bind(&s.csrf)
        .bind(s.lang.code())
        .bind(s.created_at)
        .bind(s.seen_at)
        .execute(&self.writes)
        .await?;
        Ok(())
    }

    /// The session was used at `now`; `false` if it is gone (signed out meanwhile).
    pub(crate) async fn touch_staff_session(&self, id: &str, now: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE staff_sessions SET seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.writes)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(crate) async fn set_staff_session_lang(&self, id: &str, lang: Lang) -> StoreResult<()> {
        sqlx::query("UPDATE staff_sessions SET lang = $1 WHERE id = $2")
            .bind(lang.code())
            .bind(id)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    pub(crate) async fn delete_staff_session(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM staff_sessions WHERE id = $1")
            .bind(id)
            .execute(&self.writes)
            .await?;
        Ok(())
    }

    /// Deletes the sessions idle since before `before`; how many.
    pub(crate) async fn purge_staff_sessions(&self, before: i64) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM staff_sessions WHERE seen_at < $1")
            .bind(before)
            .execute(&self.writes)
            .await?
            .rows_affected())
    }
}

impl StoreTx {
    /// Removes an account and signs it out everywhere; `false` if there was none.
    pub(crate) async fn remove_staff(&mut self, login: &str) -> StoreResult<bool> {
        sqlx::query("DELETE FROM staff_sessions WHERE login = $1")
            .bind(login)
            .execute(&mut *self.tx)
            .await?;
        let done = sqlx::query("DELETE FROM staff WHERE login = $1")
            .bind(login)
            .execute(&mut *self.tx)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}
