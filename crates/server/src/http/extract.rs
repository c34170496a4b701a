//! Who is asking: the trainee (from the launch token, never from the body), an LMS's own server
//! (HTTP Basic with its tenant id and secret), and the client's IP (from the connection, or from a
//! trusted proxy's X-Forwarded-For).

use super::error::AppError;
use super::AppState;
use crate::domain::trainee::Trainee;
use crate::domain::Error;
use crate::domain::{jwt, limits};
use crate::tenant::Tenant;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, Extensions, HeaderMap};
use std::net::{IpAddr, SocketAddr};

impl FromRequestParts<AppState> for Trainee {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(AppError::MissingToken)?;
        let gw = &state.gateway;
        let bearer = bearer.trim();
        let trainee = jwt::verify(bearer, &gw.tenants, gw.now()).inspect_err(|reason| {
            // For the LMS developer reading the logs: why, and whose (never the token itself).
            let iss = jwt::peek_issuer(bearer);
            tracing::warn!(?iss, %reason, "launch token refused");
        })?;
        // A browser call must come from one of this tenant's LMS pages, not another tenant's.
        if let Some(origin) = parts.headers.get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or("");
            if !trainee.tenant.allows_origin(origin) {
                tracing::warn!(tenant = %trainee.tenant.id, ?origin, "origin not among the tenant's origins");
                return Err(Error::OriginNotAllowed.into());
            }
        }
        Ok(trainee)
    }
}

/// An LMS server calling server-to-server: `Authorization: Basic base64(tenant_id:secret)`.
pub struct LmsServer(pub Tenant);

impl FromRequestParts<AppState> for LmsServer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        use base64::Engine;
        let credentials = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b| {
                base64::engine::general_purpose::STANDARD
                    .decode(b.trim())
                    .ok()
            })
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let (id, key) = credentials
            .as_deref()
            .and_then(|text| text.split_once(':'))
            .ok_or(Error::Unauthorized)?;
        let gw = &state.gateway;
        // Failed logins are throttled per tenant and address (an unknown tenant id counts as one
        // tenant, so made-up ids cannot fill memory); over the limit even the right key waits.
        let ip = request_ip(&parts.extensions, &parts.headers, &state.trusted_proxies)?;
        let tenant_id = gw.tenants.get(id).map_or("?", |t| t.id.as_str());
        let door = limits::Door::FailedLogin {
            tenant: tenant_id,
            ip,
        };
        let now = gw.now();
        limits::check(gw, door, now).await?;
        match gw.tenants.authenticate(id, key) {
            Some(tenant) => Ok(LmsServer(tenant.clone())),
            None => {
                tracing::warn!(tenant = tenant_id, %ip, "HTTP Basic login refused");
                // Counted; its own refusal (over the limit now) is for the next attempt.
                let _ = limits::admit(gw, door, now).await;
                Err(Error::Unauthorized.into())
            }
        }
    }
}

/// The trainee's IP address as HRD wants it in EXIP.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        request_ip(&parts.extensions, &parts.headers, &state.trusted_proxies).map(ClientIp)
    }
}

/// The client's address for a request with these extensions and headers (see [`client_ip`]).
pub fn request_ip(
    extensions: &Extensions,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Result<IpAddr, AppError> {
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
        .ok_or_else(|| Error::Internal("served without connect info".into()))?;
    // Every line, in order: HAProxy's `option forwardfor` adds a line of its own rather than
    // appending to the client's. A line that is not text reads as garbage (and stops the walk).
    let lines: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("?"))
        .collect();
    Ok(client_ip(peer, &lines, trusted))
}

/// The peer, unless it is a trusted proxy: then, walking the X-Forwarded-For `lines` (all of them,
/// joined in order) from the right, the first address that is not a trusted proxy — the one the
/// outermost trusted proxy saw connecting. Addresses to the left of it are the client's own
/// words. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.2`, what a dual-stack socket reports) are
/// read as the IPv4 address they are. An entry that is not an address stops the walk: the peer.
pub fn client_ip(peer: IpAddr, lines: &[&str], trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|t| t.to_canonical() == *ip);
    if !is_trusted(&peer) {
        return peer;
    }
    lines
        .iter()
        .flat_map(|line| line.split(','))
        .rev()
        .map(str::trim)
        .map_while(forwarded_address)
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// One X-Forwarded-For entry: an address, or an address with a port (`203.0.113.7:5123`,
/// `[2001:db8::1]:443`), canonical.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trainee: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = ["198.51.100.1, 203.0.113.7"];
        assert_eq!(client_ip(trainee, &["1.2.3.4"], &[proxy]), trainee);
        assert_eq!(client_ip(proxy, &spoofed, &[proxy]), trainee);
        assert_eq!(client_ip(proxy, &[], &[proxy]), proxy);
        assert_eq!(client_ip(proxy, &["garbage"], &[proxy]), proxy);
        let inner: IpAddr = "10.0.0.3".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &["203.0.113.7, 10.0.0.3"], &[proxy, inner]),
            trainee
        );
    }

    #[test]
    fn every_line_counts_and_the_rightmost_untrusted_address_is_the_client() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trainee: IpAddr = "203.0.113.7".parse().unwrap();
        // HAProxy `option forwardfor`: the client's own line first, the proxy's line after it.
        let lines = ["198.51.100.1", "203.0.113.7"];
        assert_eq!(client_ip(proxy, &lines, &[proxy]), trainee);
        let lines = ["198.51.100.1, 192.0.2.1", "203.0.113.7"];
        assert_eq!(client_ip(proxy, &lines, &[proxy]), trainee);
        // Two trusted hops, each writing its own line.
        let inner: IpAddr = "10.0.0.3".parse().unwrap();
        let lines = ["6.6.6.6", "203.0.113.7", "10.0.0.3"];
        assert_eq!(client_ip(proxy, &lines, &[proxy, inner]), trainee);
        // Ports, as some proxies write them.
        assert_eq!(client_ip(proxy, &["203.0.113.7:5123"], &[proxy]), trainee);
        let v6: IpAddr = "2001:db8::7".parse().unwrap();
        assert_eq!(client_ip(proxy, &["[2001:db8::7]:443"], &[proxy]), v6);
        // Garbage written after the client's address by a broken hop stops the walk.
        assert_eq!(client_ip(proxy, &["203.0.113.7, junk"], &[proxy]), proxy);
    }

    #[test]
    fn ipv4_mapped_addresses_are_their_ipv4_address() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let mapped_proxy: IpAddr = "::ffff:10.0.0.2".parse().unwrap();
        let trainee: IpAddr = "203.0.113.7".parse().unwrap();
        // A dual-stack listener reports the proxy mapped: it is still the trusted proxy.
        assert_eq!(client_ip(mapped_proxy, &["203.0.113.7"], &[proxy]), trainee);
        // A trusted proxy configured mapped matches the plain peer.
        assert_eq!(client_ip(proxy, &["203.0.113.7"], &[mapped_proxy]), trainee);
        // A mapped client address is counted (and sent as EXIP) as IPv4.
        assert_eq!(client_ip(proxy, &["::ffff:203.0.113.7"], &[proxy]), trainee);
        assert_eq!(
            client_ip("::ffff:203.0.113.7".parse().unwrap(), &[], &[proxy]),
            trainee
        );
        // A mapped address of a trusted proxy in the header is skipped like the proxy itself.
        assert_eq!(
            client_ip(proxy, &["203.0.113.7, ::ffff:10.0.0.2"], &[proxy]),
            trainee
        );
    }
}
