//! Routes, one file per area, merged here.

mod health;
mod search;

use axum::Router;

use crate::state::AppState;

/// Every API route.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .merge(health::router())
        .merge(search::router())
}
