//! API tokens: 32 random bytes shown once as `tb_` + 64 hex digits; the database keeps only
//! their SHA-256, so a leaked database gives no usable token. A token is found by hashing the
//! presented secret and looking the hash up (an index lookup, no timing on secret bytes).

use sha2::{Digest, Sha256};

use super::store::{AccountStore, USER_COLUMNS, User, UserRow, now};
use super::{Error, Result};

/// Every token secret starts with this, so secret scanners and people can recognise one.
pub const TOKEN_PREFIX: &str = "tb_";

/// A token as listed (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    /// The token's id (for `token revoke`).
    pub id: i64,
    /// Its owner.
    pub user_name: String,
    /// The label given at creation.
    pub name: String,
    /// Seconds since the epoch.
    pub created_at: i64,
    /// Last successful use, seconds since the epoch.
    pub last_used_at: Option<i64>,
    /// When it was revoked, seconds since the epoch.
    pub revoked_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_name: String,
    name: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// SHA-256 of `text`, lowercase hex.
pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Hash(format!("random token: {e}")))?;
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    Ok(format!("{TOKEN_PREFIX}{hex}"))
}

impl AccountStore {
    /// Creates a token for `user_name` labelled `name`; returns its id and the secret, which
    /// is not stored and cannot be shown again.
    pub async fn create_token(&self, user_name: &str, name: &str) -> Result<(i64, String)> {
        let user = self.user(user_name).await?;
        let secret = new_secret()?;
        let id: i64 = sqlx::query_scalar(
            "insert into api_tokens (user_id, name, token_hash, created_at)
             values ($1, $2, $3, $4)
             returning id",
        )
        .bind(user.id)
        .bind(name)
        .bind(sha256_hex(&secret))
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok((id, secret))
    }

    /// Revokes token `id` (revoking a revoked token changes nothing).
    pub async fn revoke_token(&self, id: i64) -> Result<()> {
        let done = sqlx::query(
            "update api_tokens
             set revoked_at = coalesce(revoked_at, $1)
             where id = $2",
        )
        .bind(now())
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::UnknownToken(id));
        }
        Ok(())
    }

    /// Every token, revoked ones included, by id.
    pub async fn list_tokens(&self) -> Result<Vec<TokenInfo>> {
        let rows: Vec<TokenRow> = sqlx::query_as(
            "select t.id, u.name as user_name, t.name, t.created_at, t.last_used_at, t.revoked_at
             from api_tokens t
             join users u on u.id = t.user_id
             order by t.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| TokenInfo {
                id: row.id,
                user_name: row.user_name,
                name: row.name,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
                revoked_at: row.revoked_at,
            })
            .collect())
    }

    /// The enabled user owning the unrevoked token `secret`, marking the token used; `None`
    /// for an unknown, revoked or malformed secret or a disabled user.
    pub async fn user_for_token(&self, secret: &str) -> Result<Option<User>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let token_hash = sha256_hex(secret);
        let sql = format!(
            "select {USER_COLUMNS}, t.id as token_id
             from api_tokens t
             join users u on u.id = t.user_id
             where t.token_hash = $1
             and t.revoked_at is null
             and u.disabled_at is null"
        );
        let row: Option<(i64, UserRow)> = sqlx::query_as::<_, TokenUserRow>(&sql)
            .bind(&token_hash)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| (row.token_id, row.user));
        let Some((token_id, user)) = row else {
            return Ok(None);
        };
        sqlx::query(
            "update api_tokens
             set last_used_at = $1
             where id = $2",
        )
        .bind(now())
        .bind(token_id)
        .execute(&self.pool)
        .await?;
        user.into_user().map(Some)
    }
}

#[derive(sqlx::FromRow)]
struct TokenUserRow {
    token_id: i64,
    #[sqlx(flatten)]
    user: UserRow,
}
