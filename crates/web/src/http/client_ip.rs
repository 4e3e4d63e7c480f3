//! The client's IP address, for sign-in rate limiting and the audit trail.
//!
//! Without a proxy it is the address of the TCP peer. Behind a reverse proxy every request
//! comes from the proxy, so with [`crate::Config::trust_proxy`] the address is the last entry
//! of `X-Forwarded-For` (the one our proxy appended; earlier entries are whatever the client
//! sent and prove nothing).

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use waymark_store::Store;

use crate::AppState;

/// The client's address, if known (a request that did not come through
/// [`crate::serve_on`], such as a test driving the router directly, has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address as text for the audit trail and rate-limit keys; `"unknown"` if there is
    /// none.
    pub fn as_text(&self) -> String {
        self.0
            .map_or_else(|| "unknown".to_string(), |ip| ip.to_string())
    }

    /// Works out the address from a request's head.
    pub fn of(parts: &Parts, trust_proxy: bool) -> ClientIp {
        if trust_proxy
            && let Some(ip) = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.rsplit(',').next())
                .and_then(|last| last.trim().parse::<IpAddr>().ok())
        {
            return ClientIp(Some(ip));
        }
        ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip()),
        )
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<ClientIp, Self::Rejection> {
        Ok(ClientIp::of(parts, state.config.trust_proxy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(forwarded: Option<&str>, peer: Option<&str>) -> Parts {
        let mut builder = Request::builder().uri("/sign-in");
        if let Some(value) = forwarded {
            builder = builder.header("x-forwarded-for", value);
        }
        let (mut parts, ()) = builder
            .body(())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_parts();
        if let Some(peer) = peer {
            let addr: SocketAddr = peer.parse().unwrap_or_else(|e| panic!("{e}"));
            parts.extensions.insert(ConnectInfo(addr));
        }
        parts
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
        let p = parts(Some("198.51.100.7"), Some("192.0.2.1:5000"));
        assert_eq!(ClientIp::of(&p, false).as_text(), "192.0.2.1");
        assert_eq!(ClientIp::of(&p, true).as_text(), "198.51.100.7");
    }

    #[test]
    fn the_last_forwarded_entry_counts_not_what_the_client_claimed() {
        let p = parts(Some("10.9.9.9, 203.0.113.5"), Some("192.0.2.1:5000"));
        assert_eq!(ClientIp::of(&p, true).as_text(), "203.0.113.5");
        let junk = parts(Some("not an address"), Some("192.0.2.1:5000"));
        assert_eq!(ClientIp::of(&junk, true).as_text(), "192.0.2.1");
        assert_eq!(ClientIp::of(&parts(None, None), true).as_text(), "unknown");
    }
}
