//! A short-lived memory of answered session and token lookups, so a page view does not cost a
//! database round trip (with SQLite, one of a handful of pooled connections): reads are most of
//! the traffic, and sessions and tokens change rarely.
//!
//! Entries live [`TTL`] from the database lookup that made them, however often they are used
//! meanwhile (a hit never renews an entry). Changes made through this server (sign-out, session
//! rotation, token revocation) evict at once; changes made elsewhere (`tracebook user
//! passwd|remove`, `token revoke` on the command line, another server on the same database)
//! take effect within the TTL. Only successful lookups are kept: unknown ids always reach the
//! database.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::accounts::{Session, User};

/// How long an answer is reused.
pub(crate) const TTL: Duration = Duration::from_secs(2);
/// More entries than this and the map is cleared (a bound, not an eviction policy: at most one
/// extra database lookup per live session afterwards).
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub(crate) struct AuthCache {
    sessions: Mutex<HashMap<String, (Session, Instant)>>,
    tokens: Mutex<HashMap<String, (User, Instant)>>,
}

impl AuthCache {
    /// The session whose id hashes to `id_hash`, if looked up within the TTL.
    pub(crate) fn session(&self, id_hash: &str) -> Option<Session> {
        fresh(&self.sessions, id_hash)
    }

    pub(crate) fn keep_session(&self, session: &Session) {
        keep(&self.sessions, session.id_hash.clone(), session.clone());
    }

    /// Forgets a session that just ended or was replaced.
    pub(crate) fn forget_session(&self, id_hash: &str) {
        lock(&self.sessions).remove(id_hash);
    }

    /// The user of the token whose secret hashes to `token_hash`, if looked up within the TTL.
    pub(crate) fn token(&self, token_hash: &str) -> Option<User> {
        fresh(&self.tokens, token_hash)
    }

    /// Remembers a database answer (never a cache hit: that would renew the entry forever).
    pub(crate) fn keep_token(&self, token_hash: String, user: &User) {
        keep(&self.tokens, token_hash, user.clone());
    }

    /// Forgets every token (one was revoked; the map is keyed by hashes of secrets we do not
    /// have, so the revoked one cannot be picked out).
    pub(crate) fn forget_tokens(&self) {
        lock(&self.tokens).clear();
    }
}

fn fresh<T: Clone>(map: &Mutex<HashMap<String, (T, Instant)>>, key: &str) -> Option<T> {
    let map = lock(map);
    let (value, at) = map.get(key)?;
    (at.elapsed() < TTL).then(|| value.clone())
}

fn keep<T>(map: &Mutex<HashMap<String, (T, Instant)>>, key: String, value: T) {
    let mut map = lock(map);
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key, (value, Instant::now()));
}

fn lock<T>(map: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every update is a single insert, remove or clear: a panic cannot leave a map half-done.
    map.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
