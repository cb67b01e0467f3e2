//! The middleware stack, outermost first. Order is a security property:
//! 1. request id and tracing wrap everything, so every log line of a request carries its id;
//! 2. security headers and the cache rule come next, above the timeout and the body limit, so
//!    every response carries them: the 408 of a timeout and the 413 of an oversized body as much
//!    as errors, redirects, static files and the refusals of the auth layers;
//! 3. the timeout and the body limit, so no request can hold the server; a handler that panics
//!    is answered 500 (not a dropped connection) inside them;
//! 4. sessions load before CSRF, which needs the session's token;
//! 5. CSRF runs before authentication, so a forged cookie request is refused before anything
//!    acts on who it claims to be; bearer requests are exempt (browsers never add the header);
//! 6. authentication turns a session or a bearer token into a `Principal`;
//! 7. MFA confines a session that has not passed its second factor (or, when required, has
//!    none) to the MFA pages;
//! 8. login-required refuses everything else without a principal: nothing is reachable
//!    anonymously unless the gate lists it;
//! 9. rate limits sit in the sign-in handlers, which alone know the account being tried.

use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// `default-src 'self'` and nothing inline: the theme has no inline script or style, and item
/// text is sanitized, so a page cannot run script it did not load from this server.
pub(crate) const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

/// Two years, subdomains included: only sent when people reach us over https.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Public theme files the sign-in page loads: the same for everyone, so caches may keep them.
/// Every other response is `no-store`: pages, API answers and sign-in forms are private to who
/// asked (or carry a CSRF token) and must not outlive the session in a browser or proxy cache.
const SHARED_FILES: [&str; 2] = ["/assets/style.css", "/assets/favicon.svg"];

/// Largest request body accepted (edits are small YAML/Markdown files).
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;
/// Requests that take longer are answered 408 rather than holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Wraps `router` in the stack. `ServiceBuilder` applies layers top to bottom as written
/// (the first is the outermost).
pub(crate) fn stack(router: Router<AppState>, state: AppState) -> Router {
    stack_with_timeout(router, state, REQUEST_TIMEOUT)
}

/// [`stack`] with another request timeout (tests).
pub(crate) fn stack_with_timeout(
    router: Router<AppState>,
    state: AppState,
    timeout: Duration,
) -> Router {
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
                // 2. Security headers and the cache rule on every response.
                .layer(security_headers(hsts))
                .layer(from_fn(cache_rule))
                // 3. Nothing holds the server; a panic is a 500.
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
                .layer(CatchPanicLayer::custom(panic_response))
                // The auth layers (axum `from_fn`) take axum's own body type.
                .map_request(|request: axum::http::Request<_>| request.map(Body::new))
                // 4.-8. Sessions, CSRF, authentication, MFA, login required.
                .layer(from_fn_with_state(state.clone(), auth::load_session))
                .layer(from_fn_with_state(state.clone(), auth::check_csrf))
                .layer(from_fn_with_state(state.clone(), auth::authenticate))
                .layer(from_fn_with_state(state.clone(), auth::require_mfa))
                .layer(from_fn(auth::require_login)),
        )
        .with_state(state)
}

/// `Cache-Control: no-store` on every response but the shared theme files, replacing whatever a
/// handler set (the validators stay: API clients may still revalidate with `If-None-Match`).
async fn cache_rule(request: Request, next: Next) -> Response {
    let shared = SHARED_FILES.contains(&request.uri().path());
    let mut response = next.run(request).await;
    if !shared {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// A handler panicked: the client gets the API's generic 500 (the detail goes to the log), and
/// the connection stays usable.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::Internal(format!("a handler panicked: {message}")).into_response()
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

#[cfg(test)]
mod tests;
