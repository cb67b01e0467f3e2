//! MFA on the account store: TOTP enrollment (a pending secret confirmed by a first code),
//! second-factor checks with replay protection, recovery codes and the admin reset.
//!
//! Each TOTP step and each recovery code is accepted once. The check that makes it so is a
//! conditional `update … where` whose affected-row count decides, never a read followed by a
//! write, so two concurrent requests with the same code cannot both pass.
//! Times are passed in (`unix_time`, seconds) so tests are deterministic; the server passes
//! the clock.

use std::fmt;

use super::store::AccountStore;
use super::totp::{fits_qr, new_totp_secret, otpauth_uri, qr_svg, totp_matching_step};
use super::{Error, Result, recovery};

/// An authenticator app enrollment waiting for its first code (see
/// [`AccountStore::confirm_mfa_enrollment`]).
#[derive(Clone, PartialEq, Eq)]
pub struct MfaEnrollment {
    /// The TOTP secret in base32, for typing into an app that cannot scan the QR code.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub otpauth_uri: String,
}

impl MfaEnrollment {
    /// The QR code of [`Self::otpauth_uri`] as a standalone SVG document, to be served as
    /// `image/svg+xml`. `None` only if the URI is longer than a QR code holds (about 2,300
    /// bytes): the store never builds such an enrollment (it refuses the name instead), so only
    /// a hand-made one can be.
    pub fn qr_svg(&self) -> Option<String> {
        qr_svg(&self.otpauth_uri)
    }

    /// The enrollment of `secret` for `user_name`; `None` for a malformed secret or a name so
    /// long that the URI would not fit in a QR code.
    fn new(secret: String, user_name: &str) -> Option<MfaEnrollment> {
        let otpauth_uri = otpauth_uri(&secret, user_name).filter(|uri| fits_qr(uri))?;
        Some(MfaEnrollment {
            secret,
            otpauth_uri,
        })
    }
}

/// Redacted: the secret must not reach logs through `{:?}`.
impl fmt::Debug for MfaEnrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaEnrollment").finish_non_exhaustive()
    }
}

/// Which second factor a user passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactor {
    /// A code from the authenticator app.
    Totp,
    /// A recovery code, now used up.
    RecoveryCode {
        /// Unused recovery codes left (worth telling the user when it runs low).
        remaining: i64,
    },
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    name: String,
    mfa_pending_secret: Option<String>,
}

/// The error for a user id that names no user (ids come from sessions, so the user was
/// removed meanwhile).
fn unknown_user_id(user_id: i64) -> Error {
    Error::UnknownUser(format!("#{user_id}"))
}

