//! The two gates of the preview: the `Host` header must name this machine's loopback address
//! and port, and only reads (GET, HEAD) get through.
//!
//! Binding to 127.0.0.1 keeps other machines out, but not a web page in the engineer's own
//! browser: under DNS rebinding, `evil.example` is made to resolve to 127.0.0.1 and its
//! scripts then read our pages as same-origin. The browser still sends `Host: evil.example`,
//! so refusing every host but the loopback names closes that door.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Refuses (421 Misdirected Request) a request whose `Host` is not `127.0.0.1`, `localhost` or
/// `[::1]`, with this server's port or none.
pub(crate) async fn check_host(State(port): State<u16>, request: Request, next: Next) -> Response {
    // HTTP/2 carries the host in the URI's authority instead of a header.
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if host.is_some_and(|host| is_loopback_host(host, port)) {
        return next.run(request).await;
    }
    (
        StatusCode::MISDIRECTED_REQUEST,
        format!(
            "tracebook preview answers only to http://127.0.0.1:{port}/ \
             (or localhost, [::1]): the Host header named another server\n"
        ),
    )
        .into_response()
}

/// Refuses (405) anything but GET and HEAD: the preview has no write API.
pub(crate) async fn only_reads(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::METHOD_NOT_ALLOWED,
        "tracebook preview is read-only: only GET and HEAD\n",
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

/// Whether `host` (a `Host` header value) names the loopback interface at `port`.
fn is_loopback_host(host: &str, port: u16) -> bool {
    let host = host.to_ascii_lowercase();
    let (name, rest) = if host.starts_with('[') {
        match host.split_once(']') {
            Some((address, rest)) => (&host[..=address.len()], rest),
            None => return false,
        }
    } else {
        match host.split_once(':') {
            Some((name, _)) => (name, &host[name.len()..]),
            None => (host.as_str(), ""),
        }
    };
    let port_matches = rest.is_empty()
        || rest.strip_prefix(':').is_some_and(|digits| {
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && digits.parse::<u16>() == Ok(port)
        });
    port_matches && matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn accepts_loopback_names_with_this_port_or_none() {
        for host in [
            "127.0.0.1:8000",
            "localhost:8000",
            "LOCALHOST:8000",
            "[::1]:8000",
            "127.0.0.1",
            "localhost",
            "[::1]",
        ] {
            assert!(is_loopback_host(host, 8000), "{host}");
        }
    }

    #[test]
    fn refuses_other_hosts_and_ports() {
        for host in [
            "evil.example:8000",
            "evil.example",
            "127.0.0.1:8001",
            "localhost:80",
            "localhost.:8000",
            "127.0.0.1.evil.example:8000",
            "localhost.evil.example",
            "[::1]:8001",
            "[::2]:8000",
            "[::1",
            "127.0.0.1:+8000",
            "127.0.0.1:8000:8000",
            "0.0.0.0:8000",
            "",
        ] {
            assert!(!is_loopback_host(host, 8000), "{host}");
        }
    }
}
