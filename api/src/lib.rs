//! tracebook-api: the axum application behind `tracebook serve`.
//!
//! `app(state)` builds the router with its whole middleware stack; the binary binds and serves
//! it: the built site, sign-in and MFA pages, the JSON API and the edit form, all behind one
//! middleware stack (see `middleware.rs` for its order). Commits queue a rebuild for the worker (tracebook-worker).
//! Depends on tracebook-generator (and so the model); never the other way round.

/// Users, API tokens and the audit log (issue 5); public as a unit with its own `Error`.
pub mod accounts;
/// Who a request comes from and the layers that decide it.
pub mod auth;
mod config;
/// The edit engine behind the write API (issue 5): `Editor`, `EditError`; no routes yet.
pub mod edits;
mod error;
mod middleware;
pub mod mirror;
mod mirror_step;
mod openapi;
mod pages;
/// `tracebook preview`: the local, read-only preview with live reload.
pub mod preview;
/// Queueing the site's rebuild after commits (the build is the worker's).
pub mod publishing;
mod routes;
mod site_files;
mod state;

pub use config::ServerConfig;
pub use error::ApiError;
pub use mirror_step::MirrorStep;
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
