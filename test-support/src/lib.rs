//! tracebook-test-support: what tracebook's tests build their fixtures from, kept in one place
//! so a fixture means the same thing in every crate's tests.
//!
//! - [`git`]: temporary repositories made with git2 (no test depends on a history it did not
//!   make);
//! - [`project`]: writing project files, and the `tracebook.yaml` texts many tests share;
//! - [`wait_for`]: polling for something that happens on another thread or process.
//!
//! Only ever a dev-dependency (`publish = false`); it depends on no tracebook crate, so any of
//! them can use it without a cycle.

pub mod git;
pub mod project;

use std::time::{Duration, Instant};

/// Polls `check` until it gives a value; panics naming `what` once `timeout` has passed.
#[track_caller]
pub fn wait_for<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
