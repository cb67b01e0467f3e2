//! The read cache: the last [`Snapshot`] of the project, reused while it is known to hold what
//! is on disk, so that a read does not read and parse every file.
//!
//! # Validity rule
//!
//! A snapshot is a copy of the *work tree* (the files a build would read), not of a commit, so
//! it is keyed by the files themselves: every file it holds carries the [`Stamp`] (size, mtime,
//! ctime, device, inode) it had when read. A *check* lists `tracebook.yaml`, `content/**` and
//! `baselines/*` again and `stat`s each file (about 1 ms for 290 files); a file whose stamp is
//! unchanged and was not racy is unchanged; any other file is read and compared byte for byte.
//! Racy means changed at or after the start of the check that recorded the stamp, on the file
//! system's own clock (read from a marker file in `.git`; git's racy-clean rule), so a second
//! write in the same timestamp tick cannot hide (see `stamp.rs`). Only changed files are
//! re-parsed, and the project is re-assembled only when a file changed, appeared or went away.
//! What moves the files is seen whoever does it: our own writes, an editor saving a file in the
//! work tree, `git pull`, `checkout` or `reset`. A branch head that moves while the files stay
//! (a commit of already-saved files) changes nothing a snapshot holds, so the head commit id is
//! not part of the key: a write commits on top of the new head, one whose file differs from the
//! head is refused (`ensure_clean`), and one racing another committer fails (libgit2 refuses to
//! move a ref that moved meanwhile).
//!
//! - **Reads of one item** use the snapshot when its last full check started at most
//!   [`READ_MAX_AGE`] ago *and* a check of the item's own file and `tracebook.yaml`, done on
//!   every read (two `stat`s), passes. So an item's view and ETag are never older than its
//!   file; a change elsewhere in the project (which can change only cross-item results, such as
//!   a duplicate id) shows within `READ_MAX_AGE`.
//! - **Listings and misses** use the snapshot when its last full check started at most
//!   `READ_MAX_AGE` ago.
//! - **Writes** run a full check under the edit lock and hold the load lock until they install
//!   the snapshot they validated (so a concurrent read's check cannot install an older one).
//!   They never trust the cache for the ETag: the target file's bytes are read again from disk,
//!   the ETag is compared against them, and the edit is applied to them.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::error::EditError;
use super::snapshot::Snapshot;
use super::stamp::Clock;

/// How stale a read may be about files other than the one it reads.
pub(super) const READ_MAX_AGE: Duration = Duration::from_millis(250);

/// The last snapshot of the project at `root`.
pub(super) struct Cache {
    root: PathBuf,
    /// Tells when each check starts, on the file system's clock when it can.
    clock: Clock,
    current: Mutex<Option<Checked>>,
    /// One load at a time: concurrent readers that find the snapshot too old wait for one load
    /// rather than each reading the project. Writes hold it from their check to their install.
    loading: Mutex<()>,
}

/// A snapshot and when the check that verified it started.
#[derive(Clone)]
pub(super) struct Checked {
    /// The project as the check found it.
    pub(super) snapshot: Arc<Snapshot>,
    /// When that check started: changes after this instant may be missing.
    pub(super) at: Instant,
}

impl Cache {
    /// An empty cache: the first use loads the project.
    pub(super) fn new(root: PathBuf, clock: Clock) -> Cache {
        Cache {
            root,
            clock,
            current: Mutex::new(None),
            loading: Mutex::new(()),
        }
    }

    /// A snapshot whose files were all checked by a check that started at or after `since`
    /// (`None`: any snapshot will do).
    pub(super) fn checked_since(&self, since: Option<Instant>) -> Result<Checked, EditError> {
        match self.peek() {
            Some(checked) if is_recent(&checked, since) => Ok(checked),
            _ => self.lock().checked_since(since),
        }
    }

    /// The snapshot to answer a read of item `id` from (see the validity rule above).
    pub(super) fn for_item(&self, id: &str) -> Result<Arc<Snapshot>, EditError> {
        let checked = self.checked_since(ago(READ_MAX_AGE))?;
        let file = checked
            .snapshot
            .project()
            .item(id)
            .map(|item| Arc::clone(&item.source.file));
        match file {
            Some(file) if !checked.snapshot.is_current(&self.root, &file) => {
                Ok(self.checked_since(Some(Instant::now()))?.snapshot)
            }
            _ => Ok(checked.snapshot),
        }
    }

    /// Takes the load lock (see [`Loader`]).
    pub(super) fn lock(&self) -> Loader<'_> {
        Loader {
            cache: self,
            _guard: self.loading.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    fn peek(&self) -> Option<Checked> {
        // The guarded value is an `Option<Arc>` swapped whole: a panic cannot leave it half
        // written, so a poisoned lock is safe to use.
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.clone()
    }
}

/// Holds the load lock: checks and installs snapshots while no other load runs.
pub(super) struct Loader<'a> {
    cache: &'a Cache,
    _guard: MutexGuard<'a, ()>,
}

impl Loader<'_> {
    /// Like [`Cache::checked_since`]; a snapshot installed by a load that finished while this
    /// one waited for the lock is reused when recent enough.
    pub(super) fn checked_since(&self, since: Option<Instant>) -> Result<Checked, EditError> {
        let previous = self.cache.peek();
        if let Some(checked) = &previous
            && is_recent(checked, since)
        {
            return Ok(checked.clone());
        }
        let at = Instant::now();
        let start = self.cache.clock.now();
        let previous = previous.map(|checked| checked.snapshot);
        let snapshot = Snapshot::load(&self.cache.root, previous.as_deref(), start)?;
        let checked = Checked {
            snapshot: Arc::new(snapshot),
            at,
        };
        self.install(checked.clone());
        Ok(checked)
    }

    /// Makes `checked` the cache's snapshot.
    pub(super) fn install(&self, checked: Checked) {
        let mut current = self
            .cache
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *current = Some(checked);
    }
}

fn is_recent(checked: &Checked, since: Option<Instant>) -> bool {
    since.is_none_or(|since| checked.at >= since)
}

/// The instant `age` ago (`None` when the clock does not reach back that far: anything goes).
pub(super) fn ago(age: Duration) -> Option<Instant> {
    Instant::now().checked_sub(age)
}

#[cfg(test)]
mod tests;
