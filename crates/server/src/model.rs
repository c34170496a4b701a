//! The records the gateway keeps and the states they move through, as the domain decides them and
//! the store keeps them. Plain data: no axum, no SQL. Every state is an enum with one spelling on
//! disk (`as_str`/`FromStr`); a stored value the code does not know is an error, never a guess.

use motp_protocol::api::IdentityStatus;
use motp_protocol::MAX_FAILURES;

/// An enum stored as text: one `as_str`, one `FromStr`, and `Display` from them.
macro_rules! stored_as_text {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, UnknownValue> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownValue {
                        what: stringify!($name),
                        value: s.to_string(),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored state the code does not know (a typo in a migration, a newer version's value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownValue {
    pub what: &'static str,
    pub value: String,
}

stored_as_text! {
    /// Where a phone identity check stands:
    /// `pending → succeeded | failed`; `succeeded → resetting → used | refused` (or back to
    /// `succeeded` when HRD could not be reached).
    CheckStatus {
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
        /// Taken by a reset or a substitute in progress.
        Resetting = "resetting",
        /// Spent: it lifted a lock, or stood in for a code.
        Used = "used",
        /// HRD refused the reset made with it, or it named another person.
        Refused = "refused",
    }
}

stored_as_text! {
    /// What an identity check is for.
    Purpose {
        /// Lifting an HRD lock (`user_reset`).
        Reset = "reset",
        /// Standing in for the code while HRD is down (대체인증).
        Substitute = "substitute",
    }
}

stored_as_text! {
    /// What an outbox item sends.
    OutboxKind {
        /// HRD's `user_reset`.
        Reset = "reset",
        /// e-mon's `pAuthLog.jsp` (a substitute check at enrolment).
        PAuthLog = "pAuthLog",
        /// e-mon's `pSubOtpLog.jsp` (a substitute check otherwise).
        PSubOtpLog = "pSubOtpLog",
        /// e-mon's server-to-server `phone_auth_hist`.
        PhoneAuthHist = "phone_auth_hist",
    }
}

stored_as_text! {
    /// Where an outbox item stands: `queued → done | refused`.
    OutboxStatus {
        Queued = "queued",
        /// HRD accepted it.
        Done = "done",
        /// HRD refused it for good.
        Refused = "refused",
    }
}

stored_as_text! {
    /// What one line of the audit trail records.
    AuditEvent {
        /// A code sent to HRD's `otp_accredit`, with HRD's answer.
        Verify = "verify",
        /// HRD locked the trainee (AP009).
        Lock = "lock",
        /// A phone identity check's result, as the provider gave it.
        IdentityCheck = "identity_check",
        /// HRD lifted a lock (`user_reset` answered 200).
        Reset = "reset",
        /// A reset refused: by HRD, or because the check named another person.
        ResetRefused = "reset_refused",
        /// A phone identity check stood in for the code.
        Substitute = "substitute",
        /// An LMS redeemed a receipt.
        ReceiptRedeemed = "receipt_redeemed",
    }
}

stored_as_text! {
    /// Who runs a tenant's phone identity check (its `identity_provider`), and so who ran a check,
    /// as recorded with it.
    #[derive(Default, serde::Deserialize)]
    #[serde(rename_all = "kebab-case")]
    ProviderKind {
        /// The institution's LMS runs the check with its own NICE/KCB/PASS contract and posts the
        /// signed result to `POST /v1/identity/attestations`.
        #[default]
        LmsAttested = "lms-attested",
        /// A page served by this server that plays the carrier check (sandbox mode only).
        Sandbox = "sandbox",
        /// NICE 본인확인 (통합형) with the institution's own contract, spoken by the gateway.
        Nice = "nice",
    }
}

/// A trainee's consecutive wrong codes and lock, as last learnt from HRD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptState {
    pub failures: u32,
    pub locked: bool,
}

impl AttemptState {
    /// Attempts left before HRD locks the trainee.
    pub fn remaining(&self) -> u32 {
        if self.locked {
            0
        } else {
            MAX_FAILURES.saturating_sub(self.failures)
        }
    }
}

/// A phone identity check, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentityCheck {
    /// The check's unguessable id (the wire's `state`).
    pub check_id: String,
    pub tenant: String,
    pub usrid: String,
    pub provider: ProviderKind,
    /// The LMS page origin the widget runs in: the only target of the popup's `postMessage`.
    pub origin: String,
    pub purpose: Purpose,
    pub status: CheckStatus,
    pub created_at: i64,
    pub completed_at: Option<i64>,
    /// The sandbox provider's "SMS" code.
    pub sms_code: Option<String>,
    pub result_code: Option<String>,
    pub trnid: Option<String>,
    pub trndt: Option<String>,
    pub name: Option<String>,
    pub tel: Option<String>,
    /// The LMS page to go back to when the check runs in the trainee's own window.
    pub return_to: Option<String>,
}

