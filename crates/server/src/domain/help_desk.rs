//! What the console shows a tenant's staff: one trainee (where they stand, their timeline, what to
//! tell them) and today (counts since midnight KST, who is locked, resets waiting or refused, HRD's
//! availability, the last 24 hours by hour). Every read names the staff member's tenant.

use super::advice::{self, Facts};
use super::error::{Error, Result};
use super::timeline::{self, CodeAnswer, Timeline};
use super::Gateway;
use crate::model::{AttemptState, AuditEvent, AuditRow, OutboxItem, OutboxKind, OutboxStatus};
use crate::tenant::Tenant;
use motp_protocol::advice::Advice;

/// Where a trainee stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub attempts: AttemptState,
    pub locked_since: Option<i64>,
    /// The last code check: when, what it meant, HRD's code as recorded.
    pub last_answer: Option<(i64, CodeAnswer, String)>,
    /// The last reset: when, its state, HRD's answer.
    pub last_reset: Option<(i64, OutboxStatus, Option<String>)>,
}

/// One trainee, for the console.
pub struct TraineePage {
    pub usrid: String,
    pub standing: Standing,
    pub timeline: Timeline,
    pub advice: Vec<Advice>,
}

/// `GET /console/trainees/{usrid}`: the trainee of `tenant`; another tenant's, or one the gateway
/// never saw, is not found.
pub async fn trainee(gw: &Gateway, tenant: &Tenant, usrid: &str) -> Result<TraineePage> {
    if !super::trainee::is_usrid(usrid) {
        return Err(Error::Invalid(
            "usrid must be 1-64 letters, digits and _-.@".into(),
        ));
    }
    let store = &gw.store;
    let t = tenant.id.as_str();
    let audit = store
        .audit_range(t, i64::MIN, i64::MAX, Some(usrid))
        .await?;
    let checks = store.identity_checks_of(t, usrid).await?;
    let resets = store.outbox_of(t, usrid, OutboxKind::Reset).await?;
    if audit.is_empty() && checks.is_empty() && !store.attempts_known(t, usrid).await? {
        return Err(Error::NotFound(format!("no trainee {usrid} here")));
    }
    let attempts = store.attempts(t, usrid).await?;
    let timeline = timeline::build(&audit, &checks, &resets);
    let advice = advice::advise(&Facts {
        timeline: &timeline,
        attempts,
        substitute_allowed: tenant.substitute_allowed,
    });
    let standing = Standing {
        attempts,
        locked_since: attempts
            .locked
            .then(|| timeline::locked_since(&timeline))
            .flatten(),
        last_answer: timeline::last_answer(&timeline)
            .map(|(at, answer, code)| (at, answer.clone(), code.to_string())),
        last_reset: timeline::last_reset(&timeline)
            .map(|(at, status, answer)| (at, status, answer.map(str::to_string))),
    };
    Ok(TraineePage {
        usrid: usrid.to_string(),
        standing,
        timeline,
        advice,
    })
}

/// The outcomes Today counts and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Verified,
    WrongCode,
    Locked,
    NotRegistered,
    ReRegisteredWhileLocked,
    HrdUnavailable,
    Substitute,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Verified,
        Outcome::WrongCode,
        Outcome::Locked,
        Outcome::NotRegistered,
        Outcome::ReRegisteredWhileLocked,
        Outcome::HrdUnavailable,
        Outcome::Substitute,
    ];

    /// What an audit line counts as, if anything.
    pub fn of(row: &AuditRow) -> Option<Outcome> {
        match row.event.parse::<AuditEvent>().ok()? {
            AuditEvent::Verify => {
                match CodeAnswer::from_recorded(row.hrd_code.as_deref().unwrap_or_default()) {
                    CodeAnswer::Verified => Some(Outcome::Verified),
                    CodeAnswer::WrongCode => Some(Outcome::WrongCode),
                    CodeAnswer::Locked => Some(Outcome::Locked),
                    CodeAnswer::NotRegistered => Some(Outcome::NotRegistered),
                    CodeAnswer::ReRegisteredWhileLocked => Some(Outcome::ReRegisteredWhileLocked),
                    CodeAnswer::HrdUnavailable => Some(Outcome::HrdUnavailable),
                    CodeAnswer::Busy | CodeAnswer::Other => None,
                }
            }
            AuditEvent::Substitute => Some(Outcome::Substitute),
            _ => None,
        }
    }
}

/// Counts by outcome, in [`Outcome::ALL`]'s order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts(pub [u32; 7]);

impl Counts {
    pub fn of(rows: &[AuditRow]) -> Counts {
        let mut counts = Counts::default();
        for outcome in rows.iter().filter_map(Outcome::of) {
            counts.0[outcome as usize] += 1;
        }
        counts
    }

