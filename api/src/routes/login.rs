//! Signing in and out: `/login` (name and password), `/login/mfa` (the second factor when the
//! user has one), `POST /logout`. The session id is replaced at each step that raises what the
//! session may do (password accepted, second factor accepted), so an id planted before
//! sign-in (session fixation) is worth nothing afterwards.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use axum_extra::extract::SignedCookieJar;
use serde::Deserialize;

use super::table::{Access, Route};
use crate::accounts::{SecondFactor, Session, User};
use crate::auth::{ClientAddr, MFA_STEP, Principal, cookie, safe_next, see_other};
use crate::pages;
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/login", Access::Public)
            .get(login_page)
            .post(login),
        Route::new(MFA_STEP, Access::SignedIn)
            .get(mfa_page)
            .post(mfa),
        Route::new("/logout", Access::SignedIn).post(logout),
    ]
}

#[derive(Deserialize)]
struct NextPage {
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    name: String,
    password: String,
    next: Option<String>,
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
    next: Option<String>,
}

async fn login_page(
    principal: Option<Extension<Principal>>,
    Query(query): Query<NextPage>,
) -> Response {
    let next = safe_next(query.next.as_deref());
    if principal.is_some() {
        return see_other(&next);
    }
    login_form(StatusCode::OK, &next, "", None)
}

fn login_form(status: StatusCode, next: &str, name: &str, error: Option<&str>) -> Response {
    let mut context = pages::context("Sign in");
    context.insert("next", next);
    context.insert("name", name);
    context.insert("error", &error);
    pages::render(status, "login.html", &context)
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    old: Option<Extension<Session>>,
    jar: SignedCookieJar,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    if let Err(err) = state.limits.attempt(client, &form.name).await {
        audit(&state, "login_limited", Some(&form.name), client, "").await;
        return too_many(&err);
    }
    let user = match state
        .accounts
        .verify_password(&form.name, &form.password)
        .await
    {
        Ok(Some(user)) => user,
        Ok(None) => {
            audit(
                &state,
                "login_failed",
                Some(&form.name),
                client,
                "wrong name or password",
            )
            .await;
            tracing::warn!(user = %form.name, %client, "failed sign-in");
            return login_form(
                StatusCode::UNAUTHORIZED,
                &next,
                &form.name,
                Some("Wrong name or password."),
            );
        }
        // 503 when the database is down (the client may retry), 500 for anything else.
        Err(err) => return crate::ApiError::accounts("checking a password", &err).into_response(),
    };
    if let Some(Extension(old)) = old
        && let Err(err) = end_session(&state, &old).await
    {
        return internal(&err);
    }
    let jar = match start_session(&state, jar, &user, !user.has_mfa).await {
        Ok(jar) => jar,
        Err(response) => return response,
    };
    let detail = if user.has_mfa {
        "password accepted, MFA next"
    } else {
        ""
    };
    audit(&state, "login", Some(&user.name), client, detail).await;
    let target = if user.has_mfa {
        format!("{MFA_STEP}?next={}", encode(&next))
    } else {
        next
    };
    (jar, see_other(&target)).into_response()
}

async fn mfa_page(session: Option<Extension<Session>>, Query(query): Query<NextPage>) -> Response {
    let next = safe_next(query.next.as_deref());
    match session {
        Some(Extension(session)) if !session.mfa_passed => {
            mfa_form(StatusCode::OK, &next, &session, None)
        }
        Some(_) => see_other(&next),
        None => see_other("/login"),
    }
}

fn mfa_form(status: StatusCode, next: &str, session: &Session, error: Option<&str>) -> Response {
    let mut context = pages::context("Second factor");
    context.insert("next", next);
    context.insert("csrf_token", &session.csrf_token);
    context.insert("error", &error);
    pages::render(status, "mfa.html", &context)
}

