//! `/api/items`: list, read, update, create and retire items as JSON. Reads need the viewer
//! role, writes the editor role; the authentication layers put the [`Principal`] in every
//! request that reaches here (and check CSRF for session writes).
//!
//! Handlers only extract, call the edit engine and map the answer: lost updates are prevented
//! with strong ETags (`If-Match` required on writes, 428 without it, 412 when stale), edits
//! that would add errors answer 422 with the diagnostics, and every error has one JSON shape
//! (`failure.rs`). Ids from the path never become file paths: the engine refuses malformed ids
//! (400) and finds an item's file through the loaded project only.

mod failure;
mod listing;
mod precondition;
#[cfg(test)]
mod tests;

pub(crate) use failure::ErrorBody;
pub(crate) use listing::{ItemList, ListParams};

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::table::{Access, Route};
use crate::accounts::Role;
use crate::auth::Principal;
use crate::edits::{Author, Commit, ETag, Editor, NewItem, Patch, Snapshot};
use crate::error::{ApiError, blocking};
use crate::state::AppState;
use crate::views::viewed;
use failure::Failure;

/// The domain of commit authors' addresses: users have no email column, and `.invalid` (RFC
/// 2606) can never reach anyone.
const AUTHOR_EMAIL_DOMAIN: &str = "users.tracebook.invalid";

/// Reads answer with this (as does every private answer: see `middleware.rs`): the data is per
/// user and must not outlive the session in a cache; clients may still send `If-None-Match`.
const CACHE_CONTROL: &str = "no-store";

/// Pre-existing project errors named in a write's warnings, at most.
const MAX_ERRORS_NAMED: usize = 20;

pub(crate) fn routes() -> Vec<Route> {
    vec![
        Route::new("/api/items", Access::SignedIn)
            .get(list_items)
            .post(create_item),
        Route::new("/api/items/{id}", Access::SignedIn)
            .get(get_item)
            .put(update_item)
            .delete(obsolete_item),
    ]
}

/// What a write answers: the item, the commit that changed it and its new ETag (also sent as
/// the `ETag` header).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Written {
    /// The item's id.
    pub(crate) id: String,
    /// The commit made (full hex id); for a patch that changed nothing, the branch's head.
    pub(crate) commit: String,
    /// The item's ETag after the write, for the next `If-Match`.
    pub(crate) etag: String,
    /// What the commit could not do. The rebuild could not be queued (it is retried); or the
    /// project already had errors before this write (files committed past the server): the
    /// write is accepted, since refusing it would also refuse the fix, but no site is published
    /// until they are fixed, and each is named here as `file:line:column: [CODE] message`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) warnings: Vec<String>,
}

/// List items
///
/// Summaries of the items that match every given filter, sorted by id, one page at a time.
/// May lag up to a quarter of a second behind files changed outside the server.
#[utoipa::path(
    get,
    path = "/api/items",
    tag = "items",
    params(ListParams),
    responses(
        (status = 200, description = "One page of matching items", body = ItemList),
        (status = 400, description = "A malformed query", body = ErrorBody),
    )
)]
pub(crate) async fn list_items(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    query: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<ItemList>, Failure> {
    principal.require(Role::Viewer)?;
    let Query(params) = query?;
    let snapshot = snapshot(&state).await?;
    Ok(Json(listing::list(&snapshot.project().items, &params)))
}

/// Read an item
///
/// The item as its file holds it now, with a strong `ETag` to send back in `If-Match` when
/// editing it. With `If-None-Match` naming the current ETag, answers 304 without a body.
#[utoipa::path(
    get,
    path = "/api/items/{id}",
    tag = "items",
    params(
        ("id" = String, Path, description = "Item id, such as SYS-014"),
        ("If-None-Match" = Option<String>, Header, description = "ETags the client holds"),
    ),
    responses(
        (status = 200, description = "The item", body = crate::views::ItemView,
            headers(("ETag" = String, description = "Strong validator of the item"))),
        (status = 304, description = "The client's copy is current",
            headers(("ETag" = String, description = "Strong validator of the item"))),
        (status = 400, description = "Not a valid item id", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
    )
)]
pub(crate) async fn get_item(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    principal.require(Role::Viewer)?;
    let Path(id) = id?;
    let (view, etag) = match &state.editor {
        Some(editor) => viewed(editor.item(&id).await?),
        None => viewed(snapshot(&state).await?.item(&id)?),
    };
    let headers_out = [
        (header::ETAG, etag_header(&etag)?),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        ),
    ];
    if precondition::none_match(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers_out).into_response());
    }
    Ok((headers_out, Json(view)).into_response())
}

