//! Layer 3, sessions: loads the server-side session named by the signed cookie into the
//! request's extensions. A cookie whose session has ended is removed from the browser.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::SignedCookieJar;

use super::cookie;
use crate::accounts::{Session, sha256_hex};
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) async fn load_session(
    State(state): State<AppState>,
    jar: SignedCookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    let Some(id) = cookie::session_id(&jar) else {
        return next.run(request).await;
    };
    if let Some(session) = state.auth_cache.session(&sha256_hex(&id)) {
        request.extensions_mut().insert::<Session>(session);
        return next.run(request).await;
    }
    match state.accounts.session(&id, state.config.session_idle).await {
        Ok(Some(session)) => {
            state.auth_cache.keep_session(&session);
            request.extensions_mut().insert::<Session>(session);
            next.run(request).await
        }
        Ok(None) => {
            let response = next.run(request).await;
            (jar.remove(cookie::removal()), response).into_response()
        }
        Err(err) => ApiError::accounts("loading the session", &err).into_response(),
    }
}
