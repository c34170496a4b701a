//! TOTP verifications per second on one core (`make bench`). Not a test: it reports, never asserts.
//!
//! - `code`: one RFC 6238 code from a prepared key (what the phone computes each minute);
//! - `window check`: the verifier's work for one attempt, the current step ±1 (up to 3 codes);
//! - `accredit`: the sandbox's whole otp_accredit decision (lookup, key derivation, window, count).

use hrd_sandbox::form::Fields;
use hrd_sandbox::registry::Registry;
use hrd_sandbox::totp::{app_key, format_code, hotp, time_step};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn rate(label: &str, mut op: impl FnMut(u64)) {
    // Warm up, then run for about a second.
    for i in 0..10_000 {
        op(i);
    }
    let mut n = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(1) {
        for _ in 0..10_000 {
            op(n);
            n += 1;
        }
    }
    let per_sec = n as f64 / start.elapsed().as_secs_f64();
    println!(
        "{label:<40} {:>12.0} /s/core  ({:.0} ns each)",
        per_sec,
        1e9 / per_sec
    );
}

fn main() {
    let key = app_key(b"bench-device-secret-", "1234");
    let t0: i64 = 1_795_773_620;
    rate("code (HMAC-SHA1 + truncation)", |i| {
        black_box(hotp(&key, black_box(i), 6));
    });
    let wrong = 1_000_000u32; // never a 6-digit code: the worst case checks all 3 steps
    rate("window check, wrong code (3 codes)", |i| {
        let step = time_step(t0 + (i as i64 % 86_400), 60);
        let hit = (step - 1..=step + 1).any(|s| hotp(&key, s, 6) == black_box(wrong));
        black_box(hit);
    });
    let mut registry = Registry::default();
    let device = registry
        .register("홍길동", "01012345678", "1234", [7; 20], t0)
        .unwrap();
    let good = registry.devices[&device].code_at("1234", t0);
    let bad = format_code((good.parse::<u32>().unwrap() + 1) % 1_000_000);
    let form: Fields = [
        ("USER_NM", "홍길동"),
        ("USER_TEL", "01012345678"),
        ("OTPNO", bad.as_str()),
        ("AGTID", "AGT1"),
        ("USRID", "u1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    rate("accredit, wrong code (whole decision)", |_| {
        // Keep the trainee unlocked so every call does the full check.
        registry.people.values_mut().for_each(|p| p.failures = 0);
        black_box(registry.accredit(&form, t0));
    });
}
