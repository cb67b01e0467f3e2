//! The mirror's error type: what failed (opening, syncing which commit, recording which build)
//! and whether the database is merely unavailable, so the worker knows to retry later.

/// What can go wrong while mirroring.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// Connecting to the database or applying its migrations failed.
    #[error("opening the mirror database")]
    Open(#[source] crate::accounts::Error),
    /// A query of `action` failed (`action` says what: "syncing commit 3f9a1c2", ...).
    #[error("{action}")]
    Database {
        /// What the mirror was doing.
        action: String,
        /// The database's answer.
        #[source]
        source: sqlx::Error,
    },
    /// The database holds a value the mirror cannot read back (a broken or foreign row).
    #[error("{action}: unreadable value in {table}.{column}: {detail}")]
    Corrupt {
        /// What the mirror was doing.
        action: String,
        /// Table of the value.
        table: &'static str,
        /// Column of the value.
        column: &'static str,
        /// Why it could not be read.
        detail: String,
    },
}

impl MirrorError {
    /// Whether the database could not be reached (connection refused or lost, pool timed out,
    /// server shutting down or out of connections, SQLite file busy): nothing was written and
    /// the same call may succeed later. Other errors need a person.
    pub fn is_unavailable(&self) -> bool {
        match self {
            MirrorError::Open(crate::accounts::Error::Database(source))
            | MirrorError::Database { source, .. } => is_unavailable(source),
            MirrorError::Open(_) | MirrorError::Corrupt { .. } => false,
        }
    }

    pub(super) fn database(action: &str) -> impl FnOnce(sqlx::Error) -> MirrorError + '_ {
        move |source| MirrorError::Database {
            action: action.to_owned(),
            source,
        }
    }
}

fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// PostgreSQL reports five-character SQLSTATEs, SQLite numeric result codes of at most four
/// digits (extended codes stay below 10000), so the length tells them apart.
fn unavailable_code(code: &str) -> bool {
    if code.len() == 5 {
        // Class 08: connection exception; 53: insufficient resources (too many connections);
        // 57P01-57P03: the server is shutting down or not yet accepting connections.
        return code.starts_with("08")
            || code.starts_with("53")
            || matches!(code, "57P01" | "57P02" | "57P03");
    }
    // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes (same low byte).
    code.parse::<i32>()
        .is_ok_and(|sqlite| matches!(sqlite & 0xff, 5 | 6))
}

#[cfg(test)]
mod tests {
    use super::unavailable_code;

    #[test]
    fn tells_unavailable_codes_from_others() {
        for code in ["5", "6", "517", "08006", "53300", "57P03"] {
            assert!(unavailable_code(code), "{code}");
        }
        for code in ["19", "2067", "23505", "42P01", "22P02"] {
            assert!(!unavailable_code(code), "{code}");
        }
    }
}
