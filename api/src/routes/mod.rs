//! Routes, one file per area; each area lists its routes in the route table (`table.rs`), and
//! the router is built from that table alone.

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
pub(crate) mod table;

use axum::Router;

use crate::state::AppState;
use table::{Route, RouteSpec};

pub(crate) use git_hook::GIT_HOOK;
pub use git_hook::signature as webhook_signature;

/// Every route of the application (the built site is the router's fallback, not a route).
pub(crate) fn table() -> Vec<Route> {
    [
        health::routes(),
        search::routes(),
        items::routes(),
        crate::openapi::routes(),
        login::routes(),
        setup::routes(),
        account::routes(),
        admin::routes(),
        edit_form::routes(),
        builds::routes(),
        git_hook::routes(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The table without its handlers, for the tests and probes that walk every route.
pub(crate) fn specs() -> Vec<RouteSpec> {
    table().iter().map(Route::spec).collect()
}

/// Every route, from the table.
pub(crate) fn router() -> Router<AppState> {
    table::router(table())
}
