//! tracebook-api: the axum application behind `tracebook serve`.
//!
//! `app(state)` builds the router with its whole middleware stack; the binary binds and serves
//! it. For now it serves the built site, `/healthz` and `/api/search`; accounts, sessions, CSRF,
//! MFA and the edit API arrive with issue #5, the rebuild worker with issue #7.
//! Depends on tracebook-generator (and so the model); never the other way round.

/// Users, API tokens and the audit log (issue 5); public as a unit with its own `Error`.
pub mod accounts;
/// The edit engine behind the write API (issue 5): `Editor`, `EditError`; no routes yet.
pub mod edits;
mod error;
mod middleware;
mod routes;
mod state;

pub use error::ApiError;
pub use state::AppState;

use axum::Router;

/// The whole application: routes, the built site as the fallback, and the middleware stack.
pub fn app(state: AppState) -> Router {
    let site = tower_http::services::ServeDir::new(state.site_dir.as_path())
        .append_index_html_on_directories(true);
    let router = routes::router().fallback_service(site).with_state(state);
    middleware::stack(router)
}

/// Serves the application on `listener` until `shutdown` resolves; in-flight requests finish
/// first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}
