//! The session cookie: a signed random id, `HttpOnly` (no script reads it), `SameSite=Lax` (not
//! sent on cross-site form posts), `Secure` when served over https, `Path=/`.

use axum_extra::extract::SignedCookieJar;
use axum_extra::extract::cookie::{Cookie, Key, SameSite};

use crate::config::ServerConfig;

/// The cookie's name.
pub(crate) const SESSION_COOKIE: &str = "tb_session";

/// The key that signs cookies, derived from the configured secret (at least 32 bytes, checked
/// when the configuration is built).
pub(crate) fn key(config: &ServerConfig) -> Key {
    Key::derive_from(&config.secret_key)
}

/// The session id in the request's cookie, if it is there and its signature holds.
pub(crate) fn session_id(jar: &SignedCookieJar) -> Option<String> {
    jar.get(SESSION_COOKIE)
        .map(|cookie| cookie.value().to_owned())
}

/// The cookie carrying a new session id.
pub(crate) fn session_cookie(id: String, config: &ServerConfig) -> Cookie<'static> {
    let max_age = time::Duration::seconds(
        i64::try_from(config.session_absolute.as_secs()).unwrap_or(i64::MAX),
    );
    Cookie::build((SESSION_COOKIE, id))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(config.https())
        .path("/")
        .max_age(max_age)
        .build()
}

/// What removes the session cookie (same name and path).
pub(crate) fn removal() -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, "")).path("/").build()
}
