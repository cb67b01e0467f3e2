//! `GET /api/search?q=…&kind=…&status=…&limit=…`: ranked hits with snippets and facet counts
//! from the project's tantivy index.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use tracebook_generator::{SearchQuery, SearchResults};

use crate::error::{ApiError, blocking};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/search", get(search))
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
    Query(params): Query<Params>,
) -> Result<Json<SearchResults>, ApiError> {
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
