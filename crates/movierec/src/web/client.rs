//! Who is on the other end: the client's address, read through trusted reverse proxies.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::AppError;
use super::state::AppState;
use crate::domain::IpNet;
use crate::domain::ip_net::{canonical, mask};

/// The client's address: the TCP peer, or, when the peer is one of `--trusted-proxies`,
/// the nearest untrusted address in `X-Forwarded-For`. A header from anyone else is
/// ignored, so a client cannot pick its own address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    pub fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> Self {
        let is_trusted = |addr: IpAddr| trusted.iter().any(|net| net.contains(addr));
        let mut client = canonical(peer);
        if !is_trusted(client) {
            return Self(client);
        }
        // Each proxy appends the address it received from, so the list is read from the
        // right: the first hop that is not a trusted proxy is the client.
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        for raw in entries.into_iter().rev() {
            // What lies left of a garbled entry cannot be trusted either.
            let Some(hop) = parse_hop(raw) else { break };
            client = canonical(hop);
            if !is_trusted(client) {
                break;
            }
        }
        Self(client)
    }

    /// The key that per-address limits count under. IPv6 clients are grouped by /64:
    /// one subscriber line gets a whole /64 and can pick any address in it.
    pub fn bucket(&self) -> String {
        match self.0 {
            IpAddr::V4(v4) => v4.to_string(),
            v6 => format!("{}/64", mask(v6, 64)),
        }
    }
}

/// One `X-Forwarded-For` entry: a bare address, `v4:port` or `[v6]:port`.
fn parse_hop(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    if let Ok(addr) = raw.parse::<IpAddr>() {
        return Some(addr);
    }
    raw.parse::<SocketAddr>().ok().map(|s| s.ip())
}

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("no peer address on the request")))?;
        Ok(Self::resolve(
            peer.ip(),
            &parts.headers,
            &state.settings.trusted_proxies,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    #[test]
    fn the_header_counts_only_from_a_trusted_proxy() {
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            ClientAddr::resolve(ip("10.1.1.1"), &headers, &trusted).0,
            ip("203.0.113.9")
        );
        assert_eq!(
            ClientAddr::resolve(ip("198.51.100.7"), &headers, &trusted).0,
            ip("198.51.100.7")
        );
        assert_eq!(
            ClientAddr::resolve(ip("10.1.1.1"), &headers, &[]).0,
            ip("10.1.1.1")
        );
    }

    #[test]
    fn a_spoofed_entry_left_of_the_client_is_ignored() {
        let trusted = [IpNet::parse("10.0.0.0/8").unwrap()];
        // The client sent "1.1.1.1" itself; our proxies added the real address and
        // then their own.
        let headers = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.3"), &headers, &trusted).0,
            ip("203.0.113.9")
        );
        let headers = forwarded(&["[2001:db8::5]:4711", "garbage, 198.51.100.1:80"]);
        assert_eq!(
            ClientAddr::resolve(ip("10.0.0.3"), &headers, &trusted).0,
            ip("198.51.100.1")
        );
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let a = ClientAddr(ip("2001:db8:1:2:aaaa::1")).bucket();
        let b = ClientAddr(ip("2001:db8:1:2:bbbb::9")).bucket();
        let c = ClientAddr(ip("2001:db8:1:3::1")).bucket();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(ClientAddr(ip("192.0.2.1")).bucket(), "192.0.2.1");
        assert_eq!(
            ClientAddr::resolve(ip("::ffff:192.0.2.1"), &HeaderMap::new(), &[]).bucket(),
            "192.0.2.1"
        );
    }
}
