//! Accounts for `tracebook serve`: users with argon2id passwords and roles, API tokens stored
//! only as SHA-256, and the audit log, in SQLite (default, `ROOT/.tracebook/tracebook.db`) or
//! PostgreSQL. The schema also holds sessions and MFA recovery codes for two-factor sign-in.
//!
//! Knows nothing about HTTP: the CLI (`tracebook user|token`) and the server both call
//! [`AccountStore`].

mod error;
mod mfa;
mod password;
mod recovery;
mod role;
mod session;
mod store;
mod token;
mod totp;

#[cfg(test)]
mod mfa_tests;
/// Also the database fixtures of other modules' tests (the mirror's).
#[cfg(test)]
pub(crate) mod tests;

pub use error::{Error, Result};
pub use mfa::{MfaEnrollment, SecondFactor};
pub use password::MIN_PASSWORD_LEN;
pub use role::Role;
pub use session::Session;
pub use store::{AccountStore, AuditEntry, User, database_url};
pub use token::sha256_hex;
pub use token::{TOKEN_PREFIX, TokenInfo};
pub use totp::{new_totp_secret, otpauth_uri, qr_svg, totp_code_at, totp_matching_step};
