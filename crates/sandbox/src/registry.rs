//! HRD's view of trainees and their phones: registrations, failure counts, locks. Pure and
//! synchronous: every method takes the current time, so tests choose it.

use crate::form::{field, Fields};
use crate::totp::{app_key, format_code, hotp, time_step};
use motp_protocol::{input, kst, HrdCode, CODE_STEP_SECONDS, MAX_FAILURES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Steps either side of "now" that HRD still accepts, for phones whose clock is slightly off and
/// codes typed just as they changed (RFC 6238 §5.2 recommends one).
pub const ACCEPTED_SKEW_STEPS: u64 = 1;

/// A phone on which the app was registered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    /// Hex of the per-device secret the app received at registration.
    pub secret_hex: String,
    /// The app password chosen at registration.
    pub pin: String,
    pub name: String,
    pub tel: String,
    pub registered_at: i64,
}

impl Device {
    fn secret(&self) -> Vec<u8> {
        (0..self.secret_hex.len())
            .step_by(2)
            .filter_map(|i| u8::from_str_radix(&self.secret_hex[i..i + 2], 16).ok())
            .collect()
    }

    /// What the app shows at `unix` when the trainee typed `pin` as the app password.
    pub fn code_at(&self, pin: &str, unix: i64) -> String {
        let key = app_key(&self.secret(), pin);
        format_code(hotp(&key, time_step(unix, CODE_STEP_SECONDS), 6))
    }
}

/// A trainee as HRD knows them: exactly one name + mobile pair.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Person {
    /// The most recently registered device; earlier ones no longer verify.
    pub current_device: Option<String>,
    pub failures: u32,
    pub locked: bool,
    /// The last step whose code was accepted, so the same code cannot be used twice.
    pub last_accepted_step: Option<u64>,
}