/// A NICE crypto token (E3): what derives its keys, for whichever instance gets the result back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NiceCryptoToken {
    pub token_version_id: String,
    pub tenant: String,
    pub req_dtim: String,
    pub req_no: String,
    pub token_val: String,
    pub site_code: String,
    pub expires_at: i64,
}

impl NiceCryptoToken {
    pub fn keys(&self) -> nice_identity::Keys {
        nice_identity::Keys::derive(&self.req_dtim, &self.req_no, &self.token_val)
    }
}

/// A request sealed for a check: NICE's `requestno` (at most 30 characters) → the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NiceRequest {
    pub requestno: String,
    pub check_id: String,
    pub token_version_id: String,
    pub created_at: i64,
}

/// A new check, as `POST /v1/identity/start` creates it.
pub struct NewIdentityCheck<'a> {
    pub check_id: &'a str,
    pub tenant: &'a str,
    pub usrid: &'a str,
    pub provider: ProviderKind,
    pub origin: &'a str,
    pub purpose: Purpose,
    pub return_to: Option<&'a str>,
}

/// How long a started check may take, and how long a finished one stays usable.
pub const CHECK_LIFETIME_SECS: i64 = 10 * 60;

impl IdentityCheck {
    /// The check's status as the widget sees it: expired once too old to be used.
    pub fn visible_status(&self, now: i64) -> IdentityStatus {
        let age_from = self.completed_at.unwrap_or(self.created_at);
        let expired = now - age_from > CHECK_LIFETIME_SECS;
        match self.status {
            CheckStatus::Pending | CheckStatus::Succeeded if expired => IdentityStatus::Expired,
            CheckStatus::Pending => IdentityStatus::Pending,
            CheckStatus::Succeeded => IdentityStatus::Succeeded,
            CheckStatus::Failed => IdentityStatus::Failed,
            CheckStatus::Resetting => IdentityStatus::Resetting,
            CheckStatus::Used => IdentityStatus::Used,
            CheckStatus::Refused => IdentityStatus::Refused,
        }
    }

    /// Whether this check belongs to this trainee and serves `purpose`.
    pub fn is_for(&self, tenant: &str, usrid: &str, purpose: Purpose) -> bool {
        self.tenant == tenant && self.usrid == usrid && self.purpose == purpose
    }
}

/// What an identity provider says about one check: the record HRD's `user_reset` receives.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRecord {
    pub success: bool,
    /// The provider's own result code.
    pub result_code: String,
    /// The provider's own transaction id.
    pub trnid: String,
    /// When the check happened, `YYYY-MM-DD HH:MM:SS` KST.
    pub trndt: String,
    pub name: String,
    pub tel: String,
}

/// Something HRD or e-mon must receive, before it is stored.
pub struct NewOutboxItem<'a> {
    pub kind: OutboxKind,
    /// Makes a second enqueue of the same record a no-op.
    pub dedupe: &'a str,
    pub tenant: &'a str,
    pub usrid: &'a str,
    /// The form fields or JSON body, as text.
    pub payload: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    pub kind: OutboxKind,
    pub dedupe: String,
    pub tenant: String,
    pub usrid: String,
    pub payload: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// One line of the audit trail, to be written.
pub struct AuditLine<'a> {
    pub tenant: &'a str,
    pub usrid: &'a str,
    pub event: AuditEvent,
    pub hrd_code: Option<&'a str>,
    pub eval_cd: Option<&'a str>,
    pub class_tme: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl<'a> AuditLine<'a> {
    /// A line with no code, EVAL_CD or detail yet.
    pub fn new(tenant: &'a str, usrid: &'a str, event: AuditEvent) -> Self {
        AuditLine {
            tenant,
            usrid,
            event,
            hrd_code: None,
            eval_cd: None,
            class_tme: None,
            detail: None,
        }
    }
}

