//! The client address rate limits and audit lines use: the TCP peer, or the nearest
//! `X-Forwarded-For` entry when the server is configured to trust its reverse proxy.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;

/// The client of a request.
pub(crate) fn client_addr(parts: &Parts, trust_proxy: bool) -> IpAddr {
    if trust_proxy {
        // The proxy appends the address it saw: the last entry is the one it vouches for.
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .and_then(|addr| addr.trim().parse().ok());
        if let Some(addr) = forwarded {
            return addr;
        }
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// Extractor for the client address (see [`client_addr`]).
pub(crate) struct ClientAddr(pub(crate) IpAddr);

impl axum::extract::FromRequestParts<crate::state::AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::state::AppState,
    ) -> Result<ClientAddr, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts, state.config.trust_proxy)))
    }
}
