//! How the item routes fail: every error becomes `{ "error": …, "diagnostics": [ … ] }` JSON
//! with one status per cause, including axum's own rejections of a bad path, query or body
//! (which would otherwise answer plain text).

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::edits::EditError;
use crate::error::ApiError;
use crate::error::EditStatus;
use crate::views::DiagnosticView;

/// The body of every error answer of the item routes.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    /// What went wrong, for people (generic for 5xx answers; the detail is in the log).
    pub(crate) error: String,
    /// With 422: the errors the edit would add to the project. Absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) diagnostics: Vec<DiagnosticView>,
}

/// Why an item route did not do what was asked.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the edit engine: the status is [`EditError::status`].
    Edit(EditError),
    /// From the rest of the server (role, no editor, …).
    Api(ApiError),
    /// A write without `If-Match` (428): the lost-update check needs the ETag the client read.
    PreconditionRequired(String),
    /// The request's path, query or body could not be read (4xx as given).
    Request(StatusCode, String),
}

impl From<EditError> for Failure {
    fn from(err: EditError) -> Failure {
        Failure::Edit(err)
    }
}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Failure {
        Failure::Api(err)
    }
}

impl From<PathRejection> for Failure {
    fn from(rejection: PathRejection) -> Failure {
        Failure::Request(StatusCode::BAD_REQUEST, rejection.body_text())
    }
}

impl From<QueryRejection> for Failure {
    fn from(rejection: QueryRejection) -> Failure {
        Failure::Request(StatusCode::BAD_REQUEST, rejection.body_text())
    }
}

impl From<JsonRejection> for Failure {
    /// 415 without a JSON content type, 413 for a body over the limit, else 400: a body that
    /// does not fit the schema is a bad request, and 422 stays reserved for edits that would
    /// add errors to the project (the only 422 a client has to show diagnostics for).
    fn from(rejection: JsonRejection) -> Failure {
        let status = match rejection.status() {
            StatusCode::UNPROCESSABLE_ENTITY => StatusCode::BAD_REQUEST,
            other => other,
        };
        Failure::Request(status, rejection.body_text())
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Failure::Api(err) => err.into_response(),
            Failure::Edit(err) => edit_error_response(err),
            Failure::PreconditionRequired(message) => {
                error_response(StatusCode::PRECONDITION_REQUIRED, message, Vec::new())
            }
            Failure::Request(status, message) => error_response(status, message, Vec::new()),
        }
    }
}

/// The answer to an [`EditError`]: its status; 412 also carries the item's current ETag (so a
/// client can re-read and retry), 422 the diagnostics, 5xx a generic message only.
pub(crate) fn edit_error_response(err: EditError) -> Response {
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(error = %err, source = ?std::error::Error::source(&err), "edit failed");
        return error_response(status, "internal error".to_owned(), Vec::new());
    }
    let message = err.to_string();
    match err {
        EditError::Invalid(diagnostics) => {
            let diagnostics = diagnostics.iter().map(DiagnosticView::from).collect();
            error_response(status, message, diagnostics)
        }
        EditError::Stale { current } => {
            let mut response = error_response(status, message, Vec::new());
            if let Ok(value) = HeaderValue::from_str(current.as_str()) {
                response.headers_mut().insert(header::ETAG, value);
            }
            response
        }
        _ => error_response(status, message, Vec::new()),
    }
}

fn error_response(status: StatusCode, error: String, diagnostics: Vec<DiagnosticView>) -> Response {
    (status, Json(ErrorBody { error, diagnostics })).into_response()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::body::to_bytes;
    use tracebook_model::{Diagnostic, Span};

    use super::*;
    use crate::edits::ETag;

    async fn parts(failure: Failure) -> (StatusCode, Option<String>, serde_json::Value) {
        let response = failure.into_response();
        let status = response.status();
        let etag = response
            .headers()
            .get(header::ETAG)
            .map(|v| v.to_str().unwrap().to_owned());
        let body = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, etag, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn stale_answers_412_with_the_current_etag() {
        let current = ETag::new("\"0123456789abcdef\"");
        let (status, etag, body) = parts(EditError::Stale { current }.into()).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED);
        assert_eq!(etag.as_deref(), Some("\"0123456789abcdef\""));
        assert!(
            body["error"].as_str().unwrap().contains("changed"),
            "{body}"
        );
        assert!(body.get("diagnostics").is_none());
    }

    #[tokio::test]
    async fn invalid_answers_422_with_located_diagnostics() {
        let file: Arc<str> = Arc::from("content/req/SYS-001.md");
        let diagnostic = Diagnostic::error(
            tracebook_model::diagnostic::codes::UNKNOWN_LINK_TARGET,
            Span::new(&file, 7, 17),
            "link derives_from targets unknown item STK-999",
        )
        .with_hint("did you mean STK-009?");
        let (status, _, body) = parts(EditError::Invalid(vec![diagnostic]).into()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            body["diagnostics"],
            serde_json::json!([{
                "code": "E0203",
                "severity": "error",
                "message": "link derives_from targets unknown item STK-999",
                "file": "content/req/SYS-001.md",
                "line": 7,
                "column": 17,
                "help": "did you mean STK-009?",
            }])
        );
    }

    #[tokio::test]
    async fn each_edit_error_keeps_its_status() {
        let cases = [
            (EditError::NotFound("SYS-404".to_owned()), 404),
            (
                EditError::BadRequest("`..` is not a valid item id".to_owned()),
                400,
            ),
            (EditError::Conflict("uncommitted changes".to_owned()), 409),
            (EditError::Task("panicked".to_owned()), 500),
        ];
        for (err, status) in cases {
            let (got, _, body) = parts(err.into()).await;
            assert_eq!(got.as_u16(), status, "{body}");
        }
    }

    #[tokio::test]
    async fn server_errors_hide_their_detail() {
        let err = EditError::Io {
            action: "reading",
            path: "/srv/secret/path.md".into(),
            source: std::io::Error::other("disk on fire"),
        };
        let (status, _, body) = parts(err.into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, serde_json::json!({ "error": "internal error" }));
    }

    #[tokio::test]
    async fn missing_if_match_is_428_and_api_errors_keep_their_shape() {
        let (status, _, body) =
            parts(Failure::PreconditionRequired("send If-Match".to_owned())).await;
        assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
        assert_eq!(body["error"], "send If-Match");
        let (status, _, _) = parts(ApiError::Unavailable("read-only".to_owned()).into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