    pub fn get(&self, outcome: Outcome) -> u32 {
        self.0[outcome as usize]
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
const KST_OFFSET: i64 = 9 * HOUR;

/// Midnight in Korea, the day `now` is in.
pub fn kst_midnight(now: i64) -> i64 {
    now - (now + KST_OFFSET).rem_euclid(DAY)
}

/// The last 24 hours by clock hour, oldest first: each hour's start and counts (the hour `now` is
/// in last).
pub fn hourly(rows: &[AuditRow], now: i64) -> Vec<(i64, Counts)> {
    let first = now - now.rem_euclid(HOUR) - 23 * HOUR;
    let mut hours: Vec<(i64, Counts)> = (0..24)
        .map(|h| (first + h * HOUR, Counts::default()))
        .collect();
    for row in rows.iter().filter(|r| r.at >= first && r.at <= now) {
        if let Some(outcome) = Outcome::of(row) {
            hours[((row.at - first) / HOUR) as usize].1 .0[outcome as usize] += 1;
        }
    }
    hours
}

/// HRD's availability: of the code checks sent, how many it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Availability {
    pub asked: u32,
    pub answered: u32,
}

impl Availability {
    pub fn of(rows: &[AuditRow]) -> Availability {
        let mut a = Availability {
            asked: 0,
            answered: 0,
        };
        for row in rows
            .iter()
            .filter(|r| r.event == AuditEvent::Verify.as_str())
        {
            a.asked += 1;
            let answer = CodeAnswer::from_recorded(row.hrd_code.as_deref().unwrap_or_default());
            if answer != CodeAnswer::HrdUnavailable {
                a.answered += 1;
            }
        }
        a
    }

    /// Percent answered, when anything was asked.
    pub fn percent(&self) -> Option<u32> {
        (self.asked > 0).then(|| self.answered * 100 / self.asked)
    }
}

/// The Today page.
pub struct Today {
    pub now: i64,
    pub since: i64,
    pub counts: Counts,
    /// USRID and when their record last changed.
    pub locked: Vec<(String, i64)>,
    pub resets_queued: Vec<OutboxItem>,
    /// Refused in the last week.
    pub resets_refused: Vec<OutboxItem>,
    pub hrd_last_hour: Availability,
    pub hours: Vec<(i64, Counts)>,
}

/// `GET /console`: `tenant`'s day.
pub async fn today(gw: &Gateway, tenant: &Tenant) -> Result<Today> {
    let now = gw.now();
    let store = &gw.store;
    let t = tenant.id.as_str();
    let since = kst_midnight(now);
    let first_hour = now - now.rem_euclid(HOUR) - 23 * HOUR;
    let rows = store
        .audit_range(t, since.min(first_hour), now, None)
        .await?;
    let today_rows: Vec<AuditRow> = rows.iter().filter(|r| r.at >= since).cloned().collect();
    let last_hour: Vec<AuditRow> = rows.iter().filter(|r| r.at > now - HOUR).cloned().collect();
    let reset = OutboxKind::Reset;
    Ok(Today {
        now,
        since,
        counts: Counts::of(&today_rows),
        locked: store.locked_trainees(t).await?,
        resets_queued: store
            .outbox_in_status(t, reset, OutboxStatus::Queued, 0)
            .await?,
        resets_refused: store
            .outbox_in_status(t, reset, OutboxStatus::Refused, now - 7 * DAY)
            .await?,
        hrd_last_hour: Availability::of(&last_hour),
        hours: hourly(&rows, now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::timeline::tests::audit;

    #[test]
    fn midnight_is_korea_time() {
        // 2026-11-27 19:00:20 KST.
        let now = 1_795_773_620;
        assert_eq!(
            motp_protocol::kst::format_unix(kst_midnight(now)),
            "2026-11-27 00:00:00"
        );
        // 08:59 KST is still the same Korean day though UTC is on the day before.
        let early = motp_protocol::kst::parse_unix("2026-11-28 08:59:00").unwrap();
        assert_eq!(
            motp_protocol::kst::format_unix(kst_midnight(early)),
            "2026-11-28 00:00:00"
        );
    }

    #[test]
    fn counts_by_outcome() {
        let rows = [
            audit(1, AuditEvent::Verify, Some("200")),
            audit(2, AuditEvent::Verify, Some("AP001")),
            audit(3, AuditEvent::Verify, Some("AP001")),
            audit(4, AuditEvent::Verify, Some("AP009")),
            audit(4, AuditEvent::Lock, Some("AP009")),
            audit(5, AuditEvent::Verify, Some("AP005")),
            audit(6, AuditEvent::Verify, Some("AP011")),
            audit(7, AuditEvent::Verify, Some("timeout")),
            audit(8, AuditEvent::Verify, Some("IE001")),
            audit(9, AuditEvent::Substitute, None),
            audit(10, AuditEvent::ReceiptRedeemed, Some("200")),
        ];
        let c = Counts::of(&rows);
        assert_eq!(
            c.0,
            [1, 2, 1, 1, 1, 2, 1],
            "the lock line is not a second lock"
        );
        let a = Availability::of(&rows);
        assert_eq!((a.asked, a.answered, a.percent()), (8, 6, Some(75)));
        assert_eq!(Availability::of(&[]).percent(), None);
    }

    #[test]
    fn the_chart_has_24_hours_ending_with_this_one() {
        let now = 100 * HOUR + 30;
        let rows = [
            audit(now - 24 * HOUR, AuditEvent::Verify, Some("200")), // before the first hour
            audit(77 * HOUR + 5, AuditEvent::Verify, Some("200")),
            audit(100 * HOUR + 1, AuditEvent::Verify, Some("AP001")),
        ];
        let hours = hourly(&rows, now);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[0].0, 77 * HOUR);
        assert_eq!(hours[0].1.get(Outcome::Verified), 1);
        assert_eq!(hours[23].0, 100 * HOUR);
        assert_eq!(hours[23].1.get(Outcome::WrongCode), 1);
        assert_eq!(hours.iter().map(|h| h.1.total()).sum::<u32>(), 2);
    }
}
