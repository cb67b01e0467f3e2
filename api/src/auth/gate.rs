//! Layers 6 and 7: MFA and login-required. Everything needs a signed-in user except the
//! sign-in and first-run pages, the two theme files they use, and `/healthz`. A session of a
//! user with MFA that has not passed it reaches only the MFA step; when the configuration
//! requires MFA, a user without it reaches only the enrollment pages. Pages answer with a
//! redirect (people), `/api/` routes with 401/403 JSON (scripts).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Principal, Via};
use crate::error::ApiError;
use crate::state::AppState;

/// Reachable without signing in.
const PUBLIC: [&str; 7] = [
    "/healthz",
    "/livez",
    // Git hosts cannot sign in: the hook checks the body's HMAC signature instead.
    crate::routes::GIT_HOOK,
    "/login",
    "/setup",
    "/assets/style.css",
    "/assets/favicon.svg",
];
/// The second step of signing in.
pub(crate) const MFA_STEP: &str = "/login/mfa";
/// MFA enrollment (and its QR image).
pub(crate) const ENROLL: &str = "/account/mfa";
const ENROLL_QR: &str = "/account/mfa/qr.svg";
const LOGOUT: &str = "/logout";

/// Layer 6.
pub(crate) async fn require_mfa(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let Some(principal) = request.extensions().get::<Principal>() else {
        return next.run(request).await;
    };
    if PUBLIC.contains(&path) || path == LOGOUT {
        return next.run(request).await;
    }
    if let Via::Session { mfa_passed, .. } = principal.via {
        if principal.user.has_mfa && !mfa_passed {
            return if path == MFA_STEP {
                next.run(request).await
            } else {
                refuse(path, "finish signing in with your second factor", MFA_STEP)
            };
        }
        if state.config.mfa_required && !principal.user.has_mfa {
            return if path == ENROLL || path == ENROLL_QR {
                next.run(request).await
            } else {
                refuse(path, "this server requires MFA: enroll first", ENROLL)
            };
        }
    }
    next.run(request).await
}

/// Layer 7.
pub(crate) async fn require_login(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.extensions().get::<Principal>().is_some() || PUBLIC.contains(&path) {
        return next.run(request).await;
    }
    if is_api(path) {
        return ApiError::Unauthorized("sign in, or send Authorization: Bearer <token>".to_owned())
            .into_response();
    }
    let next_page = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
    let target = format!("/login?next={}", encode(next_page));
    see_other(&target)
}

fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn refuse(path: &str, message: &str, page: &str) -> Response {
    if is_api(path) {
        ApiError::Forbidden(message.to_owned()).into_response()
    } else {
        see_other(page)
    }
}

/// 303 to `target` (a path on this server).
pub(crate) fn see_other(target: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, target.to_owned())],
    )
        .into_response()
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Where to go after signing in: a path of this server, as the `url` crate (a WHATWG URL
/// parser, as browsers use) resolves it against this server's origin; anything else is `/`,
/// so the sign-in pages cannot be used to send people elsewhere. Refused before parsing:
/// anything but an absolute path, and control characters, whitespace and backslashes, which
/// parsers drop or read as `/` (`/\t/evil` and `/\\evil` are `//evil` to a browser). Refused
/// after: another origin, and a path that itself starts with `//` (`/.//evil` resolves to it).
/// The answer is the parser's serialization of the path, query and fragment, so it is ASCII.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    next.and_then(same_origin_path)
        .unwrap_or_else(|| "/".to_owned())
}

/// Stands for this server's origin: the server need not know the name it is reached by, only
/// that the target keeps whatever origin it is resolved against.
const OWN_ORIGIN: &str = "http://this-server.invalid/";

fn same_origin_path(next: &str) -> Option<String> {
    if !next.starts_with('/')
        || next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    let base = url::Url::parse(OWN_ORIGIN).ok()?;
    let resolved = base.join(next).ok()?;
    if resolved.origin() != base.origin()
        || !resolved.username().is_empty()
        || resolved.password().is_some()
    {
        return None;
    }
    let path = &resolved[url::Position::BeforePath..];
    (path.starts_with('/') && !path.starts_with("//")).then(|| path.to_owned())
}
