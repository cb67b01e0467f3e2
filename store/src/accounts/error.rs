//! The accounts error type: usage mistakes (unknown user, duplicate name, short password) are
//! variants of their own so callers can tell them from a broken database.

use super::password::MIN_PASSWORD_LEN;

/// What can go wrong in the account store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No user has this name.
    #[error("no user named {0:?} (`tracebook user list` shows them)")]
    UnknownUser(String),
    /// A user with this name exists already.
    #[error("a user named {0:?} exists already")]
    DuplicateUser(String),
    /// A user name that is empty, too long or holds control characters or spaces.
    #[error("invalid user name {0:?}: use 1 to 64 characters without spaces or control characters")]
    InvalidName(String),
    /// The password is shorter than [`MIN_PASSWORD_LEN`] characters.
    #[error("the password is too short: use at least {MIN_PASSWORD_LEN} characters")]
    ShortPassword,
    /// A role name other than viewer, editor or admin.
    #[error("unknown role {0:?}: use viewer, editor or admin")]
    UnknownRole(String),
    /// No API token has this id.
    #[error("no API token with id {0} (`tracebook token list` shows them)")]
    UnknownToken(i64),
    /// The database URL names no supported database.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The folder for the SQLite file could not be created.
    #[error("creating {path}")]
    CreateDir {
        /// The folder.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Hashing or verifying a password failed (not a wrong password: a broken hash or setup).
    #[error("password hashing failed: {0}")]
    Hash(String),
    /// The database refused or failed a query.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("applying the database migrations")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Result with the accounts [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
