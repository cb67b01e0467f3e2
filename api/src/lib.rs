//! tracebook-api: the axum application behind `tracebook serve`.
//!
//! `app(state)` builds the router with its whole middleware stack; the binary binds and serves
//! it: the built site, sign-in and MFA pages, the JSON API and the edit form, all behind one
//! middleware stack (see `middleware.rs` for its order). Commits queue a rebuild for the worker
//! (tracebook-worker). Accounts come from tracebook-store, edits from tracebook-edit; nothing
//! below this crate knows about HTTP.

/// Who a request comes from and the layers that decide it.
pub mod auth;
mod config;
mod error;
mod middleware;
mod openapi;
mod pages;
/// `tracebook preview`: the local, read-only preview with live reload.
pub mod preview;
/// Queueing the site's rebuild after commits (the build is the worker's).
pub mod publishing;
mod routes;
mod site_files;
mod state;
mod views;

// The account store (tracebook-store) and the edit engine (tracebook-edit) are crates of their
// own; the routes reach them as `crate::accounts` and `crate::edits`.
use tracebook_edit as edits;
use tracebook_store::accounts;

pub use config::ServerConfig;
pub use error::ApiError;
pub use routes::table::{Access, RouteSpec};
pub use routes::webhook_signature;
pub use state::AppState;

use axum::Router;

/// Every route of [`app`] with its methods and who may reach it (the built site, served for
/// any other path, is not listed): the route table the router is built from.
pub fn routes() -> Vec<RouteSpec> {
    routes::specs()
}

/// The whole application: routes, the built site as the fallback, and the middleware stack.
pub fn app(state: AppState) -> Router {
    let router = routes::router().fallback(site_files::serve_site);
    middleware::stack(router, state)
}

/// Serves the application on `listener` until `shutdown` resolves; in-flight requests finish
/// first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Connect info gives the rate limits and audit lines the client address.
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