async fn mfa(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Option<Extension<Session>>,
    jar: SignedCookieJar,
    Form(form): Form<CodeForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let Some(Extension(session)) = session else {
        return see_other("/login");
    };
    if session.mfa_passed {
        return see_other(&next);
    }
    let user = &session.user;
    if let Err(err) = state.limits.attempt(client, &user.name).await {
        audit(&state, "mfa_limited", Some(&user.name), client, "").await;
        return too_many(&err);
    }
    let passed = state
        .accounts
        .verify_second_factor(user.id, form.code.trim(), unix_now())
        .await;
    let detail = match passed {
        Ok(Some(SecondFactor::Totp)) => "TOTP".to_owned(),
        Ok(Some(SecondFactor::RecoveryCode { remaining })) => {
            format!("recovery code ({remaining} left)")
        }
        Ok(None) => {
            audit(&state, "mfa_failed", Some(&user.name), client, "wrong code").await;
            tracing::warn!(user = %user.name, %client, "failed second factor");
            return mfa_form(
                StatusCode::UNAUTHORIZED,
                &next,
                &session,
                Some(
                    "That code is not valid. Use the current code from your app, or a recovery code.",
                ),
            );
        }
        Err(err) => return internal(&err),
    };
    let jar = match rotate(&state, jar, &session, true).await {
        Ok(jar) => jar,
        Err(response) => return response,
    };
    audit(&state, "mfa_passed", Some(&user.name), client, &detail).await;
    (jar, see_other(&next)).into_response()
}

async fn logout(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    session: Option<Extension<Session>>,
    jar: SignedCookieJar,
) -> Response {
    if let Some(Extension(session)) = session {
        if let Err(err) = end_session(&state, &session).await {
            return internal(&err);
        }
        audit(&state, "logout", Some(&session.user.name), client, "").await;
    }
    (jar.remove(cookie::removal()), see_other("/login")).into_response()
}

/// A new session for `user` and the jar that carries its cookie.
pub(crate) async fn start_session(
    state: &AppState,
    jar: SignedCookieJar,
    user: &User,
    mfa_passed: bool,
) -> Result<SignedCookieJar, Response> {
    let (id, _) = state
        .accounts
        .create_session(user, mfa_passed, state.config.session_absolute)
        .await
        .map_err(|err| internal(&err))?;
    Ok(jar.add(cookie::session_cookie(id, &state.config)))
}

/// Replaces `old` with a new session of the same user (after the second factor).
pub(crate) async fn rotate(
    state: &AppState,
    jar: SignedCookieJar,
    old: &Session,
    mfa_passed: bool,
) -> Result<SignedCookieJar, Response> {
    end_session(state, old)
        .await
        .map_err(|err| internal(&err))?;
    start_session(state, jar, &old.user, mfa_passed).await
}

/// Ends `session` in the database and in the lookup cache.
async fn end_session(state: &AppState, session: &Session) -> crate::accounts::Result<()> {
    state.auth_cache.forget_session(&session.id_hash);
    state.accounts.end_session(&session.id_hash).await
}

/// Records an audit line; a failure to record is logged, not shown to the user.
pub(crate) async fn audit(
    state: &AppState,
    event: &str,
    user: Option<&str>,
    client: std::net::IpAddr,
    detail: &str,
) {
    let client = client.to_string();
    if let Err(err) = state
        .accounts
        .audit(event, user, Some(&client), detail)
        .await
    {
        tracing::error!(%err, event, "writing the audit log failed");
    }
}

fn too_many(err: &crate::ApiError) -> Response {
    let seconds = match err {
        crate::ApiError::TooManyRequests(seconds) => *seconds,
        _ => 60,
    };
    let mut context = pages::context("Too many attempts");
    context.insert(
        "message",
        &format!("Too many sign-in attempts. Try again in {seconds} seconds."),
    );
    let mut response = pages::render(StatusCode::TOO_MANY_REQUESTS, "message.html", &context);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

pub(crate) fn internal(err: &dyn std::fmt::Display) -> Response {
    crate::ApiError::Internal(err.to_string()).into_response()
}

pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
