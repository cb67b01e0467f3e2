//! First run: with no users there is no default password. At start-up the server makes a
//! one-time secret and prints a setup link with it; whoever opens the link creates the first
//! admin, and the secret is gone (also after a restart: it lives only in memory).

use std::sync::Mutex;

use subtle::ConstantTimeEq;

use crate::accounts::{Error, Result};

/// The setup secret, while no admin has been created through it.
#[derive(Default)]
pub struct SetupToken(Mutex<Option<String>>);

impl SetupToken {
    /// A new secret (32 random bytes, hex) to print in the setup link.
    pub fn issue(&self) -> Result<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Hash(format!("random bytes: {e}")))?;
        let secret: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
        *self.lock() = Some(secret.clone());
        Ok(secret)
    }

    /// Whether `presented` is the current secret (constant time).
    pub(crate) fn is_valid(&self, presented: &str) -> bool {
        self.lock()
            .as_deref()
            .is_some_and(|secret| bool::from(secret.as_bytes().ct_eq(presented.as_bytes())))
    }

    /// Uses the secret up when `presented` is it; true once.
    pub(crate) fn consume(&self, presented: &str) -> bool {
        let mut guard = self.lock();
        let valid = guard
            .as_deref()
            .is_some_and(|secret| bool::from(secret.as_bytes().ct_eq(presented.as_bytes())));
        if valid {
            *guard = None;
        }
        valid
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A panic while holding this lock cannot leave the Option half-written.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SetupToken {
    /// Puts `secret` back after a setup attempt that consumed it but failed (a short
    /// password, say), so the printed link keeps working.
    pub(crate) fn restore(&self, secret: &str) {
        let mut guard = self.lock();
        if guard.is_none() {
            *guard = Some(secret.to_owned());
        }
    }
}
