//! Server-side sessions: the browser holds only a random session id (in a signed cookie); the
//! database keeps its SHA-256 with the user, the CSRF token, whether MFA was passed, and the
//! times that end it. Ending a session (sign-out, password change, removal) is a row delete.

use std::time::Duration;

use super::store::{AccountStore, USER_COLUMNS, User, UserRow, now};
use super::token::sha256_hex;
use super::{Error, Result};

/// `last_seen_at` is written at most this often per session: a write per page view would
/// serialize readers on SQLite, and idle expiry measured in hours does not need finer steps.
const TOUCH_EVERY_SECS: i64 = 60;

/// A live session, as the middleware sees it.
#[derive(Clone, Debug)]
pub struct Session {
    /// The signed-in user.
    pub user: User,
    /// SHA-256 (hex) of the session id: the table's key, safe to log.
    pub id_hash: String,
    /// The synchronizer token every unsafe request of this session must carry.
    pub csrf_token: String,
    /// Whether the user's second factor was passed in this session.
    pub mfa_passed: bool,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    csrf_token: String,
    last_seen_at: i64,
    expires_at: i64,
    mfa_passed_at: Option<i64>,
    #[sqlx(flatten)]
    user: UserRow,
}

/// 32 random bytes as lowercase hex.
pub(crate) fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Hash(format!("random bytes: {e}")))?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

fn seconds(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

impl AccountStore {
    /// Starts a session for `user_id` that ends `absolute` from now at the latest; returns the
    /// session id for the cookie (not stored) and the session.
    pub async fn create_session(
        &self,
        user: &User,
        mfa_passed: bool,
        absolute: Duration,
    ) -> Result<(String, Session)> {
        let id = random_hex()?;
        let id_hash = sha256_hex(&id);
        let csrf_token = random_hex()?;
        let now = now();
        sqlx::query(
            "insert into sessions
             (id, user_id, csrf_token, created_at, last_seen_at, expires_at, mfa_passed_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&id_hash)
        .bind(user.id)
        .bind(&csrf_token)
        .bind(now)
        .bind(now)
        .bind(now.saturating_add(seconds(absolute)))
        .bind(mfa_passed.then_some(now))
        .execute(&self.pool)
        .await?;
        let session = Session {
            user: user.clone(),
            id_hash,
            csrf_token,
            mfa_passed,
        };
        Ok((id, session))
    }

    /// The live session with cookie id `id`: not past its absolute end, used within `idle`,
    /// its user enabled. Marks it used (at most once a minute).
    pub async fn session(&self, id: &str, idle: Duration) -> Result<Option<Session>> {
        let id_hash = sha256_hex(id);
        let sql = format!(
            "select s.csrf_token, s.last_seen_at, s.expires_at, s.mfa_passed_at, {USER_COLUMNS}
             from sessions s
             join users u on u.id = s.user_id
             where s.id = $1
             and u.disabled_at is null"
        );
        let Some(row) = sqlx::query_as::<_, SessionRow>(&sql)
            .bind(&id_hash)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let now = now();
        if now >= row.expires_at || now - row.last_seen_at > seconds(idle) {
            self.end_session(&id_hash).await?;
            return Ok(None);
        }
        if now - row.last_seen_at >= TOUCH_EVERY_SECS {
            sqlx::query("update sessions set last_seen_at = $1 where id = $2")
                .bind(now)
                .bind(&id_hash)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(Session {
            user: row.user.into_user()?,
            id_hash,
            csrf_token: row.csrf_token,
            mfa_passed: row.mfa_passed_at.is_some(),
        }))
    }

    /// Ends the session whose id hashes to `id_hash` (no error when it is already gone).
    pub async fn end_session(&self, id_hash: &str) -> Result<()> {
        sqlx::query("delete from sessions where id = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends every session of `user_id` (password changed, MFA reset, user removed).
    pub async fn end_sessions_of(&self, user_id: i64) -> Result<()> {
        sqlx::query("delete from sessions where user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes sessions past their absolute end or idle longer than `idle`; returns how many.
    pub async fn purge_sessions(&self, idle: Duration) -> Result<u64> {
        let now = now();
        let done = sqlx::query("delete from sessions where expires_at <= $1 or last_seen_at < $2")
            .bind(now)
            .bind(now - seconds(idle))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
