//! Operations whose handlers carry no utoipa attribute (their answer types live in crates that
//! must not depend on utoipa, or are built as JSON values), described here with copies of
//! their answer types. `answer_copies_match_the_real_types` (tests) compares every copy with
//! what the route really sends, so a field added to the real type fails the build's tests.

#![allow(dead_code)] // The functions and copies exist for their utoipa attributes only.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::routes::items::ErrorBody;

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
pub(super) fn healthz() {}

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
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 503, description = "The search index is not ready", body = ErrorBody),
    ),
)]
pub(super) fn search() {}

/// Builds
///
/// The site's recent builds, newest first, with the queue and the commit the published site
/// was built from: a failed build (a bad push) shows here while the last good site stays
/// online. Viewer role.
#[utoipa::path(
    get,
    path = "/api/builds",
    tag = "server",
    params(
        ("limit" = Option<usize>, Query, description = "At most this many builds (default 20)"),
    ),
    responses(
        (status = 200, description = "Recent builds and the queue", body = Builds),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 503, description = "This server does not rebuild the site", body = ErrorBody),
    ),
)]
pub(super) fn builds() {}

/// Git push hook
///
/// A git host announces a push; the rebuild of the server's branch is queued. Public: the
/// request proves itself with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`
/// under the server's webhook secret (GitHub's format; Gitea and Forgejo send the same).
#[utoipa::path(
    post,
    path = "/api/hooks/git",
    tag = "server",
    params(
        ("X-Hub-Signature-256" = String, Header, description = "`sha256=` and the hex HMAC-SHA256 of the body"),
        ("X-GitHub-Event" = Option<String>, Header, description = "`ping` is answered without queueing"),
    ),
    request_body(content = Push, description = "A push event (other fields are ignored)"),
    responses(
        (status = 200, description = "A ping, answered", body = HookAnswer),
        (status = 202, description = "Accepted: queued, or nothing to build (see `note`)", body = HookAnswer),
        (status = 400, description = "Not a push event", body = ErrorBody),
        (status = 401, description = "No or a wrong signature", body = ErrorBody),
        (status = 404, description = "The hook is off (no webhook secret configured)", body = ErrorBody),
        (status = 503, description = "This server does not rebuild the site", body = ErrorBody),
    ),
)]
pub(super) fn git_hook() {}

/// Who am I
///
/// The signed-in user, and for a browser session the CSRF token its page scripts send in
/// `X-CSRF-Token`.
#[utoipa::path(
    get,
    path = "/api/me",
    tag = "accounts",
    responses((status = 200, description = "The signed-in user", body = Me)),
)]
pub(super) fn me() {}

/// List users
///
/// Every user (never a password hash or MFA secret). Admin role.
#[utoipa::path(
    get,
    path = "/api/users",
    tag = "accounts",
    responses((status = 200, description = "Every user", body = Vec<User>)),
)]
pub(super) fn users() {}

/// List API tokens
///
/// Every API token, revoked ones included (never a secret). Admin role.
#[utoipa::path(
    get,
    path = "/api/tokens",
    tag = "accounts",
    responses((status = 200, description = "Every token", body = Vec<TokenInfo>)),
)]
pub(super) fn tokens() {}

/// Create an API token
///
/// A new token for a user; its secret is in this answer only. Admin role.
#[utoipa::path(
    post,
    path = "/api/tokens",
    tag = "accounts",
    request_body(content = NewToken, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; `token` is the secret, shown once", body = CreatedToken),
        (status = 400, description = "A malformed body or an invalid label", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
)]
pub(super) fn create_token() {}

/// Revoke an API token
///
/// The token stops working within two seconds on every server process. Admin role.
#[utoipa::path(
    delete,
    path = "/api/tokens/{id}",
    tag = "accounts",
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "Not a token id", body = ErrorBody),
        (status = 404, description = "No such token", body = ErrorBody),
    ),
)]
pub(super) fn revoke_token() {}

/// Whether the server is up.
#[derive(Serialize, ToSchema)]
pub(super) struct Health {
    /// `ok`, or `no site`.
    status: String,
    /// Whether a published site is there.
    site: bool,
}

