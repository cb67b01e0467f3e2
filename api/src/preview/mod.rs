//! `tracebook preview`: a read-only local preview for one engineer. The site is rebuilt
//! incrementally on every change of the project (or of the `--theme` folder) and open pages
//! reload; a failed build keeps the last good site, and the pages show its problems.
//!
//! - `build_loop.rs`: the watcher and the builds, on a std thread of their own;
//! - `hub.rs`: the latest status and the build events, shared with the handlers;
//! - `host.rs`: the loopback `Host` check (DNS rebinding) and the read-only gate;
//! - `events.rs`, `status.rs`, `site.rs`: the routes.
//!
//! No accounts and no write API: the server listens on 127.0.0.1 only (the caller binds) and
//! answers only GET and HEAD. Nothing here is shared with `tracebook serve` but the security
//! headers (`middleware.rs`).

mod build_loop;
mod events;
mod host;
mod hub;
mod site;
mod status;
mod watch;

pub use build_loop::{Finished, Reporter};
pub use hub::{BuildEvent, DiagnosticView, Hub, Outcome, Status};

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnFailure, TraceLayer};
use tracebook_generator::{SiteBuilder, SiteOptions, Theme};

use crate::middleware::security_headers;
use build_loop::{BuildLoop, Message};
use watch::{Targets, Watch};

/// A request that takes longer is answered 408 (an event stream is not held by this: its
/// response starts at once).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What to preview, and where.
#[derive(Debug, Clone)]
pub struct PreviewOptions {
    /// The project root (holds tracebook.yaml), absolute.
    pub root: PathBuf,
    /// The site folder, absolute; written by the preview's builds only.
    pub out: PathBuf,
    /// The theme folder of `--theme`, absolute: watched, and loaded again when it changes.
    pub theme_dir: Option<PathBuf>,
}

/// Why the preview could not start.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    /// The file watcher could not be set up (inotify limits, say).
    #[error("watching the project for changes")]
    Watch(#[from] notify::Error),
    /// The build thread could not be started.
    #[error("starting the build thread")]
    Thread(#[source] std::io::Error),
}

/// A running preview: the watcher and the build thread. The server runs through
/// [`Preview::serve`]; [`Preview::stop`] ends the rest.
pub struct Preview {
    hub: Hub,
    site_dir: Arc<PathBuf>,
    messages: Sender<Message>,
    thread: JoinHandle<()>,
}

/// The state of the preview's handlers.
#[derive(Clone)]
pub(crate) struct PreviewState {
    pub(crate) hub: Hub,
    pub(crate) site_dir: Arc<PathBuf>,
}

impl Preview {
    /// Starts watching and the first build (in the background); `report` is called on the
    /// build thread after every build.
    pub fn start(
        options: PreviewOptions,
        theme: Theme,
        report: Reporter,
    ) -> Result<Preview, PreviewError> {
        let hub = Hub::new();
        let (messages, received) = std::sync::mpsc::channel();
        let targets = Targets {
            root: options.root.clone(),
            out: options.out.clone(),
            theme: options.theme_dir.clone(),
        };
        let watch = Watch::start(targets, build_loop::file_events(messages.clone()))?;
        let site = SiteOptions {
            live_reload: true,
            git: true,
            ..SiteOptions::default()
        };
        let builds = BuildLoop {
            builder: SiteBuilder::new(&options.root, &options.out, theme, site),
            watch,
            theme_dir: options.theme_dir,
            hub: hub.clone(),
            report,
            theme_error: None,
            must_reread: false,
        };
        let thread = std::thread::Builder::new()
            .name(String::from("preview-build"))
            .spawn(move || builds.run(&received))
            .map_err(PreviewError::Thread)?;
        Ok(Preview {
            hub,
            site_dir: Arc::new(options.out),
            messages,
            thread,
        })
    }

    /// The record of builds.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Serves the preview on `listener` (which the caller bound to 127.0.0.1) until `shutdown`
    /// resolves; open event streams then end and in-flight requests finish.
    pub async fn serve(
        &self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let port = listener.local_addr()?.port();
        let state = PreviewState {
            hub: self.hub.clone(),
            site_dir: Arc::clone(&self.site_dir),
        };
        let hub = self.hub.clone();
        axum::serve(listener, router(state, port))
            .with_graceful_shutdown(async move {
                shutdown.await;
                hub.stop_streams();
            })
            .await
    }

    /// Stops watching and waits for the build in progress, if any.
    pub fn stop(self) {
        // Err: the thread already ended (it panicked outside a build); nothing to stop.
        let _ = self.messages.send(Message::Stop);
        let _ = self.thread.join();
    }
}

/// The routes and their stack, outermost first: tracing and a timeout; the security headers
/// of `tracebook serve`, so that refusals carry them too; the `Host` check before anything
/// reads the request; then the read-only gate.
fn router(state: PreviewState, port: u16) -> Router {
    Router::new()
        .route("/_tracebook/events", get(events::build_events))
        .route("/_tracebook/status", get(status::status))
        .route("/_tracebook/errors", get(status::errors_page))
        .fallback(site::serve_site)
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                // A 503 while the first build runs is expected: not worth an ERROR line.
                .layer(
                    TraceLayer::new_for_http()
                        .on_failure(DefaultOnFailure::new().level(tracing::Level::DEBUG)),
                )
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    REQUEST_TIMEOUT,
                ))
                // No HSTS: the preview is plain http on loopback.
                .layer(security_headers(None))
                .layer(from_fn_with_state(port, host::check_host))
                .layer(from_fn(host::only_reads)),
        )
}