/// Everything the sandbox must remember between requests (and, optionally, restarts).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registry {
    /// Keyed by `name\ttel`, exact as registered.
    pub people: BTreeMap<String, Person>,
    pub devices: BTreeMap<String, Device>,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterError {
    /// AP011: locked trainees must be reset in the LMS first.
    Locked,
    /// AP008: the app's own form refused the input.
    Invalid(&'static str),
}

fn person_key(name: &str, tel: &str) -> String {
    format!("{name}\t{tel}")
}

impl Registry {
    /// The app's "register" (and "mOTP 등록 초기화"): a new device for name + mobile. Registering again
    /// makes the earlier device's codes fail. The failure count belongs to the person, not the phone,
    /// so re-registering does not clear it (assumption: HRD counts per trainee).
    pub fn register(
        &mut self,
        name: &str,
        tel: &str,
        pin: &str,
        secret: [u8; 20],
        now: i64,
    ) -> Result<String, RegisterError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(RegisterError::Invalid("name is required"));
        }
        let Some(tel) = input::normalize_tel(tel) else {
            return Err(RegisterError::Invalid(
                "tel must be a Korean mobile number, e.g. 01012345678",
            ));
        };
        if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegisterError::Invalid("pin must be 4 digits"));
        }
        let person = self.people.entry(person_key(name, &tel)).or_default();
        if person.locked {
            return Err(RegisterError::Locked);
        }
        let secret_hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        let device_id = format!("dev-{}", &secret_hex[..16]);
        person.current_device = Some(device_id.clone());
        person.last_accepted_step = None;
        self.devices.insert(
            device_id.clone(),
            Device {
                secret_hex,
                pin: pin.to_string(),
                name: name.to_string(),
                tel,
                registered_at: now,
            },
        );
        Ok(device_id)
    }

    pub fn person(&self, name: &str, tel: &str) -> Option<&Person> {
        self.people.get(&person_key(name, tel))
    }

    /// `/api/v2/otp_accredit`, after the transport checks (method, Content-Type, rate).
    pub fn accredit(&mut self, form: &Fields, now: i64) -> HrdCode {
        let (name, tel, otp) = (
            field(form, "USER_NM"),
            field(form, "USER_TEL"),
            field(form, "OTPNO"),
        );
        // HRD's order of checks.
        if name.is_empty() {
            return HrdCode::Ap002;
        }
        if tel.is_empty() {
            return HrdCode::Ap003;
        }
        if otp.is_empty() {
            return HrdCode::Ap004;
        }
        if otp.len() != 6 || !otp.bytes().all(|b| b.is_ascii_digit()) {
            return HrdCode::Ap012;
        }
        if field(form, "AGTID").is_empty() || field(form, "USRID").is_empty() {
            // Assumption: HRD calls a request without the institution or user id an API error.
            return HrdCode::Ap007;
        }
        let Some(person) = self.people.get_mut(&person_key(name, tel)) else {
            return HrdCode::Ap005;
        };
        let Some(device) = person
            .current_device
            .as_ref()
            .and_then(|id| self.devices.get(id))
        else {
            return HrdCode::Ap005;
        };
        if person.locked {
            return HrdCode::Ap009;
        }
        let now_step = time_step(now, CODE_STEP_SECONDS);
        let key = app_key(&device.secret(), &device.pin);
        let matched = (now_step.saturating_sub(ACCEPTED_SKEW_STEPS)
            ..=now_step + ACCEPTED_SKEW_STEPS)
            .find(|step| format_code(hotp(&key, *step, 6)) == otp);
        // A code already accepted (or older than the last accepted one) is a replay: refused, and
        // counted like any other wrong code.
        let fresh =
            matched.filter(|step| person.last_accepted_step.is_none_or(|last| *step > last));
        match fresh {
            Some(step) => {
                person.failures = 0;
                person.last_accepted_step = Some(step);
                HrdCode::Success
            }
            None => {
                person.failures += 1;
                if person.failures >= MAX_FAILURES {
                    person.locked = true;
                    HrdCode::Ap009
                } else {
                    HrdCode::Ap001
                }
            }
        }
    }

    /// `/api/v2/user_reset`: lifts the lock when the form carries a successful identity check.
    pub fn reset(&mut self, form: &Fields) -> HrdCode {
        let (name, tel) = (field(form, "USER_NM"), field(form, "USER_TEL"));
        if name.is_empty() {
            return HrdCode::Ap002;
        }
        if tel.is_empty() {
            return HrdCode::Ap003;
        }
        let record_ok = field(form, "M_RET") == "T"
            && !field(form, "M_RETCD").is_empty()
            && !field(form, "M_TRNID").is_empty()
            && kst::parse_unix(field(form, "M_TRNDT")).is_some()
            && !field(form, "AGTID").is_empty()
            && !field(form, "USRID").is_empty();
        match self.people.get_mut(&person_key(name, tel)) {
            Some(person) if record_ok => {
                person.locked = false;
                person.failures = 0;
                HrdCode::Success
            }
            _ => HrdCode::Ap010,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_795_773_600; // 2026-11-27 19:00:00 KST, a step boundary
    const NAME: &str = "홍길동";
    const TEL: &str = "01012345678";

    fn registry() -> (Registry, String) {
        let mut r = Registry::default();
        let id = r.register(NAME, TEL, "1234", [7; 20], T0).unwrap();
        (r, id)
    }

    fn form(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn accredit_form(name: &str, tel: &str, otp: &str) -> Fields {
        form(&[
            ("USER_NM", name),
            ("USER_TEL", tel),
            ("OTPNO", otp),
            ("AGTID", "AGT1"),
            ("USRID", "u1"),
        ])
    }

    fn code(r: &Registry, id: &str, at: i64) -> String {
        r.devices[id].code_at("1234", at)
    }

    fn wrong(c: &str) -> String {
        let n: u32 = c.parse().unwrap();
        format!("{:06}", (n + 1) % 1_000_000)
    }

    #[test]
    fn the_current_code_passes_once() {
        let (mut r, id) = registry();
        let c = code(&r, &id, T0 + 10);
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &c), T0 + 10),
            HrdCode::Success
        );
        // RFC 6238 §5.2: the same code in the same step is a replay.
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &c), T0 + 20),
            HrdCode::Ap001
        );
        assert_eq!(r.person(NAME, TEL).unwrap().failures, 1);
    }

    #[test]
    fn one_step_of_skew_each_way_is_accepted_two_are_not() {
        for (offset, want) in [
            (-60, HrdCode::Success),
            (60, HrdCode::Success),
            (-120, HrdCode::Ap001),
            (120, HrdCode::Ap001),
        ] {
            let (mut r, id) = registry();
            let c = code(&r, &id, T0 + offset);
            assert_eq!(
                r.accredit(&accredit_form(NAME, TEL, &c), T0),
                want,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn fields_are_checked_in_hrds_order() {
        let (mut r, _) = registry();
        let cases = [
            (accredit_form("", "", ""), HrdCode::Ap002),
            (accredit_form(NAME, "", ""), HrdCode::Ap003),
            (accredit_form(NAME, TEL, ""), HrdCode::Ap004),
            (accredit_form(NAME, TEL, "1234"), HrdCode::Ap012),
            (accredit_form(NAME, TEL, "12345a"), HrdCode::Ap012),
            (accredit_form(NAME, TEL, "１２３４５６"), HrdCode::Ap012),
            (
                form(&[("USER_NM", NAME), ("USER_TEL", TEL), ("OTPNO", "123456")]),
                HrdCode::Ap007,
            ),
        ];
        for (f, want) in cases {
            assert_eq!(r.accredit(&f, T0), want, "{f:?}");
        }
        assert_eq!(
            r.person(NAME, TEL).unwrap().failures,
            0,
            "validation errors are not failures"
        );
    }

    #[test]
    fn ap005_when_name_or_phone_differ_by_one_character() {
        let (mut r, id) = registry();
        let c = code(&r, &id, T0);
        assert_eq!(
            r.accredit(&accredit_form("홍길둥", TEL, &c), T0),
            HrdCode::Ap005
        );
        assert_eq!(
            r.accredit(&accredit_form(NAME, "01012345679", &c), T0),
            HrdCode::Ap005
        );
        assert_eq!(
            r.accredit(&accredit_form(NAME, "010-1234-5678", &c), T0),
            HrdCode::Ap005
        );
    }

    #[test]
    fn the_fifth_failure_locks_and_then_everything_is_ap009() {
        let (mut r, id) = registry();
        let c = code(&r, &id, T0);
        let bad = wrong(&c);
        for n in 1..=4 {
            assert_eq!(
                r.accredit(&accredit_form(NAME, TEL, &bad), T0),
                HrdCode::Ap001
            );
            assert_eq!(r.person(NAME, TEL).unwrap().failures, n);
        }
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &bad), T0),
            HrdCode::Ap009
        );
        assert!(r.person(NAME, TEL).unwrap().locked);
        // Right or wrong, locked answers AP009.
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &c), T0),
            HrdCode::Ap009
        );
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &bad), T0),
            HrdCode::Ap009
        );
    }

    #[test]
    fn success_clears_the_count() {
        let (mut r, id) = registry();
        let c = code(&r, &id, T0);
        for _ in 0..4 {
            r.accredit(&accredit_form(NAME, TEL, &wrong(&c)), T0);
        }
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &c), T0),
            HrdCode::Success
        );
        assert_eq!(r.person(NAME, TEL).unwrap().failures, 0);
    }

    #[test]
    fn reset_needs_a_complete_successful_record() {
        let (mut r, id) = registry();
        let c = code(&r, &id, T0);
        for _ in 0..5 {
            r.accredit(&accredit_form(NAME, TEL, &wrong(&c)), T0);
        }
        let good = [
            ("USER_NM", NAME),
            ("USER_TEL", TEL),
            ("AGTID", "AGT1"),
            ("USRID", "u1"),
            ("M_RET", "T"),
            ("M_RETCD", "0000"),
            ("M_TRNID", "NICE-20261127-0001"),
            ("M_TRNDT", "2026-11-27 19:03:00"),
        ];
        let with = |k: &str, v: &'static str| {
            let mut f = form(&good);
            f.insert(k.to_string(), v.to_string());
            f
        };
        for bad in [
            with("M_RET", "F"),
            with("M_RETCD", ""),
            with("M_TRNID", ""),
            with("M_TRNDT", "2026-11-27T19:03:00+09:00"),
            with("M_TRNDT", "20261127190300"),
            with("USER_NM", "김철수"),
        ] {
            assert_eq!(r.reset(&bad), HrdCode::Ap010, "{bad:?}");
            assert!(r.person(NAME, TEL).unwrap().locked);
        }
        assert_eq!(r.reset(&form(&good)), HrdCode::Success);
        let p = r.person(NAME, TEL).unwrap();
        assert!(!p.locked);
        assert_eq!(p.failures, 0);
        let c = code(&r, &id, T0 + 60);
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &c), T0 + 60),
            HrdCode::Success
        );
    }

    #[test]
    fn re_registering_while_locked_is_ap011() {
        let (mut r, id) = registry();
        let bad = wrong(&code(&r, &id, T0));
        for _ in 0..5 {
            r.accredit(&accredit_form(NAME, TEL, &bad), T0);
        }
        assert_eq!(
            r.register(NAME, TEL, "1234", [8; 20], T0),
            Err(RegisterError::Locked)
        );
    }

    #[test]
    fn only_the_latest_device_verifies() {
        let (mut r, first) = registry();
        let second = r.register(NAME, TEL, "5678", [9; 20], T0).unwrap();
        assert_ne!(first, second);
        let old = code(&r, &first, T0);
        let new = r.devices[&second].code_at("5678", T0);
        assert_ne!(old, new);
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &old), T0),
            HrdCode::Ap001
        );
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &new), T0),
            HrdCode::Success
        );
    }

    #[test]
    fn a_wrong_app_password_shows_a_code_that_fails() {
        let (mut r, id) = registry();
        let shown = r.devices[&id].code_at("4321", T0);
        assert_eq!(shown.len(), 6);
        assert_eq!(
            r.accredit(&accredit_form(NAME, TEL, &shown), T0),
            HrdCode::Ap001
        );
    }

    #[test]
    fn registration_input_is_checked() {
        let mut r = Registry::default();
        assert!(matches!(
            r.register("", TEL, "1234", [1; 20], T0),
            Err(RegisterError::Invalid(_))
        ));
        assert!(matches!(
            r.register(NAME, "0212345678", "1234", [1; 20], T0),
            Err(RegisterError::Invalid(_))
        ));
        assert!(matches!(
            r.register(NAME, TEL, "12345", [1; 20], T0),
            Err(RegisterError::Invalid(_))
        ));
        // Dashes in the app's form are fine; HRD stores digits.
        r.register(NAME, "010-1234-5678", "1234", [1; 20], T0)
            .unwrap();
        assert!(r.person(NAME, TEL).is_some());
    }
}
