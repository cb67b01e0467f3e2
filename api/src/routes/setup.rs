//! `/setup?token=…`: creates the first admin on a server with no users, with the one-time
//! secret printed at start-up (see [`crate::auth::SetupToken`]), then signs them in.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::SignedCookieJar;
use serde::Deserialize;

use super::login::{audit, internal, start_session};
use super::table::{Access, Route};
use crate::accounts::Role;
use crate::auth::{ClientAddr, see_other};
use crate::pages;
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/setup", Access::Public)
            .get(setup_page)
            .post(setup),
    ]
}

#[derive(Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
struct SetupForm {
    token: String,
    name: String,
    password: String,
    password_repeat: String,
}

async fn setup_page(State(state): State<AppState>, Query(query): Query<TokenQuery>) -> Response {
    if let Some(response) = refuse(&state, &query.token).await {
        return response;
    }
    form(StatusCode::OK, &query.token, "", None)
}

fn form(status: StatusCode, token: &str, name: &str, error: Option<&str>) -> Response {
    let mut context = pages::context("Create the first admin");
    context.insert("token", token);
    context.insert("name", name);
    context.insert("error", &error);
    pages::render(status, "setup.html", &context)
}

/// 404 once users exist, 403 for a wrong or used secret.
async fn refuse(state: &AppState, token: &str) -> Option<Response> {
    match state.accounts.count_users().await {
        Ok(0) => {}
        Ok(_) => {
            return Some(message(
                StatusCode::NOT_FOUND,
                "This server is set up already.",
            ));
        }
        Err(err) => return Some(internal(&err)),
    }
    if !state.setup.is_valid(token) {
        return Some(message(
            StatusCode::FORBIDDEN,
            "This setup link is not valid. Restart the server for a new one.",
        ));
    }
    None
}

async fn setup(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    jar: SignedCookieJar,
    Form(input): Form<SetupForm>,
) -> Response {
    if let Some(response) = refuse(&state, &input.token).await {
        return response;
    }
    if input.password != input.password_repeat {
        return form(
            StatusCode::UNPROCESSABLE_ENTITY,
            &input.token,
            &input.name,
            Some("The two passwords differ."),
        );
    }
    // Used up before the user is created, so two racing submissions make one admin.
    if !state.setup.consume(&input.token) {
        return message(StatusCode::FORBIDDEN, "This setup link was just used.");
    }
    let user = match state
        .accounts
        .add_user(&input.name, &input.password, Role::Admin)
        .await
    {
        Ok(user) => user,
        Err(err) => {
            state.setup.restore(&input.token);
            return form(
                StatusCode::UNPROCESSABLE_ENTITY,
                &input.token,
                &input.name,
                Some(&err.to_string()),
            );
        }
    };
    audit(
        &state,
        "setup",
        Some(&user.name),
        client,
        "first admin created",
    )
    .await;
    match start_session(&state, jar, &user, true).await {
        Ok(jar) => (jar, see_other("/")).into_response(),
        Err(response) => response,
    }
}

pub(crate) fn message(status: StatusCode, text: &str) -> Response {
    let mut context = pages::context(status.canonical_reason().unwrap_or("Error"));
    context.insert("message", text);
    pages::render(status, "message.html", &context)
}
