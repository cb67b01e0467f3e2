//! Errors of the environment (I/O, templates): they stop a build. Content problems are
//! diagnostics in the model, not errors.

use std::path::PathBuf;

/// What can go wrong loading or rendering, apart from content diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{action} {}", path.display())]
    Io {
        /// What we were doing ("reading", "writing").
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A theme holds a symbolic link (or is one): links are never followed, since one could
    /// publish any file the process can read.
    #[error(
        "{} is a symbolic link; tracebook does not follow links in a theme: replace it with the file or folder itself",
        path.display()
    )]
    ThemeLink {
        /// The link.
        path: PathBuf,
    },
    /// A theme template failed to parse or render.
    #[error("template {template}: {message}")]
    Template {
        /// Template name.
        template: String,
        /// Tera's message, with its causes.
        message: String,
    },
    /// The project has errors, so nothing is rendered or published.
    #[error("the project has {0} error(s); nothing was published")]
    ContentErrors(usize),
    /// The server-side search index could not be opened, read or written.
    #[error("{action} the search index in {}", path.display())]
    Search {
        /// What we were doing ("updating", "searching").
        action: &'static str,
        /// The index folder.
        path: PathBuf,
        /// tantivy's error.
        #[source]
        source: tantivy::TantivyError,
    },
    /// The git history could not be read.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
    /// `tracebook review` was asked for an unknown item or link kind; no file was touched.
    #[error(transparent)]
    ReviewPlan(#[from] tracebook_model::ReviewPlanError),
    /// `tracebook review` could not stamp one file (files named before it are written).
    #[error("reviewing links in {file}")]
    Review {
        /// The file, relative to the project root.
        file: String,
        /// What failed.
        #[source]
        source: ReviewFailure,
    },
    /// An incremental build found a file it meant to reuse missing from both site folders;
    /// the builder then renders everything (never returned by a public function).
    #[error("a site file to reuse was missing; rendering everything")]
    Stale,
}

/// Why `tracebook review` could not stamp a file.
#[derive(Debug, thiserror::Error)]
pub enum ReviewFailure {
    /// The file could not be read.
    #[error("reading {0}")]
    Read(String, #[source] std::io::Error),
    /// The model could not stamp an item's links in the file's text.
    #[error("stamping the links of {id}")]
    Stamp {
        /// The item.
        id: String,
        /// Why.
        #[source]
        source: tracebook_model::ReviewError,
    },
    /// The stamped text changes more than the stamps; nothing was written.
    #[error("refusing to write: {0}")]
    Refused(tracebook_model::UnplannedChange),
    /// The stamped file could not be written.
    #[error("writing {0}")]
    Write(String, #[source] std::io::Error),
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An I/O error about `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }

    /// A search-index error about the index in `path`.
    pub(crate) fn search(
        action: &'static str,
        path: &std::path::Path,
        source: tantivy::TantivyError,
    ) -> Error {
        Error::Search {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn template(template: &str, err: &tera::Error) -> Error {
        // Tera nests the useful part (line, column, what failed) in its sources.
        let mut message = err.to_string();
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Template {
            template: template.to_owned(),
            message,
        }
    }
}
