//! The help desk's staff: accounts (one institution each, passwords as Argon2id hashes), signing in
//! (failed attempts throttled per address and per login), sessions kept in the store so any
//! instance serves them, ended after 30 idle minutes by the injected clock, and the CSRF token
//! every form of a session carries.

use super::error::{Error, Result};
use super::jwt::random_id;
use super::limits::{self, Door};
use super::Gateway;
use crate::model::{StaffAccount, StaffSession};
use crate::store::Store;
use crate::tenant::Tenants;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use motp_protocol::i18n::Lang;
use std::net::IpAddr;
use subtle::ConstantTimeEq;

/// A session ends this long after its last request.
pub const IDLE_SECS: i64 = 30 * 60;
/// Staff passwords are at least this many characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// A login: 1-64 letters, digits and `_-.@` (it appears in logs and URLs of nothing else).
pub fn is_login(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.@".contains(&b))
}

/// The password as stored: Argon2id with the crate's default parameters and a random salt.
pub fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Internal(format!("randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// Whether `password` is the one `hash` was made from (a malformed hash matches nothing).
pub fn password_matches(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Whether `password` is the one `hash` was made from (the decoy's when there is no account), worked
/// out off the runtime: Argon2 is slow on purpose (tens of ms and 19 MiB each), and on a worker
/// thread it would hold up trainees' code checks behind a login. At most one per core at a time,
/// so a flood of logins from many addresses queues here instead of taking the memory.
async fn password_matches_off_runtime(hash: Option<String>, password: &str) -> Result<bool> {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    });
    let _slot = slots
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("argon2 slots: {e}")))?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        password_matches(hash.as_deref().unwrap_or_else(|| decoy_hash()), &password)
    })
    .await
    .map_err(|e| Error::Internal(format!("argon2 task: {e}")))
}

/// Hashed once, so an unknown login costs the same time as a known one.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&random_id()).unwrap_or_default())
}

/// `motp-server staff add`: a new account of `tenant`.
pub async fn add(
    store: &Store,
    tenants: &Tenants,
    tenant: &str,
    login: &str,
    password: &str,
    now: i64,
) -> Result<()> {
    if tenants.get(tenant).is_none() {
        return Err(Error::Invalid(format!("no tenant {tenant}")));
    }
    if !is_login(login) {
        return Err(Error::Invalid(
            "login must be 1-64 letters, digits and _-.@".into(),
        ));
    }
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "password must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let account = StaffAccount {
        login: login.to_string(),
        tenant: tenant.to_string(),
        password_hash: hash_password(password)?,
        created_at: now,
    };
    if !store.add_staff(&account).await? {
        return Err(Error::Invalid(format!("login {login} is taken")));
    }
    tracing::info!(tenant, login, "staff account added");
    Ok(())
}

/// Sandbox mode's demo account ([`crate::tenant::SANDBOX_DEMO_STAFF_LOGIN`]) for `tenant`, unless
/// it exists. Only `startup` calls it, in sandbox mode with the demo tenant.
pub async fn ensure_demo(store: &Store, tenant: &str, now: i64) -> Result<()> {
    use crate::tenant::{SANDBOX_DEMO_STAFF_LOGIN, SANDBOX_DEMO_STAFF_PASSWORD};
    if store
        .staff_account(SANDBOX_DEMO_STAFF_LOGIN)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let account = StaffAccount {
        login: SANDBOX_DEMO_STAFF_LOGIN.into(),
        tenant: tenant.into(),
        password_hash: hash_password(SANDBOX_DEMO_STAFF_PASSWORD)?,
        created_at: now,
    };
    store.add_staff(&account).await?;
    Ok(())
}

/// `motp-server staff list`.
pub async fn list(store: &Store, tenant: Option<&str>) -> Result<Vec<StaffAccount>> {
    Ok(store.staff_accounts(tenant).await?)
}

/// `motp-server staff remove`: the account and its sessions, in one transaction.
pub async fn remove(store: &Store, login: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    if !tx.remove_staff(login).await? {
        return Err(Error::NotFound(format!("no staff account {login}")));
    }
    tx.commit().await?;
    tracing::info!(login, "staff account removed");
    Ok(())
}

/// A session just opened: the cookie's secret (never stored) and the session.
pub struct SignedIn {
    pub secret: String,
    pub session: StaffSession,
}

/// The answer to a login form.
pub enum Login {
    SignedIn(SignedIn),
    /// Wrong login or password (which one is not said).
    Refused,
}

