//! Who is asking: the trainee (from the launch token, never from the body), an LMS's own server
//! (HTTP Basic with its tenant id and secret), and the client's IP (from the connection, or from a
//! trusted proxy's X-Forwarded-For).

use super::error::AppError;
use super::AppState;
use crate::domain::jwt;
use crate::domain::trainee::Trainee;
use crate::domain::Error;
use crate::tenant::Tenant;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
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
        let tenant = credentials
            .as_deref()
            .and_then(|text| text.split_once(':'))
            .and_then(|(id, secret)| state.gateway.tenants.authenticate(id, secret))
            .ok_or(Error::Unauthorized)?;
        Ok(LmsServer(tenant.clone()))
    }
}

/// The trainee's IP address as HRD wants it in EXIP.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip())
            .ok_or_else(|| Error::Internal("served without connect info".into()))?;
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientIp(client_ip(peer, forwarded, &state.trusted_proxies)))
    }
}

/// The peer, unless it is a trusted proxy: then the nearest untrusted address it forwarded for.
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    forwarded_for
        .into_iter()
        .flat_map(|h| h.rsplit(','))
        .map(str::trim)
        .map_while(|s| s.parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let trainee: IpAddr = "203.0.113.7".parse().unwrap();
        let spoofed = Some("198.51.100.1, 203.0.113.7");
        assert_eq!(client_ip(trainee, Some("1.2.3.4"), &[proxy]), trainee);
        assert_eq!(client_ip(proxy, spoofed, &[proxy]), trainee);
        assert_eq!(client_ip(proxy, None, &[proxy]), proxy);
        assert_eq!(client_ip(proxy, Some("garbage"), &[proxy]), proxy);
        let inner: IpAddr = "10.0.0.3".parse().unwrap();
        assert_eq!(
            client_ip(proxy, Some("203.0.113.7, 10.0.0.3"), &[proxy, inner]),
            trainee
        );
    }
}
