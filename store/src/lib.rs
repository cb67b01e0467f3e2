//! tracebook-store: what tracebook keeps in its database (SQLite by default, or PostgreSQL).
//!
//! - [`accounts`]: users with argon2id passwords and roles, sessions, API tokens, MFA (TOTP
//!   secrets and recovery codes) and the audit log, with the embedded migrations;
//! - [`mirror`]: the SQL mirror of the project for BI tools, and [`MirrorStep`], which syncs it
//!   after each build the worker publishes.
//!
//! Knows nothing about HTTP: the server (tracebook-api), the CLI (`tracebook user|token|mirror`)
//! and `tracebook worker` all call it. Depends on the worker only for its `AfterPublish` trait.

pub mod accounts;
pub mod mirror;
mod mirror_step;

pub use mirror_step::MirrorStep;