/// `value` for a bigint column; out of range only for times past the year 292 billion.
fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl AccountStore {
    /// Starts (or restarts) enrolling an authenticator app for user `user_id`: a new pending
    /// secret replaces any pending one. An active second factor stays active until the new
    /// one is confirmed.
    pub async fn begin_mfa_enrollment(&self, user_id: i64) -> Result<MfaEnrollment> {
        let secret = new_totp_secret()?;
        let name: Option<String> = sqlx::query_scalar(
            "update users
             set mfa_pending_secret = $1
             where id = $2
             returning name",
        )
        .bind(&secret)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let name = name.ok_or_else(|| unknown_user_id(user_id))?;
        // Our secret is valid, so only a name too long for a QR code (not one `add_user`
        // accepts) can fail here.
        MfaEnrollment::new(secret, &name).ok_or(Error::InvalidName(name))
    }

    /// The enrollment in progress for user `user_id`, if any (to draw its QR code again).
    /// One that cannot be shown (a corrupt secret, a name too long for a QR code) counts as
    /// none: starting over replaces it, or says what is wrong.
    pub async fn pending_mfa_enrollment(&self, user_id: i64) -> Result<Option<MfaEnrollment>> {
        let row = self.pending_secret(user_id).await?;
        Ok(row
            .mfa_pending_secret
            .and_then(|secret| MfaEnrollment::new(secret, &row.name)))
    }

    /// Finishes an enrollment if `code` is valid for the pending secret at `unix_time`: the
    /// pending secret becomes the user's second factor, its step counts as used, and all
    /// recovery codes are replaced by ten new ones, returned in clear this once (the database
    /// keeps only their hashes). `None` (nothing changes) for a wrong code or when no
    /// enrollment is pending.
    pub async fn confirm_mfa_enrollment(
        &self,
        user_id: i64,
        code: &str,
        unix_time: u64,
    ) -> Result<Option<Vec<String>>> {
        let row = self.pending_secret(user_id).await?;
        let Some(secret) = row.mfa_pending_secret else {
            return Ok(None);
        };
        let Some(step) = totp_matching_step(&secret, code, unix_time) else {
            return Ok(None);
        };
        let codes = recovery::generate_codes()?;
        let mut tx = self.pool.begin().await?;
        // Conditional on the secret we checked: a concurrent restart of the enrollment (a new
        // pending secret) or a concurrent confirmation makes this match no row.
        let promoted = sqlx::query(
            "update users
             set mfa_secret = mfa_pending_secret, mfa_pending_secret = null, mfa_last_step = $1
             where id = $2
             and mfa_pending_secret = $3",
        )
        .bind(to_i64(step))
        .bind(user_id)
        .bind(&secret)
        .execute(&mut *tx)
        .await?;
        if promoted.rows_affected() != 1 {
            return Ok(None);
        }
        sqlx::query("delete from recovery_codes where user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for code in &codes {
            let canonical = recovery::normalize(code)
                .expect("BUG: a generated recovery code is in canonical alphabet");
            sqlx::query(
                "insert into recovery_codes (user_id, code_hash)
                 values ($1, $2)",
            )
            .bind(user_id)
            .bind(recovery::hash(&canonical))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(codes))
    }

    /// Checks a second factor for user `user_id` at `unix_time`: a TOTP code of the current
    /// step or one either side, later than the last step accepted, or an unused recovery code
    /// (upper case, spaces and missing dashes are fine). Either is used up by passing.
    /// `None` for a wrong, replayed or used code, and for a user who is unknown, disabled or
    /// has no second factor.
    pub async fn verify_second_factor(
        &self,
        user_id: i64,
        code: &str,
        unix_time: u64,
    ) -> Result<Option<SecondFactor>> {
        let secret: Option<Option<String>> = sqlx::query_scalar(
            "select mfa_secret
             from users
             where id = $1
             and disabled_at is null",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(secret) = secret.flatten() else {
            return Ok(None);
        };
        if let Some(step) = totp_matching_step(&secret, code, unix_time) {
            // Accept the step only if it is later than the last one accepted, in the same
            // statement that records it; on the same secret, in case it was reset meanwhile.
            let accepted = sqlx::query(
                "update users
                 set mfa_last_step = $1
                 where id = $2
                 and mfa_secret = $3
                 and (mfa_last_step is null or mfa_last_step < $1)",
            )
            .bind(to_i64(step))
            .bind(user_id)
            .bind(&secret)
            .execute(&self.pool)
            .await?;
            return Ok((accepted.rows_affected() == 1).then_some(SecondFactor::Totp));
        }
        let Some(canonical) = recovery::normalize(code) else {
            return Ok(None);
        };
        let used = sqlx::query(
            "update recovery_codes
             set used_at = $1
             where user_id = $2
             and code_hash = $3
             and used_at is null",
        )
        .bind(to_i64(unix_time))
        .bind(user_id)
        .bind(recovery::hash(&canonical))
        .execute(&self.pool)
        .await?;
        if used.rows_affected() != 1 {
            return Ok(None);
        }
        let remaining = self.unused_recovery_codes(user_id).await?;
        Ok(Some(SecondFactor::RecoveryCode { remaining }))
    }

    /// How many unused recovery codes user `user_id` has (0 for an unknown user).
    pub async fn unused_recovery_codes(&self, user_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "select count(*)
             from recovery_codes
             where user_id = $1
             and used_at is null",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// Removes the second factor of `user_name` (who lost their device): secret, pending
    /// enrollment, last step and recovery codes. They log in with their password alone until
    /// they enrol again.
    pub async fn reset_mfa(&self, user_name: &str) -> Result<()> {
        let user = self.user(user_name).await?;
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "update users
             set mfa_secret = null, mfa_pending_secret = null, mfa_last_step = null
             where id = $1",
        )
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("delete from recovery_codes where user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The name and pending secret of user `user_id`.
    async fn pending_secret(&self, user_id: i64) -> Result<PendingRow> {
        let row: Option<PendingRow> = sqlx::query_as(
            "select name, mfa_pending_secret
             from users
             where id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        row.ok_or_else(|| unknown_user_id(user_id))
    }
}
