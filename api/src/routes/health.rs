//! `GET /healthz`, readiness: the server can do its work. The published site is readable, the
//! database takes a write, and the site's folder takes a new file (publishing renders beside
//! the site, then swaps). 200 `{"status": "ok"}`; otherwise 503 with `status` naming each part
//! that failed. `GET /livez`, liveness: the process answers (for a container's liveness probe,
//! which must not restart a server because its database is down).

use std::path::Path;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::table::{Access, Route};
use crate::state::AppState;

/// How long the database may take to answer before it counts as failed.
const DATABASE_LIMIT: Duration = Duration::from_secs(2);

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/healthz", Access::Public).get(health),
        Route::new("/livez", Access::Public).get(live),
    ]
}

#[derive(Serialize)]
struct Health {
    /// `ok`, or what failed: `no site`, `database not writable: …`, `site folder not
    /// writable: …`, joined with `; `.
    status: String,
    /// Whether a published site is there.
    site: bool,
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let site = tokio::fs::metadata(state.site_dir.join("index.html"))
        .await
        .is_ok();
    let mut failed = Vec::new();
    if !site {
        failed.push("no site".to_owned());
    }
    match tokio::time::timeout(DATABASE_LIMIT, state.accounts.check_writable()).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => failed.push(format!("database not writable: {err}")),
        Err(_) => failed.push(format!(
            "database not writable: no answer within {} s",
            DATABASE_LIMIT.as_secs()
        )),
    }
    let dir = state.site_dir.to_path_buf();
    let publishable = tokio::task::spawn_blocking(move || can_publish_beside(&dir))
        .await
        .map_err(|err| err.to_string())
        .and_then(|answer| answer.map_err(|err| err.to_string()));
    if let Err(err) = publishable {
        failed.push(format!("site folder not writable: {err}"));
    }
    let status = if failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let said = if failed.is_empty() {
        "ok".to_owned()
    } else {
        failed.join("; ")
    };
    (status, Json(Health { status: said, site }))
}

/// Creates and removes a file beside the site, where publishing creates its staging folder.
fn can_publish_beside(site: &Path) -> std::io::Result<()> {
    let parent = site
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = site
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let probe = parent.join(format!(".{name}.health-{}", std::process::id()));
    std::fs::write(&probe, b"")?;
    std::fs::remove_file(&probe)
}

#[derive(Serialize)]
struct Live {
    status: &'static str,
}

async fn live() -> Json<Live> {
    Json(Live { status: "live" })
}