/// Edit an item
///
/// Applies the patch (absent members stay as they are) when `If-Match` names the item's
/// current ETag, validates the whole project and commits the file as the signed-in user.
/// Refused (422) only when the edit adds errors: errors the project already had (files
/// committed past the server) do not block it, but each is named in `warnings`, since no site
/// is published until they are fixed.
#[utoipa::path(
    put,
    path = "/api/items/{id}",
    tag = "items",
    params(
        ("id" = String, Path, description = "Item id"),
        ("If-Match" = String, Header, description = "The item's ETag as last read"),
    ),
    request_body = Patch,
    responses(
        (status = 200, description = "Committed (or nothing to change)", body = Written,
            headers(("ETag" = String, description = "The item's new ETag"))),
        (status = 400, description = "Malformed id, body or If-Match, or a patch that cannot apply", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "The file has uncommitted changes, or the work tree is not on the branch", body = ErrorBody),
        (status = 412, description = "The item changed since it was read; nothing written",
            body = ErrorBody, headers(("ETag" = String, description = "The item's current ETag"))),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "The edit would add errors to the project", body = ErrorBody),
        (status = 428, description = "No If-Match (or `*`)", body = ErrorBody),
        (status = 503, description = "The project is not in a git work tree: read-only", body = ErrorBody),
    )
)]
pub(crate) async fn update_item(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Json<Patch>, JsonRejection>,
) -> Result<Response, Failure> {
    principal.require(Role::Editor)?;
    let Path(id) = id?;
    let editor = editor(&state)?;
    let if_match = precondition::if_match(&headers)?;
    let Json(patch) = body?;
    let commit = editor
        .update(&id, patch, &if_match, author(&principal))
        .await?;
    // An unchanged ETag means the patch changed nothing, and no commit was made.
    let committed = commit.etag != if_match;
    written(&state, StatusCode::OK, id, commit, committed).await
}

/// Retire an item
///
/// Marks the item `obsolete` (when `If-Match` names its current ETag) and commits. Items are
/// never deleted: baselines, history and other items' links keep resolving the id, and the
/// record shows who retired it and when.
#[utoipa::path(
    delete,
    path = "/api/items/{id}",
    tag = "items",
    params(
        ("id" = String, Path, description = "Item id"),
        ("If-Match" = String, Header, description = "The item's ETag as last read"),
    ),
    responses(
        (status = 200, description = "Marked obsolete and committed", body = Written,
            headers(("ETag" = String, description = "The item's new ETag"))),
        (status = 400, description = "Malformed id or If-Match", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "The file has uncommitted changes", body = ErrorBody),
        (status = 412, description = "The item changed since it was read; nothing written",
            body = ErrorBody, headers(("ETag" = String, description = "The item's current ETag"))),
        (status = 422, description = "Retiring it would add errors to the project", body = ErrorBody),
        (status = 428, description = "No If-Match (or `*`)", body = ErrorBody),
        (status = 503, description = "Read-only project", body = ErrorBody),
    )
)]
pub(crate) async fn obsolete_item(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    id: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    principal.require(Role::Editor)?;
    let Path(id) = id?;
    let editor = editor(&state)?;
    let if_match = precondition::if_match(&headers)?;
    let commit = editor.obsolete(&id, &if_match, author(&principal)).await?;
    let committed = commit.etag != if_match;
    written(&state, StatusCode::OK, id, commit, committed).await
}

