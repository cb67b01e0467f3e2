//! The middleware stack, outermost first. Order is a security property:
//! 1. request id, tracing, timeout and body limit wrap everything, so every log line of a
//!    request carries its id and no request can hold the server;
//! 2. security headers are next, so every response below, errors, redirects, static files
//!    and refusals of the auth layers included, carries them;
//! 3. sessions load before CSRF, which needs the session's token;
//! 4. CSRF runs before authentication, so a forged cookie request is refused before anything
//!    acts on who it claims to be; bearer requests are exempt (browsers never add the header);
//! 5. authentication turns a session or a bearer token into a `Principal`;
//! 6. MFA confines a session that has not passed its second factor (or, when required, has
//!    none) to the MFA pages;
//! 7. login-required refuses everything else without a principal: nothing is reachable
//!    anonymously unless the gate lists it;
//! 8. rate limits sit in the sign-in handlers, which alone know the account being tried.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{from_fn, from_fn_with_state};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth;
use crate::state::AppState;

/// `default-src 'self'` and nothing inline: the theme has no inline script or style, and item
/// text is sanitized, so a page cannot run script it did not load from this server.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Two years, subdomains included: only sent when people reach us over https.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Largest request body accepted (edits are small YAML/Markdown files).
const BODY_LIMIT: usize = 1024 * 1024;
/// Requests that take longer are answered 408 rather than holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Wraps `router` in the stack. `ServiceBuilder` applies layers top to bottom as written
/// (the first is the outermost).
pub(crate) fn stack(router: Router<AppState>, state: AppState) -> Router {
    let x_request_id = HeaderName::from_static("x-request-id");
    let hsts = state.config.https().then(|| HeaderValue::from_static(HSTS));
    router
        .layer(
            ServiceBuilder::new()
                // 1. Request id first, so tracing and every later layer see it.
                .layer(SetRequestIdLayer::new(
                    x_request_id.clone(),
                    MakeRequestUuid,
                ))
                .layer(TraceLayer::new_for_http())
                .layer(PropagateRequestIdLayer::new(x_request_id))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
                // The auth layers (axum `from_fn`) take axum's own body type.
                .map_request(|request: axum::http::Request<_>| request.map(Body::new))
                // 2. Security headers on every response.
                .layer(security_headers(hsts))
                // 3.-7. Sessions, CSRF, authentication, MFA, login required.
                .layer(from_fn_with_state(state.clone(), auth::load_session))
                .layer(from_fn_with_state(state.clone(), auth::check_csrf))
                .layer(from_fn_with_state(state.clone(), auth::authenticate))
                .layer(from_fn_with_state(state.clone(), auth::require_mfa))
                .layer(from_fn(auth::require_login)),
        )
        .with_state(state)
}

type Header = SetResponseHeaderLayer<HeaderValue>;

/// The layers of [`security_headers`] (`ServiceBuilder` nests each new layer inside the last).
pub(crate) type SecurityHeaders = Stack<
    SetResponseHeaderLayer<Option<HeaderValue>>,
    Stack<
        Header,
        Stack<Header, Stack<Header, Stack<Header, Stack<Header, Stack<Header, Identity>>>>>,
    >,
>;

/// The security headers of every response, shared with `tracebook preview` (`preview/`);
/// `hsts` only when people reach the server over https.
pub(crate) fn security_headers(hsts: Option<HeaderValue>) -> ServiceBuilder<SecurityHeaders> {
    ServiceBuilder::new()
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
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            hsts,
        ))
}

fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}
