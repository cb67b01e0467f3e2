//! Layer 5, authentication: `Authorization: Bearer <token>` (CI and scripts) or the session the
//! session layer loaded. The result is a [`Principal`] in the request's extensions; a request
//! without one is anonymous, and the login-required layer decides what it may reach.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Principal, Via};
use crate::accounts::{Session, sha256_hex};
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(|token| token.trim().to_owned());
    let principal = if let Some(token) = bearer {
        // A presented token that does not work is an error, never a fall-back to the cookie:
        // a script must learn at once that its token was revoked.
        let token_hash = sha256_hex(&token);
        // Only a database answer is remembered, stamped with the time it was given: refreshing
        // the entry on a cache hit would let a token used at least every TTL outlive its
        // revocation (or its user's removal) on the command line or another server forever.
        let known = match state.auth_cache.token(&token_hash) {
            Some(user) => Ok(Some(user)),
            None => match state.accounts.user_for_token(&token).await {
                Ok(Some(user)) => {
                    state.auth_cache.keep_token(token_hash, &user);
                    Ok(Some(user))
                }
                other => other,
            },
        };
        match known {
            Ok(Some(user)) => Principal {
                user,
                via: Via::Token,
            },
            Ok(None) => {
                return ApiError::Unauthorized("unknown or revoked API token".to_owned())
                    .into_response();
            }
            Err(err) => {
                return ApiError::accounts("checking a token", &err).into_response();
            }
        }
    } else if let Some(session) = request.extensions().get::<Session>() {
        Principal {
            user: session.user.clone(),
            via: Via::Session {
                id_hash: session.id_hash.clone(),
                csrf_token: session.csrf_token.clone(),
                mfa_passed: session.mfa_passed,
            },
        }
    } else {
        return next.run(request).await;
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
}
