//! Routes, one file per area, merged here.

mod account;
mod admin;
mod builds;
mod edit_form;
mod git_hook;
mod health;
pub(crate) mod items;
mod login;
mod search;
mod setup;

use axum::Router;

use crate::state::AppState;

pub(crate) use git_hook::GIT_HOOK;
pub use git_hook::signature as webhook_signature;

/// Every API route.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(search::router())
        .merge(items::router())
        .merge(login::router())
        .merge(setup::router())
        .merge(account::router())
        .merge(admin::router())
        .merge(edit_form::router())
        .merge(builds::router())
        .merge(git_hook::router())
}
