//! The preview's site files, straight from the output folder through tower-http's `ServeDir`.
//!
//! Not `site_files.rs`'s memory cache: that one is tied to `tracebook serve`'s state, and a
//! preview serves one reader who reloads after every build, so there is little to cache.
//! `ServeDir` opens each file by path, so it always reads the folder the last build swapped
//! in. `Cache-Control: no-cache` makes the browser revalidate on every load (`ServeDir`'s
//! ETags change with each rewritten file), so a reload after a build is never stale.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use super::PreviewState;

/// The fallback of the router: every path no route claims is a site file.
pub(crate) async fn serve_site(State(state): State<PreviewState>, request: Request) -> Response {
    let dir = ServeDir::new(state.site_dir.as_path()).append_index_html_on_directories(true);
    let mut response = match dir.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(infallible) => match infallible {},
    };
    if response.status() == StatusCode::NOT_FOUND && !state.hub.has_built() {
        // Nothing published yet (a new project's first build is still running).
        response = (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "tracebook preview: the first build is still running; reload in a moment\n",
        )
            .into_response();
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
