//! What an address given to the server may be, read by a URL parser (never by string prefixes:
//! `http://127.0.0.1.evil.example` is not on loopback, and `https://lms.example@evil.example` is
//! not lms.example):
//!
//! - an **upstream** (HRD, e-mon, an identity provider's page): `https://`, or plain `http://` only
//!   to this machine (a host that is a loopback IP, or `localhost`);
//! - an **origin** (a tenant's LMS page, the server's own public URL): `scheme://host[:port]` as a
//!   browser writes it in `Origin` — lower-case, no default port, no userinfo, path, query or
//!   fragment — and never `null` (what sandboxed frames and `file:` pages send).

use url::{Host, Url};

/// Whether `url` names this machine: its host, parsed, is a loopback IP or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `value` as an upstream URL named by `what` (a flag or a setting): `https://`, or `http://` on
/// loopback; no userinfo (credentials come from their own settings, never a URL a log may print).
pub fn upstream(what: &str, value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("{what}: not a URL ({e})"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("{what}: no user or password in the URL"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "{what}: https:// is required (plain http:// only to loopback), not {}",
            url.host_str().unwrap_or("")
        )),
        scheme => Err(format!("{what}: https:// is required, not {scheme}:")),
    }
}

/// `value` as an origin a browser sends (see the module's rules); the reason when it is not one.
pub fn origin(value: &str) -> Result<String, String> {
    if value == "null" {
        return Err("null is not an origin a page can be trusted by".into());
    }
    let url = Url::parse(value).map_err(|e| format!("{value}: not an origin ({e})"))?;
    let host_ok = url.host_str().is_some_and(|h| !h.ends_with('.'));
    let origin_only = matches!(url.scheme(), "http" | "https")
        && host_ok
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    let serialized = url.origin().ascii_serialization();
    if !origin_only {
        return Err(format!(
            "{value}: an origin is scheme://host[:port], nothing more"
        ));
    }
    if serialized != value.trim_end_matches('/') {
        // Browsers send the canonical form: lower case, punycode, no default port.
        return Err(format!(
            "{value}: write it as browsers send it, {serialized}"
        ));
    }
    Ok(serialized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_read_from_the_parsed_host() {
        for local in [
            "http://127.0.0.1:9/x",
            "http://127.8.0.1",
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://[::1]:80",
        ] {
            assert!(is_loopback(&Url::parse(local).unwrap()), "{local}");
        }
        for remote in [
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "http://evil.example/127.0.0.1",
            "http://127.0.0.1@evil.example",
            "http://evil.example#@127.0.0.1",
            "http://10.0.0.1",
        ] {
            assert!(!is_loopback(&Url::parse(remote).unwrap()), "{remote}");
        }
    }

    #[test]
    fn upstreams_are_https_unless_on_loopback() {
        assert!(upstream("--hrd-url", "https://hrd.example/api").is_ok());
        assert!(upstream("--hrd-url", "http://127.0.0.1:9").is_ok());
        assert!(upstream("--hrd-url", "http://localhost:9").is_ok());
        for bad in [
            "http://hrd.example",
            "http://127.0.0.1.evil.example",
            "http://127.0.0.1@evil.example",
            "https://user:pw@hrd.example",
            "ftp://hrd.example",
            "file:///etc/passwd",
            "hrd.example",
            "",
        ] {
            let e = upstream("--hrd-url", bad).expect_err(bad);
            assert!(e.starts_with("--hrd-url"), "{e}");
        }
    }

    #[test]
    fn origins_are_exactly_what_browsers_send() {
        assert_eq!(
            origin("https://lms.example").unwrap(),
            "https://lms.example"
        );
        assert_eq!(
            origin("http://127.0.0.1:8080").unwrap(),
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            origin("https://lms.example/").unwrap(),
            "https://lms.example"
        );
        for bad in [
            "null",
            "*",
            "lms.example",
            "https://user@lms.example",
            "https://lms.example/path",
            "https://lms.example?x",
            "https://LMS.example",
            "https://lms.example:443",
            "https://lms.example.",
            "https://한국.example",
            "javascript:alert(1)",
            "file:///",
            "",
        ] {
            assert!(origin(bad).is_err(), "{bad}");
        }
    }
}
