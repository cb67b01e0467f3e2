//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json`, derived with
//! utoipa from the handlers' `#[utoipa::path]` attributes and the view types' `ToSchema`
//! derives, so it cannot drift from the item routes. `/healthz` and `/api/search` live in files
//! without utoipa attributes; they are described here, with copies of their answer types (a
//! test compares those with the real serialized types).
//!
//! A test lists every route the router has and fails when one is neither documented here nor
//! named as deliberately undocumented.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::edits::{LinkTarget, NewItem, Patch};
use crate::routes::items::{self, ErrorBody, ItemList, Written};
use crate::state::AppState;
use crate::views::{DiagnosticView, ItemSummary, ItemView};

/// The session cookie's name (`auth::cookie::SESSION_COOKIE`, private to `auth`).
const SESSION_COOKIE: &str = "tb_session";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tracebook",
        description = "The JSON API of `tracebook serve`: read, search and edit the items of a \
            docs-as-code traceability project. Every edit is validated against the whole \
            project and committed to git as the signed-in user.\n\n\
            Every route but `/healthz` needs a signed-in user: a browser session (cookie) or an \
            API token (`Authorization: Bearer tb_…`). Reads need the viewer role, writes the \
            editor role. Session requests with an unsafe method must carry the session's CSRF \
            token in `X-CSRF-Token`; token requests need none.",
    ),
    paths(
        items::list_items,
        items::create_item,
        items::get_item,
        items::update_item,
        items::obsolete_item,
        search,
        healthz,
        openapi_json,
    ),
    components(schemas(
        ItemView, ItemSummary, ItemList, LinkTarget, Patch, NewItem, Written, ErrorBody,
        DiagnosticView, Health, SearchResults, Hit, Snippet, Highlight, Facets,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "items", description = "Items: list, read, edit, create, retire"),
        (name = "search", description = "Full-text search"),
        (name = "server", description = "The server itself"),
    ),
)]
struct ApiDoc;

/// The document.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// `GET /api/openapi.json`.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/api/openapi.json", get(openapi_json))
}

/// This document
///
/// The OpenAPI 3.1 description of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "server",
    responses((status = 200, description = "The OpenAPI document", body = Object)),
)]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// Declares the two ways to sign in, and the 401/403 answers every protected operation can
/// give (the authentication layers give them, not the handlers, so no handler declares them).
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("tb_…")
                    .description(Some(
                        "An API token (`tracebook token create`, or POST /api/tokens): \
                         `Authorization: Bearer tb_…`. Exempt from CSRF and MFA.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The browser session set by signing in at /login. POST, PUT, PATCH and DELETE \
                 must also send the session's CSRF token in the `X-CSRF-Token` header.",
            ))),
        );
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if path == "/healthz" {
                    // Public: an empty list overrides the document-wide requirement.
                    operation.security = Some(Vec::new());
                } else {
                    add_auth_responses(operation);
                }
            }
        }
    }
}

fn add_auth_responses(operation: &mut Operation) {
    let answers = [
        ("401", "Not signed in: no valid session or API token"),
        (
            "403",
            "Signed in, but the role does not allow this (or a session write lacks its CSRF token)",
        ),
    ];
    for (status, description) in answers {
        let response = ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert(response.into());
    }
}

/// Health
///
/// Whether the process is up and the published site is readable. Public.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "server",
    responses(
        (status = 200, description = "Up, with a published site", body = Health),
        (status = 503, description = "Up, but no site is published yet", body = Health),
    ),
)]
#[allow(dead_code)] // Describes `routes/health.rs`, whose handler has no utoipa attribute.
fn healthz() {}

/// Search items
///
/// Ranked hits with snippets and facet counts. The query language: words are ANDed,
/// `"phrases"`, `prefix*`, `kind:`, `status:`, `tag:`, `id:` filters, `-` excludes; with no
/// exact match, near matches are returned and `fuzzy` is true.
#[utoipa::path(
    get,
    path = "/api/search",
    tag = "search",
    params(
        ("q" = Option<String>, Query, description = "The query (empty: every item, by facet)"),
        ("kind" = Option<String>, Query, description = "Only items of this kind"),
        ("status" = Option<String>, Query, description = "Only items with this status"),
        ("limit" = Option<usize>, Query, description = "At most this many hits (default 20, at most 1000; 0: counts only)"),
    ),
    responses(
        (status = 200, description = "Hits, best first", body = SearchResults),
        (status = 400, description = "A malformed query string"),
        (status = 503, description = "The search index is not ready", body = ErrorBody),
    ),
)]
#[allow(dead_code)] // Describes `routes/search.rs`, whose handler has no utoipa attribute.
fn search() {}

// Copies of answer types defined without `ToSchema` elsewhere (the generator must not depend
// on utoipa); `answer_copies_match_the_real_types` keeps them honest.

/// Whether the server is up.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Health {
    /// `ok`, or `no site`.
    status: String,
    /// Whether a published site is there.
    site: bool,
}

/// Search results.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct SearchResults {
    /// How many items match (all of them, not only the hits returned).
    total: usize,
    /// No item matched exactly, and these are near matches (typo-tolerant retry).
    fuzzy: bool,
    /// The best matches, best first; obsolete items after all others.
    hits: Vec<Hit>,
    /// Matching items per kind and per status.
    facets: Facets,
}

/// One matching item.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Hit {
    /// Id.
    id: String,
    /// Title (plain text, untrusted: escape it when rendering).
    title: String,
    /// Kind.
    kind: String,
    /// Status.
    status: String,
    /// Relevance (BM25 with field boosts); comparable within one result list only.
    score: f32,
    /// The best fragment of its body with the matched words marked.
    snippet: Snippet,
}

/// A fragment of an item's body.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Snippet {
    /// The fragment, with line breaks turned into spaces.
    text: String,
    /// Matched words as byte ranges of `text` (UTF-8), in order, not overlapping.
    highlights: Vec<Highlight>,
}

/// A byte range `start..end` of a snippet's text.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Highlight {
    /// First byte.
    start: usize,
    /// One past the last byte.
    end: usize,
}

/// Counts of matching items.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)]
struct Facets {
    /// Per kind.
    kind: std::collections::BTreeMap<String, u64>,
    /// Per status.
    status: std::collections::BTreeMap<String, u64>,
}

#[cfg(test)]
mod tests;
