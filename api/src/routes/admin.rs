//! Account administration over the API (admin role): list users, list, create and revoke API
//! tokens. Adding users and passwords stays with `tracebook user` on the server's machine.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Deserialize;

use super::login::audit;
use super::table::{Access, Route};
use crate::accounts::{Error as AccountError, Role};
use crate::auth::{ClientAddr, Principal};
use crate::error::ApiError;
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/api/users", Access::SignedIn).get(users),
        Route::new("/api/tokens", Access::SignedIn)
            .get(tokens)
            .post(create_token),
        Route::new("/api/tokens/{id}", Access::SignedIn).delete(revoke_token),
    ]
}

async fn users(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    principal.require(Role::Admin)?;
    let users = state.accounts.list_users().await.map_err(store_error)?;
    Ok(Json(users).into_response())
}

async fn tokens(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
) -> Result<Response, ApiError> {
    principal.require(Role::Admin)?;
    let tokens = state.accounts.list_tokens().await.map_err(store_error)?;
    Ok(Json(tokens).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    /// Owner.
    user: String,
    /// Label.
    name: String,
}

async fn create_token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Extension(principal): Extension<Principal>,
    new: Result<Json<NewToken>, JsonRejection>,
) -> Result<Response, ApiError> {
    principal.require(Role::Admin)?;
    let Json(new) = new?;
    let (id, secret) = state
        .accounts
        .create_token(&new.user, &new.name)
        .await
        .map_err(store_error)?;
    let detail = format!("token {id} {:?} by {}", new.name, principal.user.name);
    audit(&state, "token.create", Some(&new.user), client, &detail).await;
    let body = serde_json::json!({ "id": id, "user": new.user, "name": new.name, "token": secret });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Extension(principal): Extension<Principal>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, ApiError> {
    principal.require(Role::Admin)?;
    let Path(id) = id?;
    state.accounts.revoke_token(id).await.map_err(store_error)?;
    state.auth_cache.forget_tokens();
    let detail = format!("token {id} by {}", principal.user.name);
    audit(&state, "token.revoke", None, client, &detail).await;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Usage mistakes are the caller's (400/404); the rest is ours.
fn store_error(err: AccountError) -> ApiError {
    match err {
        AccountError::UnknownUser(_) | AccountError::UnknownToken(_) => {
            ApiError::NotFound(err.to_string())
        }
        AccountError::InvalidName(_) => ApiError::BadRequest(err.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}