/// A session's id in the store: the SHA-256 of its secret.
fn session_id(secret: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, secret.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `POST /console/login`. Over the limit of failed attempts (per address, per login) even the right
/// password waits: `Error::RateLimited`.
pub async fn login(
    gw: &Gateway,
    login: &str,
    password: &str,
    ip: IpAddr,
    lang: Lang,
) -> Result<Login> {
    let now = gw.now();
    let login = login.trim();
    // Unknown or malformed logins count as one name, so made-up ones cannot fill memory.
    let counted = if is_login(login) { login } else { "?" };
    let doors = [
        Door::ConsoleAddress(ip),
        Door::ConsoleLogin { login: counted },
    ];
    for door in doors {
        limits::check(gw, door, now).await?;
    }
    let account = if is_login(login) {
        gw.store.staff_account(login).await?
    } else {
        None
    };
    let hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = password_matches_off_runtime(hash, password).await?;
    // An account whose tenant left the configuration opens nothing.
    let account = account.filter(|a| matches && gw.tenants.get(&a.tenant).is_some());
    let Some(account) = account else {
        tracing::warn!(login = counted, %ip, "console login refused");
        for door in doors {
            // Counted; its own refusal (over the limit now) is for the next attempt.
            let _ = limits::admit(gw, door, now).await;
        }
        return Ok(Login::Refused);
    };
    let secret = format!("{}{}", random_id(), random_id());
    let session = StaffSession {
        id: session_id(&secret),
        login: account.login,
        tenant: account.tenant,
        csrf: random_id(),
        lang,
        created_at: now,
        seen_at: now,
    };
    gw.store.create_staff_session(&session).await?;
    tracing::info!(tenant = %session.tenant, login = %session.login, "console login");
    Ok(Login::SignedIn(SignedIn { secret, session }))
}

/// Whether a session last used at `seen_at` is still open at `now`.
pub fn is_live(seen_at: i64, now: i64) -> bool {
    now - seen_at <= IDLE_SECS
}

/// The session of the cookie's `secret`, if it is open: its idle time starts again. An idle one is
/// deleted.
pub async fn session(gw: &Gateway, secret: &str) -> Result<Option<StaffSession>> {
    let now = gw.now();
    let id = session_id(secret);
    let Some(mut session) = gw.store.staff_session(&id).await? else {
        return Ok(None);
    };
    if !is_live(session.seen_at, now) || gw.tenants.get(&session.tenant).is_none() {
        gw.store.delete_staff_session(&id).await?;
        return Ok(None);
    }
    if !gw.store.touch_staff_session(&id, now).await? {
        return Ok(None);
    }
    session.seen_at = now;
    Ok(Some(session))
}

/// Whether a form's token is its session's (compared in constant time).
pub fn csrf_matches(expected: &str, sent: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// `POST /console/logout`.
pub async fn logout(gw: &Gateway, session: &StaffSession) -> Result<()> {
    gw.store.delete_staff_session(&session.id).await?;
    Ok(())
}

/// `POST /console/lang`: the session's language from now on.
pub async fn set_lang(gw: &Gateway, session: &StaffSession, lang: Lang) -> Result<()> {
    gw.store.set_staff_session_lang(&session.id, lang).await?;
    Ok(())
}

/// Deletes the sessions idle past their end (housekeeping).
pub async fn purge(gw: &Gateway, now: i64) -> Result<u64> {
    Ok(gw.store.purge_staff_sessions(now - IDLE_SECS).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_argon2id_and_only_the_right_one_matches() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(password_matches(&hash, "correct horse battery"));
        assert!(!password_matches(&hash, "correct horse batterY"));
        assert!(!password_matches("not a hash", "anything"));
        assert_ne!(
            hash,
            hash_password("correct horse battery").unwrap(),
            "salted"
        );
    }

    /// On one thread, a task beside the login keeps running while the password is checked: the
    /// check is not done on the runtime's own thread (where it would hold up code checks).
    #[tokio::test(flavor = "current_thread")]
    async fn checking_a_password_leaves_the_runtime_free() {
        let hash = hash_password("correct horse battery").unwrap();
        let done = std::cell::Cell::new(false);
        let mut beside = 0u64;
        let (matches, ()) = tokio::join!(
            async {
                let m = password_matches_off_runtime(Some(hash), "correct horse battery").await;
                done.set(true);
                m
            },
            async {
                while !done.get() {
                    beside += 1;
                    tokio::task::yield_now().await;
                }
            }
        );
        assert!(matches.unwrap());
        assert!(
            beside > 1,
            "the other task ran {beside} times during the check"
        );
        assert!(!password_matches_off_runtime(None, "anything")
            .await
            .unwrap());
    }

    #[test]
    fn a_session_is_idle_after_thirty_minutes() {
        assert!(is_live(1000, 1000 + IDLE_SECS));
        assert!(!is_live(1000, 1000 + IDLE_SECS + 1));
    }

    #[test]
    fn csrf_tokens_must_be_equal_and_present() {
        assert!(csrf_matches("abc", "abc"));
        assert!(!csrf_matches("abc", "abd"));
        assert!(!csrf_matches("abc", ""));
        assert!(!csrf_matches("", ""));
    }

    #[test]
    fn logins_are_plain() {
        assert!(is_login("desk.kim@kosa"));
        assert!(!is_login(""));
        assert!(!is_login("a b"));
        assert!(!is_login(&"a".repeat(65)));
    }
}
