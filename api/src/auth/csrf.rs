//! Layer 4, CSRF. Every unsafe request (POST, PUT, PATCH, DELETE) riding on a session cookie
//! must carry the session's synchronizer token, in the `X-CSRF-Token` header (fetch) or the
//! `csrf_token` form field (HTML forms, which work without script). A request with
//! `Authorization: Bearer` is exempt: a browser never adds that header by itself, so another
//! site cannot forge it. Without a session (sign-in, first-run setup) a cross-site request is
//! refused by its `Sec-Fetch-Site`/`Origin` headers instead: there is no token to compare yet.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::accounts::Session;
use crate::error::ApiError;
use crate::state::AppState;

/// The sign-in form's target.
const SIGN_IN: &str = "/login";
/// The header fetch calls send the token in.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";
/// The form field forms send it in.
pub(crate) const CSRF_FIELD: &str = "csrf_token";
/// Bodies buffered to read the form field are at most this large (the body limit is larger
/// only for JSON, which carries the token in the header).
const FORM_LIMIT: usize = 1024 * 1024;

pub(crate) async fn check_csrf(
    State(_state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if is_safe(request.method()) || has_bearer(request.headers()) {
        return next.run(request).await;
    }
    // Signing in again from a tab opened before (with a session still live) carries no token:
    // the sign-in form is anonymous. It gets the anonymous rule, and the handler replaces the
    // old session with a new one.
    if request.uri().path() == SIGN_IN {
        if is_cross_site(request.headers()) {
            return forbidden("cross-site request refused");
        }
        return next.run(request).await;
    }
    let Some(expected) = request
        .extensions()
        .get::<Session>()
        .map(|session| session.csrf_token.clone())
    else {
        if is_cross_site(request.headers()) {
            return forbidden("cross-site request refused");
        }
        return next.run(request).await;
    };
    if let Some(sent) = request.headers().get(CSRF_HEADER) {
        return if matches(sent.as_bytes(), &expected) {
            next.run(request).await
        } else {
            forbidden("wrong CSRF token")
        };
    }
    if !is_form(request.headers()) {
        return forbidden("missing CSRF token: send the X-CSRF-Token header");
    }
    // Read the form body to find the field, then hand the same bytes on to the handler.
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return ApiError::BadRequest("the form is too large".to_owned()).into_response();
    };
    let sent = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    match sent {
        Some(sent) if matches(sent.as_bytes(), &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Some(_) => forbidden("wrong CSRF token"),
        None => forbidden("missing CSRF token: reload the page and submit the form again"),
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("Bearer "))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// Browsers say where a request comes from; anything but this site (or a typed URL) is
/// refused. `Origin` is compared with `Host` when `Sec-Fetch-Site` is absent (older browsers).
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => {
            let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
            origin_host != host
        }
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Constant-time comparison: the time taken says nothing about how much of a guess was right.
fn matches(sent: &[u8], expected: &str) -> bool {
    sent.ct_eq(expected.as_bytes()).into()
}

fn forbidden(message: &str) -> Response {
    ApiError::Forbidden(message.to_owned()).into_response()
}
