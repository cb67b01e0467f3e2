//! `GET /api/builds?limit=N`: the site's recent builds (newest first) and the queue, so that a
//! failed build (a bad push) is visible while the last good site stays online.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use tracebook_worker::BuildRecord;

use super::table::{Access, Route};
use crate::accounts::Role;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::state::AppState;

/// Builds listed when no limit is given.
const DEFAULT_LIMIT: usize = 20;

pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new("/api/builds", Access::SignedIn).get(builds)]
}

#[derive(Deserialize)]
struct Params {
    limit: Option<usize>,
}

/// The answer.
#[derive(Serialize)]
struct Builds {
    /// The commit the published site was built from.
    published: Option<String>,
    /// Where jobs go (`in-process queue`, `Redis stream … at …`).
    queue: Option<String>,
    /// Jobs the server could not queue yet (the queue was down); retried every second.
    outbox: usize,
    builds: Vec<BuildRecord>,
}

async fn builds(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Json<Builds>, ApiError> {
    principal.require(Role::Viewer)?;
    let Query(params) = params?;
    let Some(publishing) = state.publishing.clone() else {
        return Err(ApiError::Unavailable(
            "this server does not rebuild the site".to_owned(),
        ));
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    let site = state.site_dir.clone();
    let answer = tokio::task::spawn_blocking(move || {
        let mut builds = publishing.builds();
        builds.truncate(limit);
        Builds {
            published: tracebook_generator::BuildInfo::read(&site).and_then(|i| i.commit),
            queue: Some(publishing.describe()),
            outbox: publishing.outbox_len(),
            builds,
        }
    })
    .await
    .map_err(|e| ApiError::Internal(format!("reading the build log: {e}")))?;
    Ok(Json(answer))
}
