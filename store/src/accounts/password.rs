//! Password hashing with argon2id (the argon2 crate's defaults: 19 MiB, 2 passes, 1 lane) as
//! PHC strings. Hashing is CPU work of tens of milliseconds, so the async functions run it on
//! the blocking pool.

use std::sync::LazyLock;

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

use super::{Error, Result};

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_LEN: usize = 12;

/// A hash of a random password with the same parameters as real ones: checking an unknown
/// user's password against it costs as much as checking a real one, so response times do not
/// tell which names exist. Computed once, on first use; written once, never mutated.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| {
    let mut password = [0u8; 32];
    getrandom::fill(&mut password).ok()?;
    hash_now(&password).ok()
});

/// Checks the length rule (in characters, not bytes).
pub(crate) fn validate(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::ShortPassword);
    }
    Ok(())
}

/// Hashes `password` (after the length rule) with a fresh random salt.
pub(crate) async fn hash(password: &str) -> Result<String> {
    validate(password)?;
    let password = password.to_owned();
    blocking(move || hash_now(password.as_bytes())).await
}

/// Whether `password` matches the PHC string `stored`; with `None`, checks against the dummy
/// hash (same cost) and answers false. The comparison is the crate's constant-time one.
pub(crate) async fn verify(password: &str, stored: Option<String>) -> Result<bool> {
    let password = password.to_owned();
    blocking(move || {
        let is_real = stored.is_some();
        let Some(phc) = stored.or_else(|| DUMMY_HASH.clone()) else {
            return Err(Error::Hash(
                "no random source for the dummy hash".to_owned(),
            ));
        };
        let parsed = PasswordHash::new(&phc).map_err(|e| Error::Hash(e.to_string()))?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(is_real && matches)
    })
    .await
}

fn hash_now(password: &[u8]) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| Error::Hash(format!("random salt: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password, &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Hash(e.to_string()))
}

/// Runs CPU-bound work on tokio's blocking pool; a panic becomes an error.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| Error::Hash(format!("hashing thread failed: {join}")))?
}