/// Search results.
#[derive(Serialize, ToSchema)]
pub(super) struct SearchResults {
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
pub(super) struct Hit {
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
pub(super) struct Snippet {
    /// The fragment, with line breaks turned into spaces.
    text: String,
    /// Matched words as byte ranges of `text` (UTF-8), in order, not overlapping.
    highlights: Vec<Highlight>,
}

/// A byte range `start..end` of a snippet's text.
#[derive(Serialize, ToSchema)]
pub(super) struct Highlight {
    /// First byte.
    start: usize,
    /// One past the last byte.
    end: usize,
}

/// Counts of matching items.
#[derive(Serialize, ToSchema)]
pub(super) struct Facets {
    /// Per kind.
    kind: BTreeMap<String, u64>,
    /// Per status.
    status: BTreeMap<String, u64>,
}

/// The site's builds and the queue.
#[derive(Serialize, ToSchema)]
pub(super) struct Builds {
    /// The commit the published site was built from.
    published: Option<String>,
    /// Where jobs go (`in-process queue`, `Redis stream … at …`).
    queue: Option<String>,
    /// Jobs the server could not queue yet (the queue was down); retried every second.
    outbox: usize,
    /// Recent builds, newest first.
    builds: Vec<BuildRecord>,
}

/// One build.
#[derive(Serialize, ToSchema)]
pub(super) struct BuildRecord {
    /// Unique id (random hex).
    id: String,
    /// The commit built (null when it could not be resolved).
    commit: Option<String>,
    /// The branch built.
    branch: String,
    /// Start, in milliseconds since the Unix epoch.
    started_at_ms: u64,
    /// Time to publish (or to fail), in milliseconds; 0 while running.
    duration_ms: u64,
    /// How it ended.
    result: BuildResult,
    /// Error diagnostics of the project.
    errors: usize,
    /// The first error diagnostics as `file:line:col: message`.
    diagnostics: Vec<String>,
    /// What went wrong, in one sentence; null when published.
    message: Option<String>,
    /// The worker that built it.
    worker: String,
    /// Jobs this build answered (more than one when a burst coalesced).
    jobs: usize,
    /// Site files rendered.
    files_rendered: usize,
    /// Site files left as they were.
    files_unchanged: usize,
    /// The SQL mirror after the build: `synced`, `failed: …`, or null without a mirror.
    mirror: Option<String>,
}

/// How a build ended.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(super) enum BuildResult {
    /// Running now.
    Running,
    /// The site was published.
    Published,
    /// The project had errors or the build failed; the previous site stayed.
    Failed,
}

/// The parts of a push event the hook reads.
#[derive(Serialize, ToSchema)]
pub(super) struct Push {
    /// `refs/heads/<branch>`.
    #[serde(rename = "ref")]
    git_ref: String,
    /// The branch's new commit (40 hex digits).
    after: String,
}

/// The hook's answer.
#[derive(Serialize, ToSchema)]
pub(super) struct HookAnswer {
    /// Whether a rebuild was queued.
    queued: bool,
    /// Why nothing was queued, or what went wrong queueing.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// A user's role; each includes the rights of the ones before it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(super) enum Role {
    /// Reads the site and the API.
    Viewer,
    /// Also edits items.
    Editor,
    /// Also manages users and tokens.
    Admin,
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub(super) struct Me {
    /// Login name.
    name: String,
    /// Role.
    role: Role,
    /// Whether the user has a second factor.
    has_mfa: bool,
    /// The session's CSRF token; null for an API token (which needs none).
    csrf_token: Option<String>,
}

/// A user (never the password hash or MFA secret).
#[derive(Serialize, ToSchema)]
pub(super) struct User {
    /// Database id.
    id: i64,
    /// Unique login name.
    name: String,
    /// What the user may do.
    role: Role,
    /// Seconds since the epoch.
    created_at: i64,
    /// A disabled user can neither sign in nor use tokens.
    is_disabled: bool,
    /// Whether the user has a second factor.
    has_mfa: bool,
}

/// An API token as listed (never its secret).
#[derive(Serialize, ToSchema)]
pub(super) struct TokenInfo {
    /// The token's id.
    id: i64,
    /// Its owner.
    user_name: String,
    /// The label given at creation.
    name: String,
    /// Seconds since the epoch.
    created_at: i64,
    /// Last successful use, seconds since the epoch.
    last_used_at: Option<i64>,
    /// When it was revoked, seconds since the epoch.
    revoked_at: Option<i64>,
}

/// A token to create.
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewToken {
    /// The owner's login name.
    user: String,
    /// A label (what the token is for).
    name: String,
}

/// A created token.
#[derive(Serialize, ToSchema)]
pub(super) struct CreatedToken {
    /// The token's id (to revoke it).
    id: i64,
    /// Its owner.
    user: String,
    /// Its label.
    name: String,
    /// The secret (`tb_…`) for `Authorization: Bearer`: shown once, never stored in clear.
    token: String,
}
