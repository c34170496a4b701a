//! Strict `application/x-www-form-urlencoded` parsing. Unlike the lenient decoders, it refuses bytes
//! that do not decode to UTF-8 instead of replacing them, so the sandbox can answer as HRD does.

use percent_encoding::percent_decode;
use std::collections::BTreeMap;

#[derive(Debug, PartialEq, Eq)]
pub struct NotUtf8;

/// Fields by name; a repeated field keeps its first value.
pub type Fields = BTreeMap<String, String>;

pub fn parse(body: &[u8]) -> Result<Fields, NotUtf8> {
    let mut fields = Fields::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let name = decode(name)?;
        let value = decode(value)?;
        fields.entry(name).or_insert(value);
    }
    Ok(fields)
}

fn decode(raw: &[u8]) -> Result<String, NotUtf8> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    percent_decode(&plus_as_space)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| NotUtf8)
}

/// A field's value, trimmed, or "" when absent.
pub fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.get(name).map(|v| v.trim()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_korean_plus_and_percent() {
        let f = parse(b"USER_NM=%ED%99%8D%EA%B8%B8%EB%8F%99&A=x+y&B=&C").unwrap();
        assert_eq!(f["USER_NM"], "홍길동");
        assert_eq!(f["A"], "x y");
        assert_eq!(f["B"], "");
        assert_eq!(f["C"], "");
    }

    #[test]
    fn refuses_bytes_that_are_not_utf8() {
        assert_eq!(parse(b"USER_NM=%B1%E8"), Err(NotUtf8)); // "김" in EUC-KR
        assert_eq!(parse(b"USER_NM=\xb1\xe8"), Err(NotUtf8));
    }

    #[test]
    fn first_value_wins() {
        let f = parse(b"A=1&A=2").unwrap();
        assert_eq!(f["A"], "1");
    }
}
