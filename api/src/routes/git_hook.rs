//! `POST /api/hooks/git`: a git host announces a push; the rebuild of the pushed branch is
//! queued. Git hosts cannot sign in, so the request proves itself with an HMAC-SHA256 of the
//! body under a shared secret, in GitHub's `X-Hub-Signature-256: sha256=<hex>` header (Gitea
//! and others send the same). A missing or wrong signature is 401 and queues nothing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::table::{Access, Route};
use crate::error::ApiError;
use crate::state::AppState;

/// The route (public: see the auth gate).
pub(crate) const GIT_HOOK: &str = "/api/hooks/git";
const SIGNATURE_HEADER: &str = "x-hub-signature-256";
/// A branch deleted by the push has this as its new commit.
const NO_COMMIT: &str = "0000000000000000000000000000000000000000";

pub(crate) fn routes() -> Vec<Route> {
    vec![Route::new(GIT_HOOK, Access::Public).post(git_hook)]
}

/// The parts of a push event we read (GitHub, Gitea, Forgejo and GitLab all send these).
#[derive(Deserialize)]
struct Push {
    /// `refs/heads/<branch>`.
    #[serde(rename = "ref")]
    git_ref: String,
    /// The branch's new commit.
    after: String,
}

#[derive(Serialize)]
struct Answer {
    queued: bool,
    /// Why nothing was queued, or what went wrong queueing.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

async fn git_hook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Answer>), ApiError> {
    let Some(secret) = state.config.webhook_secret.as_deref() else {
        return Err(ApiError::NotFound(
            "the git hook is off: set TRACEBOOK_WEBHOOK_SECRET on the server".to_owned(),
        ));
    };
    verify(secret.as_bytes(), &headers, &body)?;
    // A ping (GitHub sends one when the hook is created) has no ref: answered, nothing queued.
    if headers.get("x-github-event").is_some_and(|e| e == "ping") {
        return Ok(answer(StatusCode::OK, false, Some("pong")));
    }
    let push: Push = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(format!("not a push event (needs `ref` and `after`): {e}"))
    })?;
    let Some(branch) = push.git_ref.strip_prefix("refs/heads/") else {
        return Ok(answer(
            StatusCode::ACCEPTED,
            false,
            Some("not a branch: nothing to build"),
        ));
    };
    if push.after == NO_COMMIT || git2::Oid::from_str(&push.after).is_err() {
        return Ok(answer(
            StatusCode::ACCEPTED,
            false,
            Some("no commit to build"),
        ));
    }
    let Some(publishing) = state.publishing.clone() else {
        return Err(ApiError::Unavailable(
            "this server does not rebuild the site".to_owned(),
        ));
    };
    if branch != publishing.branch() {
        let note = format!("the site follows `{}`, not `{branch}`", publishing.branch());
        return Ok(answer(StatusCode::ACCEPTED, false, Some(&note)));
    }
    tracing::info!(branch, commit = %push.after, "git hook: push announced");
    match publishing.enqueue(branch, &push.after).await {
        None => Ok(answer(StatusCode::ACCEPTED, true, None)),
        // Kept in the outbox and retried: accepted all the same.
        Some(warning) => Ok(answer(StatusCode::ACCEPTED, true, Some(&warning))),
    }
}

/// 401 unless the header holds `sha256=` + the hex HMAC-SHA256 of `body` under `secret`
/// (compared in constant time by the hmac crate).
fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    let refuse = |why: &str| {
        tracing::warn!(why, "git hook refused");
        ApiError::Unauthorized(format!(
            "{why}: sign the body with HMAC-SHA256 in {SIGNATURE_HEADER}"
        ))
    };
    let header = headers
        .get(SIGNATURE_HEADER)
        .ok_or_else(|| refuse("no signature"))?;
    let hex = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("sha256="))
        .ok_or_else(|| refuse("malformed signature"))?;
    let sent = decode_hex(hex).ok_or_else(|| refuse("malformed signature"))?;
    let mut mac = Hmac::new_from_slice(secret).map_err(|_| refuse("unusable secret"))?;
    mac.update(body);
    mac.verify_slice(&sent)
        .map_err(|_| refuse("wrong signature"))
}

type Hmac = hmac::Hmac<Sha256>;

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

fn answer(status: StatusCode, queued: bool, note: Option<&str>) -> (StatusCode, Json<Answer>) {
    (
        status,
        Json(Answer {
            queued,
            note: note.map(str::to_owned),
        }),
    )
}

/// The `X-Hub-Signature-256` value a sender computes for `body`: `sha256=<hex>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_example_signature_verifies() {
        // GitHub's documented example: secret "It's a Secret to Everybody", payload
        // "Hello, World!".
        let secret = b"It's a Secret to Everybody";
        let expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(signature(secret, b"Hello, World!"), expected);
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, expected.parse().unwrap());
        assert!(verify(secret, &headers, b"Hello, World!").is_ok());
        assert!(verify(secret, &headers, b"Hello, World?").is_err());
        assert!(verify(b"other", &headers, b"Hello, World!").is_err());
        assert!(verify(secret, &HeaderMap::new(), b"Hello, World!").is_err());
        let mut odd = HeaderMap::new();
        odd.insert(SIGNATURE_HEADER, "sha256=zz".parse().unwrap());
        assert!(verify(secret, &odd, b"Hello, World!").is_err());
    }
}
