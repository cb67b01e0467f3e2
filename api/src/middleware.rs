//! The middleware stack, outermost first. Order is a security property: every response,
//! errors and static files included, passes back through the security headers, and the
//! request id is set before tracing so every log line of a request carries it.

use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// `default-src 'self'` and nothing inline: the theme has no inline script or style, and item
/// text is sanitized, so a page cannot run script it did not load from this server.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Largest request body accepted (edits are small YAML/Markdown files).
const BODY_LIMIT: usize = 1024 * 1024;
/// Requests that take longer are answered 408 rather than holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Wraps `router` in the stack. `ServiceBuilder` applies layers top to bottom as written.
pub(crate) fn stack(router: Router) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    router.layer(
        ServiceBuilder::new()
            // 1. Request id first, so tracing and every later layer see it.
            .layer(SetRequestIdLayer::new(
                x_request_id.clone(),
                MakeRequestUuid,
            ))
            .layer(TraceLayer::new_for_http())
            .layer(PropagateRequestIdLayer::new(x_request_id))
            // 2. Bound the work one request can cause.
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                REQUEST_TIMEOUT,
            ))
            .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
            // 3. Security headers on every response, including errors and static files.
            .layer(header_layer(
                header::CONTENT_SECURITY_POLICY,
                CONTENT_SECURITY_POLICY,
            ))
            .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
            .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
            .layer(header_layer(
                HeaderName::from_static("permissions-policy"),
                "camera=(), microphone=(), geolocation=(), payment=()",
            ))
            .layer(header_layer(
                HeaderName::from_static("cross-origin-opener-policy"),
                "same-origin",
            )),
    )
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}
