//! The OpenAPI 3.1 document of the JSON API, served at `GET /api/openapi.json`, derived with
//! utoipa from the handlers' `#[utoipa::path]` attributes and the view types' `ToSchema`
//! derives. Routes whose handlers carry no attribute are described in `described.rs`, with
//! copies of their answer types (a test compares those with what the routes really send).
//!
//! Tests compare the document with the route table the router is built from: every JSON route
//! is documented, and nothing is documented that is not routed.

use axum::Json;
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::edits::{LinkTarget, NewItem, Patch};
use crate::routes::items::{self, ErrorBody, ItemList, Written};
use crate::routes::table::{Access, Route};
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
            Every route but `/healthz` and the signed git hook needs a signed-in user: a browser session (cookie) or an \
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
        described::search,
        described::healthz,
        described::builds,
        described::git_hook,
        described::me,
        described::users,
        described::tokens,
        described::create_token,
        described::revoke_token,
        openapi_json,
    ),
    components(schemas(
        ItemView, ItemSummary, ItemList, LinkTarget, Patch, NewItem, Written, ErrorBody,
        DiagnosticView, described::Health, described::SearchResults, described::Hit,
        described::Snippet, described::Highlight, described::Facets, described::Builds,
        described::BuildRecord, described::BuildResult, described::Push, described::HookAnswer,
        described::Role, described::Me, described::User, described::TokenInfo,
        described::NewToken, described::CreatedToken,
    )),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "items", description = "Items: list, read, edit, create, retire"),
        (name = "search", description = "Full-text search"),
        (name = "accounts", description = "Who am I; users and API tokens (admin)"),
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
pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new("/api/openapi.json", Access::SignedIn).get(openapi_json)]
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
        // Routes the table marks public need no sign-in; all others get the 401/403 answers.
        let public: Vec<&str> = crate::routes::specs()
            .into_iter()
            .filter(|spec| spec.access == Access::Public)
            .map(|spec| spec.path)
            .collect();
        for (path, item) in doc.paths.paths.iter_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if public.contains(&path.as_str()) {
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

mod described;
#[cfg(test)]
mod tests;
