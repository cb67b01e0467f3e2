//! The API's error type: one status code per variant; 5xx bodies stay generic and the detail
//! goes to the log inside the request's span.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// The request carries no valid session or token (401).
    #[error("{0}")]
    Unauthorized(String),
    /// The user may not do this: role, CSRF token or origin (403).
    #[error("{0}")]
    Forbidden(String),
    /// No such thing (404).
    #[error("{0}")]
    NotFound(String),
    /// Too many attempts; try again after this many seconds (429 with Retry-After).
    #[error("too many attempts: try again in {0} s")]
    TooManyRequests(u64),
    /// A part the request needs is not available right now.
    #[error("{0}")]
    Unavailable(String),
    /// Something broke on our side.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The HTTP status of an edit engine error (the engine knows nothing of HTTP).
pub(crate) trait EditStatus {
    /// The status this error maps to.
    fn status(&self) -> StatusCode;
}

impl EditStatus for tracebook_edit::EditError {
    fn status(&self) -> StatusCode {
        use tracebook_edit::EditError;
        match self {
            EditError::NotFound(_) => StatusCode::NOT_FOUND,
            EditError::Stale { .. } => StatusCode::PRECONDITION_FAILED,
            EditError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            EditError::BadRequest(_) => StatusCode::BAD_REQUEST,
            EditError::Conflict(_) => StatusCode::CONFLICT,
            EditError::Io { .. } | EditError::Git(_) | EditError::Task(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl ApiError {
    /// An accounts failure while `doing` something: 503 when the database cannot be reached
    /// (down, restarting, pool exhausted), so clients retry and people see why; 500 otherwise.
    pub(crate) fn accounts(doing: &str, err: &crate::accounts::Error) -> ApiError {
        match err {
            crate::accounts::Error::Database(source) if is_unreachable(source) => {
                tracing::warn!(%source, doing, "the accounts database is unreachable");
                ApiError::Unavailable(
                    "the accounts database is unavailable; try again in a moment".to_owned(),
                )
            }
            _ => ApiError::Internal(format!("{doing}: {err}")),
        }
    }
}

/// Whether a database error means "cannot reach the database" rather than a bad query.
fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => true,
        // PostgreSQL shutting down or starting up (class 57P: operator intervention).
        sqlx::Error::Database(db) => db.code().is_some_and(|code| code.starts_with("57P")),
        _ => false,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let message = match &self {
            ApiError::BadRequest(message)
            | ApiError::Unauthorized(message)
            | ApiError::Forbidden(message)
            | ApiError::NotFound(message)
            | ApiError::Unavailable(message) => message.clone(),
            ApiError::TooManyRequests(_) => self.to_string(),
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "internal error".to_owned()
            }
        };
        let mut response = (status, Json(serde_json::json!({ "error": message }))).into_response();
        if let ApiError::TooManyRequests(seconds) = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}

/// Runs blocking work (tantivy, file system) off the async threads; a panic becomes an error.
pub(crate) async fn blocking<T: Send + 'static>(
    what: &'static str,
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(message)) => Err(ApiError::Internal(format!("{what}: {message}"))),
        Err(join) => Err(ApiError::Internal(format!("{what} panicked: {join}"))),
    }
}

// axum answers a path, query or body it cannot read in plain text; the API answers JSON, so
// handlers take these extractors as `Result<_, Rejection>` and turn a rejection into a 400.

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::QueryRejection) -> ApiError {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> ApiError {
        ApiError::BadRequest(rejection.body_text())
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::JsonRejection) -> ApiError {
        ApiError::BadRequest(rejection.body_text())
    }
}
