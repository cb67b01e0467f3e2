//! `GET /healthz`: the process is up and the published site is readable.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use super::table::{Access, Route};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new("/healthz", Access::Public).get(health)]
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    site: bool,
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let site = tokio::fs::metadata(state.site_dir.join("index.html"))
        .await
        .is_ok();
    let status = if site {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if site { "ok" } else { "no site" },
            site,
        }),
    )
}
