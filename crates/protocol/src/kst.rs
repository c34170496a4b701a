//! Korea time (UTC+9, no daylight saving) in HRD's `YYYY-MM-DD HH:MM:SS` format.

use time::{format_description::FormatItem, macros::format_description, OffsetDateTime, UtcOffset};

const HRD_FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");

/// Korea's offset from UTC.
pub const KST: UtcOffset = match UtcOffset::from_hms(9, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("UTC+9 is a valid offset"),
};

/// Formats a Unix time as HRD expects it: `2026-11-27 19:00:05` in Korea time.
pub fn format_unix(unix_seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix_seconds)
        .map(|t| t.to_offset(KST))
        .ok()
        .and_then(|t| t.format(HRD_FORMAT).ok())
        .unwrap_or_default()
}

/// A Unix time in Korea time as NICE writes it: `YYYYMMDDHHMMSS` (HRD's format, digits only).
pub fn format_compact(unix_seconds: i64) -> String {
    format_unix(unix_seconds)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// Parses HRD's `YYYY-MM-DD HH:MM:SS` (Korea time) into a Unix time; `None` when malformed.
pub fn parse_unix(text: &str) -> Option<i64> {
    time::PrimitiveDateTime::parse(text, HRD_FORMAT)
        .ok()
        .map(|t| t.assume_offset(KST).unix_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_korea_time() {
        // 2026-11-27 10:00:05 UTC is 19:00:05 in Seoul.
        assert_eq!(format_unix(1_795_773_605), "2026-11-27 19:00:05");
        // Midnight UTC is 09:00 KST the same day; 15:00 UTC is the next day in Seoul.
        assert_eq!(format_unix(0), "1970-01-01 09:00:00");
        assert_eq!(format_unix(15 * 3600), "1970-01-02 00:00:00");
        assert_eq!(format_compact(1_795_773_605), "20261127190005");
        // 2026-11-29 10:00:05 UTC is 19:00:05 in Seoul.
        assert_eq!(format_compact(1_795_946_405), "20261129190005");
    }

    #[test]
    fn parses_only_the_exact_format() {
        assert_eq!(parse_unix("2026-11-27 19:00:05"), Some(1_795_773_605));
        assert_eq!(parse_unix("2026-11-27T19:00:05"), None);
        assert_eq!(parse_unix("2026-11-27 19:00"), None);
        assert_eq!(parse_unix("2026-13-01 00:00:00"), None);
        assert_eq!(parse_unix("20261127190005"), None);
        assert_eq!(parse_unix(""), None);
    }
}
