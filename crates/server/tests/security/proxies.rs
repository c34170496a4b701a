//! Behind a trusted proxy, EXIP (and the per-IP limit's key) is the rightmost X-Forwarded-For
//! address that is not a trusted proxy, over every header line: a client's own line, which HAProxy
//! keeps and follows with a line of its own, must not become EXIP.

use crate::target::{claims, sign, target};
use serde_json::json;

/// What HRD was told EXIP is, for each call it received.
async fn exips(t: &crate::target::Target) -> Vec<String> {
    t.upstream_calls()
        .await
        .iter()
        .filter(|c| c["kind"] == "otp_accredit")
        .map(|c| c["fields"]["EXIP"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Verifies a code for trainee `sub` with these X-Forwarded-For lines; returns the status.
async fn verify_via_proxy(t: &crate::target::Target, sub: &str, lines: &[&str]) -> u16 {
    let mut c = claims();
    c.sub = sub.into();
    let mut req = t
        .http
        .post(format!("{}/v1/otp/verify", t.url))
        .bearer_auth(sign(&c))
        .json(&json!({ "code": "123456" }));
    for line in lines {
        req = req.header("X-Forwarded-For", *line);
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn exip_is_the_rightmost_untrusted_address_over_every_line() {
    let t = target(&["--trusted-proxies", "127.0.0.1"]).await;
    for (sub, lines) in [
        // HAProxy `option forwardfor`: the client's spoofed line, then the proxy's.
        ("p1", vec!["198.51.100.1", "203.0.113.7"]),
        ("p2", vec!["198.51.100.1, 192.0.2.1", "203.0.113.8"]),
        // nginx `$proxy_add_x_forwarded_for`: one line, the proxy's address appended.
        ("p3", vec!["198.51.100.1, 203.0.113.9"]),
        // An IPv4-mapped address is its IPv4 address.
        ("p4", vec!["::ffff:203.0.113.10"]),
    ] {
        verify_via_proxy(&t, sub, &lines).await;
    }
    assert_eq!(
        exips(&t).await,
        ["203.0.113.7", "203.0.113.8", "203.0.113.9", "203.0.113.10"]
    );
}

#[tokio::test]
async fn a_spoofed_first_line_does_not_escape_the_per_ip_limit() {
    let t = target(&["--trusted-proxies", "127.0.0.1", "--per-ip-per-minute", "2"]).await;
    let mut statuses = vec![];
    for i in 0..4 {
        let spoof = format!("198.51.100.{i}");
        // A different trainee each time: only the address is shared.
        let status = verify_via_proxy(&t, &format!("ip{i}"), &[&spoof, "203.0.113.7"]).await;
        statuses.push(status);
    }
    assert_eq!(statuses[2..], [429, 429], "{statuses:?}");
}
