//! The phone app's code generator: RFC 4226 HOTP and RFC 6238 TOTP over HMAC-SHA1.
//!
//! The app password (PIN) is mixed into the key ([`app_key`]) so that a wrong password silently gives
//! a plausible, wrong code, as the FAQ describes (spec §6).

use hmac::{Hmac, Mac};
use sha1::Sha1;

type HmacSha1 = Hmac<Sha1>;

/// A key ready to compute codes: the HMAC state after absorbing the key, cloned per code so the key
/// is hashed once, not once per code.
#[derive(Clone)]
pub struct OtpKey(HmacSha1);

impl OtpKey {
    pub fn new(key: &[u8]) -> OtpKey {
        OtpKey(HmacSha1::new_from_slice(key).expect("HMAC accepts keys of any length"))
    }
}

/// The key the app derives from its device secret and the password the trainee typed.
pub fn app_key(device_secret: &[u8], app_password: &str) -> OtpKey {
    let mut mac = HmacSha1::new_from_slice(device_secret).expect("HMAC accepts any key");
    mac.update(b"hrd-motp-app-password:");
    mac.update(app_password.as_bytes());
    OtpKey::new(&mac.finalize().into_bytes())
}

/// RFC 4226 HOTP: the `digits`-digit code for `counter`, as a number (format with leading zeros).
pub fn hotp(key: &OtpKey, counter: u64, digits: u32) -> u32 {
    let mut mac = key.0.clone();
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    // Dynamic truncation (RFC 4226 §5.3).
    let offset = (hash[19] & 0x0f) as usize;
    let binary = u32::from_be_bytes([
        hash[offset] & 0x7f,
        hash[offset + 1],
        hash[offset + 2],
        hash[offset + 3],
    ]);
    binary % 10u32.pow(digits)
}

/// RFC 6238 time step for `unix_seconds`.
pub fn time_step(unix_seconds: i64, step_seconds: u64) -> u64 {
    (unix_seconds.max(0) as u64) / step_seconds
}

/// RFC 6238 TOTP at `unix_seconds`.
pub fn totp(key: &OtpKey, unix_seconds: i64, step_seconds: u64, digits: u32) -> u32 {
    hotp(key, time_step(unix_seconds, step_seconds), digits)
}

/// A 6-digit code as the app shows it, leading zeros kept.
pub fn format_code(code: u32) -> String {
    format!("{code:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_KEY: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc4226_appendix_d() {
        let key = OtpKey::new(RFC_KEY);
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, want) in expected.into_iter().enumerate() {
            assert_eq!(hotp(&key, counter as u64, 6), want, "counter {counter}");
        }
    }

    #[test]
    fn rfc6238_appendix_b_sha1() {
        let key = OtpKey::new(RFC_KEY);
        for (t, want) in [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            assert_eq!(totp(&key, t, 30, 8), want, "t={t}");
        }
        // The second row's leading zero survives formatting.
        assert_eq!(format!("{:08}", totp(&key, 1111111109, 30, 8)), "07081804");
    }

    #[test]
    fn sixty_second_step_boundaries() {
        assert_eq!(time_step(0, 60), 0);
        assert_eq!(time_step(59, 60), 0);
        assert_eq!(time_step(60, 60), 1);
        assert_eq!(time_step(119, 60), 1);
        assert_eq!(time_step(120, 60), 2);
        let key = OtpKey::new(RFC_KEY);
        // Same step → same code; the code changes exactly at the boundary.
        assert_eq!(totp(&key, 60, 60, 6), totp(&key, 119, 60, 6));
        assert_eq!(totp(&key, 59, 60, 6), hotp(&key, 0, 6));
        assert_eq!(totp(&key, 120, 60, 6), hotp(&key, 2, 6));
        assert_ne!(totp(&key, 119, 60, 6), totp(&key, 120, 60, 6));
    }

    #[test]
    fn leading_zero_codes_keep_six_digits() {
        assert_eq!(format_code(7081), "007081");
        assert_eq!(format_code(0), "000000");
        // Find a real step whose code starts with 0 and check the formatted width.
        let key = app_key(b"device-secret-0001", "1234");
        let step = (0..10_000u64)
            .find(|s| hotp(&key, *s, 6) < 100_000)
            .expect("about one code in ten starts with 0");
        let shown = format_code(hotp(&key, step, 6));
        assert_eq!(shown.len(), 6);
        assert!(shown.starts_with('0'));
    }

    #[test]
    fn a_wrong_app_password_gives_a_plausible_wrong_code() {
        let secret = b"device-secret-0002";
        let right = app_key(secret, "1234");
        let wrong = app_key(secret, "1243");
        let t = 1_795_773_605;
        let (a, b) = (totp(&right, t, 60, 6), totp(&wrong, t, 60, 6));
        assert_ne!(a, b);
        assert_eq!(format_code(b).len(), 6);
    }
}
