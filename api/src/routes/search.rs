//! `GET /api/search?q=…&kind=…&status=…&limit=…`: ranked hits with snippets and facet counts
//! from the project's tantivy index.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;
use tracebook_generator::{SearchQuery, SearchResults};

use super::table::{Access, Route};
use crate::error::{ApiError, blocking};
use crate::state::AppState;

pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new("/api/search", Access::SignedIn).get(search)]
}

/// Query-string parameters; `q` may be empty to list items by facet.
#[derive(Deserialize)]
struct Params {
    #[serde(default)]
    q: String,
    kind: Option<String>,
    status: Option<String>,
    limit: Option<usize>,
}

async fn search(
    State(state): State<AppState>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    let Query(params) = params?;
    let Some(index) = state.search.clone() else {
        return Err(ApiError::Unavailable(
            "the search index is not ready".to_owned(),
        ));
    };
    let mut query = SearchQuery::new(params.q);
    query.kind = params.kind.filter(|k| !k.is_empty());
    query.status = params.status.filter(|s| !s.is_empty());
    if let Some(limit) = params.limit {
        query.limit = limit;
    }
    // tantivy searches block: run them on the blocking pool (STYLE.md, async boundaries).
    let results = blocking("searching", move || {
        index.search(&query).map_err(|e| e.to_string())
    })
    .await?;
    Ok(Json(results))
}