/// Create an item
///
/// Allocates the next id of the kind's prefix, writes `content/<kind>/<ID>.md`, validates the
/// project and commits as the signed-in user. Errors the project already had are named in
/// `warnings` (see "Edit an item").
#[utoipa::path(
    post,
    path = "/api/items",
    tag = "items",
    request_body = NewItem,
    responses(
        (status = 201, description = "Created and committed", body = Written,
            headers(
                ("Location" = String, description = "/api/items/{new id}"),
                ("ETag" = String, description = "The new item's ETag"),
            )),
        (status = 400, description = "Unknown kind, reserved field name or malformed body", body = ErrorBody),
        (status = 409, description = "The file exists or the work tree is not on the branch", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "The item would add errors to the project", body = ErrorBody),
        (status = 503, description = "Read-only project", body = ErrorBody),
    )
)]
pub(crate) async fn create_item(
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    body: Result<Json<NewItem>, JsonRejection>,
) -> Result<Response, Failure> {
    principal.require(Role::Editor)?;
    let editor = editor(&state)?;
    let Json(new) = body?;
    let (id, commit) = editor.create(new, author(&principal)).await?;
    let location = HeaderValue::from_str(&format!("/api/items/{id}"))
        .map_err(|_| ApiError::Internal(format!("BUG: id {id} is not a header value")))?;
    let mut response = written(&state, StatusCode::CREATED, id, commit, true).await?;
    response.headers_mut().insert(header::LOCATION, location);
    Ok(response)
}

/// The answer to a write; the site's rebuild is queued when a commit was made.
async fn written(
    state: &AppState,
    status: StatusCode,
    id: String,
    commit: Commit,
    committed: bool,
) -> Result<Response, Failure> {
    let mut warnings = Vec::new();
    if committed && let Some(warning) = state.after_commit(&commit.id).await {
        warnings.push(warning);
    }
    // The editor's snapshot is the one this write validated and installed: no new read.
    if let Some(editor) = &state.editor {
        warnings.extend(project_errors(editor.snapshot().await?.project()));
    }
    let etag = etag_header(&commit.etag)?;
    let body = Written {
        id,
        commit: commit.id,
        etag: commit.etag.to_string(),
        warnings,
    };
    Ok((status, [(header::ETAG, etag)], Json(body)).into_response())
}

/// Errors the project has (written past the server), which stop every build; at most
/// [`MAX_ERRORS_NAMED`] are named.
fn project_errors(project: &tracebook_model::Project) -> Vec<String> {
    let errors: Vec<_> = project
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    let mut warnings: Vec<String> = errors
        .iter()
        .take(MAX_ERRORS_NAMED)
        .map(|d| {
            format!(
                "the project has errors, so the site is not rebuilt until they are fixed: {}: [{}] {}",
                d.span, d.code, d.message
            )
        })
        .collect();
    if errors.len() > MAX_ERRORS_NAMED {
        warnings.push(format!(
            "and {} more errors (`tracebook check` lists them)",
            errors.len() - MAX_ERRORS_NAMED
        ));
    }
    warnings
}

fn etag_header(etag: &ETag) -> Result<HeaderValue, Failure> {
    HeaderValue::from_str(etag.as_str())
        .map_err(|_| Failure::Api(ApiError::Internal(format!("BUG: bad ETag {etag}"))))
}

fn editor(state: &AppState) -> Result<Arc<Editor>, Failure> {
    state.editor.clone().ok_or_else(|| {
        Failure::Api(ApiError::Unavailable(
            "this project is not in a git work tree: the server is read-only".to_owned(),
        ))
    })
}

/// The project for listings: the editor's cache, or (read-only project, no editor) a one-off
/// read of every file.
async fn snapshot(state: &AppState) -> Result<Arc<Snapshot>, Failure> {
    if let Some(editor) = &state.editor {
        return Ok(editor.snapshot().await?);
    }
    let root = Arc::clone(&state.root);
    let read = blocking("reading the project", move || {
        Ok(Snapshot::read(&root).map(Arc::new))
    })
    .await?;
    Ok(read?)
}

/// The git author of the principal's edits: their user name, and an address no mail reaches.
/// libgit2 refuses `<` and `>` in either part (user names have no whitespace or control
/// characters, but may have those) and a name of nothing but punctuation.
pub(crate) fn author(principal: &Principal) -> Author {
    let user = &principal.user;
    let name = user.name.replace(['<', '>'], "_");
    let name = if name.chars().any(char::is_alphanumeric) {
        name
    } else {
        format!("user-{}", user.id)
    };
    Author {
        email: format!("{name}@{AUTHOR_EMAIL_DOMAIN}"),
        name,
    }
}