/// A code check's writes, handed to the store whole and committed together: its audit lines and
/// what HRD's answer does to the trainee's count. Owned, so it can travel to SQLite's writer thread.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckRecord {
    pub at: i64,
    pub tenant: String,
    pub usrid: String,
    /// In the order they are written.
    pub lines: Vec<CheckLine>,
    pub change: AttemptChange,
}

/// One audit line of a [`CheckRecord`] (its tenant, USRID and time are the record's).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckLine {
    pub event: AuditEvent,
    pub hrd_code: Option<String>,
    pub eval_cd: Option<String>,
    pub class_tme: Option<String>,
}

/// What a code check's answer does to the trainee's row in `attempts`.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptChange {
    /// Nothing (HRD refused the check for a reason that is not a count).
    Unchanged,
    /// AP001: one more consecutive failure; the store answers the count after it.
    Failure,
    /// 200: the count starts again, the accepted code's fingerprint is remembered, and the
    /// receipt issued for it is stored.
    Passed {
        fingerprint: String,
        receipt_id: String,
    },
    /// AP009.
    Locked,
    /// HRD did not answer, or answered an internal error.
    HrdDown,
}

/// One stored line of the audit trail.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub tenant: String,
    pub usrid: String,
    pub event: String,
    pub hrd_code: Option<String>,
    pub eval_cd: Option<String>,
    pub class_tme: Option<String>,
    pub detail: Option<String>,
}

/// A staff member of one institution, who signs in to the help desk's console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAccount {
    pub login: String,
    pub tenant: String,
    /// Argon2id, as a PHC string (algorithm, parameters, salt and hash together).
    pub password_hash: String,
    pub created_at: i64,
}

/// A signed-in staff member, as stored (shared by every instance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSession {
    /// SHA-256 of the cookie's secret (hex): the table alone opens no session.
    pub id: String,
    pub login: String,
    pub tenant: String,
    /// The token every form of this session carries.
    pub csrf: String,
    pub lang: motp_protocol::i18n::Lang,
    pub created_at: i64,
    /// The last request: 30 minutes after it the session is over.
    pub seen_at: i64,
}

/// A receipt-signing key, as stored.
pub struct ReceiptKeyRecord {
    pub kid: String,
    /// PKCS#8, base64.
    pub private_key: String,
    /// The raw public key, base64url.
    pub public_key: String,
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_reads_back_as_written_and_unknown_values_are_errors() {
        for s in CheckStatus::ALL {
            assert_eq!(s.as_str().parse::<CheckStatus>(), Ok(*s));
        }
        for k in OutboxKind::ALL {
            assert_eq!(k.as_str().parse::<OutboxKind>(), Ok(*k));
        }
        for e in AuditEvent::ALL {
            assert_eq!(e.as_str().parse::<AuditEvent>(), Ok(*e));
        }
        let typo = "succeded".parse::<CheckStatus>().unwrap_err();
        assert_eq!(typo.to_string(), "unknown CheckStatus \"succeded\"");
    }

    fn check(status: CheckStatus, created_at: i64, completed_at: Option<i64>) -> IdentityCheck {
        IdentityCheck {
            check_id: "c".into(),
            tenant: "t".into(),
            usrid: "u".into(),
            provider: ProviderKind::Sandbox,
            origin: "https://lms.example".into(),
            purpose: Purpose::Reset,
            status,
            created_at,
            completed_at,
            sms_code: None,
            result_code: None,
            trnid: None,
            trndt: None,
            name: None,
            tel: None,
            return_to: None,
        }
    }

    #[test]
    fn a_check_expires_ten_minutes_after_its_last_step() {
        let pending = check(CheckStatus::Pending, 0, None);
        assert_eq!(pending.visible_status(600), IdentityStatus::Pending);
        assert_eq!(pending.visible_status(601), IdentityStatus::Expired);
        let done = check(CheckStatus::Succeeded, 0, Some(500));
        assert_eq!(done.visible_status(1100), IdentityStatus::Succeeded);
        assert_eq!(done.visible_status(1101), IdentityStatus::Expired);
        let used = check(CheckStatus::Used, 0, Some(10));
        assert_eq!(used.visible_status(10_000), IdentityStatus::Used);
    }
}
