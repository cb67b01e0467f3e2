//! What an edit can fail with, one variant per HTTP answer the routes will give.

use std::path::PathBuf;

use tracebook_model::Diagnostic;

use super::etag::ETag;

/// Why an edit was not made. Nothing is written or committed when any of these is returned.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// No item with this id (404).
    #[error("no item {0}")]
    NotFound(String),
    /// `If-Match` does not match the item's current ETag (412).
    #[error("the item changed since it was read (current ETag {current})")]
    Stale {
        /// The ETag the item has now.
        current: ETag,
    },
    /// The edit would add errors to the project (422); these are the errors it adds.
    #[error("the edit would add {} error(s) to the project", .0.len())]
    Invalid(Vec<Diagnostic>),
    /// The request cannot be applied as asked: a bad id, key, kind or value (400).
    #[error("{0}")]
    BadRequest(String),
    /// The repository is not in a state to take the edit: uncommitted changes to the file, a
    /// detached HEAD, another branch checked out, a file in the way (409).
    #[error("{0}")]
    Conflict(String),
    /// Reading or writing a file failed (500).
    #[error("{action} {}", path.display())]
    Io {
        /// What we were doing.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// libgit2 failed (500).
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// The blocking task running the edit panicked (500).
    #[error("the edit task failed: {0}")]
    Task(String),
}

impl EditError {
    /// An I/O error about `path`.
    pub(super) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> EditError {
        let path = path.into();
        move |source| EditError::Io {
            action,
            path,
            source,
        }
    }
}
