//! Accounts for `tracebook serve`: users with argon2id passwords and roles, API tokens stored
//! only as SHA-256, and the audit log, in SQLite (default, `ROOT/.tracebook/tracebook.db`) or
//! PostgreSQL. The schema also holds sessions and MFA recovery codes for later slices of issue 5.
//!
//! Knows nothing about HTTP: the CLI (`tracebook user|token`) and the server both call
//! [`AccountStore`].

mod error;
mod password;
mod role;
mod store;
mod token;

#[cfg(test)]
mod tests;

pub use error::{Error, Result};
pub use password::MIN_PASSWORD_LEN;
pub use role::Role;
pub use store::{AccountStore, AuditEntry, User, database_url};
pub use token::{TOKEN_PREFIX, TokenInfo};
