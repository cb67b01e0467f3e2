//! The signed-in user's own account: `GET /api/me`, and MFA enrollment at `/account/mfa`
//! (QR code at `/account/mfa/qr.svg`, served as a file because the CSP forbids `data:` images).
//! Confirming a code turns MFA on and shows ten recovery codes once.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form, Json};
use axum_extra::extract::SignedCookieJar;
use serde::Deserialize;

use super::login::{audit, internal, rotate, unix_now};
use super::table::{Access, Route};
use crate::accounts::Session;
use crate::auth::{ClientAddr, ENROLL, Principal};
use crate::pages;
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/api/me", Access::SignedIn).get(me),
        Route::new(ENROLL, Access::SignedIn)
            .get(enroll_page)
            .post(confirm),
        Route::new("/account/mfa/qr.svg", Access::SignedIn).get(qr),
    ]
}

/// Who am I: name, role, MFA, and the CSRF token a page script sends with fetch calls.
async fn me(Extension(principal): Extension<Principal>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "name": principal.user.name,
        "role": principal.user.role,
        "has_mfa": principal.user.has_mfa,
        "csrf_token": principal.csrf_token(),
    }))
}

async fn enroll_page(
    State(state): State<AppState>,
    session: Option<Extension<Session>>,
) -> Response {
    let Some(Extension(session)) = session else {
        return not_for_tokens();
    };
    enroll_form(&state, &session, StatusCode::OK, None).await
}

async fn enroll_form(
    state: &AppState,
    session: &Session,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let user = &session.user;
    let enrollment = match state.accounts.pending_mfa_enrollment(user.id).await {
        Ok(Some(pending)) => pending,
        Ok(None) => match state.accounts.begin_mfa_enrollment(user.id).await {
            Ok(begun) => begun,
            Err(err) => return internal(&err),
        },
        Err(err) => return internal(&err),
    };
    let mut context = pages::context("Two-factor sign-in");
    context.insert("user", &user.name);
    context.insert("csrf_token", &session.csrf_token);
    context.insert("has_mfa", &user.has_mfa);
    context.insert("required", &state.config.mfa_required);
    context.insert("secret", &enrollment.secret);
    context.insert("error", &error);
    pages::render(status, "enroll.html", &context)
}

async fn qr(State(state): State<AppState>, session: Option<Extension<Session>>) -> Response {
    let Some(Extension(session)) = session else {
        return not_for_tokens();
    };
    match state.accounts.pending_mfa_enrollment(session.user.id).await {
        Ok(Some(enrollment)) => match enrollment.qr_svg() {
            Some(svg) => (
                [
                    (header::CONTENT_TYPE, "image/svg+xml"),
                    // The image encodes the secret: never keep it in a cache.
                    (header::CACHE_CONTROL, "no-store"),
                ],
                svg,
            )
                .into_response(),
            None => internal(&"the QR code could not be drawn"),
        },
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => internal(&err),
    }
}

#[derive(Deserialize)]
struct ConfirmForm {
    code: String,
    /// A code of the authenticator being replaced, or a recovery code: needed when the user
    /// has a second factor already, so that a session left open cannot take it over.
    current: Option<String>,
}

async fn confirm(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Option<Extension<Session>>,
    jar: SignedCookieJar,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let Some(Extension(session)) = session else {
        return not_for_tokens();
    };
    let user = &session.user;
    if let Err(err) = state.limits.attempt(client, &user.name).await {
        return err.into_response();
    }
    if user.has_mfa {
        let current = form.current.as_deref().map(str::trim).unwrap_or_default();
        let passed = if current.is_empty() {
            Ok(None)
        } else {
            state
                .accounts
                .verify_second_factor(user.id, current, unix_now())
                .await
        };
        match passed {
            Ok(Some(_)) => {}
            Ok(None) => {
                audit(&state, "mfa_replace_refused", Some(&user.name), client, "").await;
                let error = "To replace your authenticator, enter a code from the one you use \
                             now, or one of your recovery codes.";
                return enroll_form(
                    &state,
                    &session,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(error),
                )
                .await;
            }
            Err(err) => return internal(&err),
        }
    }
    let codes = match state
        .accounts
        .confirm_mfa_enrollment(user.id, form.code.trim(), unix_now())
        .await
    {
        Ok(Some(codes)) => codes,
        Ok(None) => {
            let error =
                "That code does not match. Check the time on your phone and try the current code.";
            return enroll_form(
                &state,
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(error),
            )
            .await;
        }
        Err(err) => return internal(&err),
    };
    let mut user = user.clone();
    user.has_mfa = true;
    let session = Session { user, ..session };
    let jar = match rotate(&state, jar, &session, true).await {
        Ok(jar) => jar,
        Err(response) => return response,
    };
    audit(&state, "mfa_enrolled", Some(&session.user.name), client, "").await;
    let mut context = pages::context("Recovery codes");
    context.insert("codes", &codes);
    (
        jar,
        pages::render(StatusCode::OK, "recovery.html", &context),
    )
        .into_response()
}

fn not_for_tokens() -> Response {
    crate::ApiError::BadRequest("MFA enrollment needs a browser session".to_owned()).into_response()
}
