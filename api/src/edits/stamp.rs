//! What a `stat` says about a file: enough to tell, without reading it, that it has not changed
//! since it was read, except in the "racy" window where that cannot be told (see [`Stamp`]).

use std::fs::Metadata;
use std::time::{Duration, SystemTime};

/// A file whose last change is this close to the moment it was looked at may change again
/// without its stamp changing: file systems keep times at a coarse granularity (a kernel tick
/// on ext4, xfs and overlayfs; up to 2 s on FAT and some network file systems), so a second
/// write of the same size in the same tick leaves size, mtime and ctime as they were. Git calls
/// such index entries "racily clean" and compares their content; so do we.
pub(super) const RACY_WINDOW: Duration = Duration::from_secs(2);

/// The state of a file as `stat` reports it.
///
/// Two stamps are the same when size, mtime and (on Unix) ctime, device and inode agree: a write
/// changes mtime and ctime, a rename over the file (editors, `git checkout`) changes the inode,
/// and `touch -d` to an old mtime still moves ctime, which no user can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    changed: (i64, i64),
    #[cfg(unix)]
    inode: (u64, u64),
    /// The file changed within [`RACY_WINDOW`] of when it was looked at: the stamp proves
    /// nothing, and the content must be compared.
    racy: bool,
}

impl Stamp {
    /// The stamp of a file with `meta`, looked at `now` (taken before the `stat`, so that a
    /// change during the look counts as racy rather than old).
    pub(super) fn of(meta: &Metadata, now: SystemTime) -> Stamp {
        let modified = meta.modified().ok();
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            ((meta.ctime(), meta.ctime_nsec()), (meta.dev(), meta.ino()))
        };
        #[cfg(unix)]
        let latest = modified.map(|m| m.max(unix_time(changed)));
        #[cfg(not(unix))]
        let latest = modified;
        let racy = latest.is_none_or(|latest| is_recent(latest, now));
        Stamp {
            len: meta.len(),
            modified,
            #[cfg(unix)]
            changed,
            #[cfg(unix)]
            inode,
            racy,
        }
    }

    /// A stamp that matches no file: the entry is compared by content on the next look.
    /// Used for files this process has just written.
    pub(super) fn unknown() -> Stamp {
        Stamp {
            len: u64::MAX,
            modified: None,
            #[cfg(unix)]
            changed: (0, 0),
            #[cfg(unix)]
            inode: (0, 0),
            racy: true,
        }
    }

    /// Whether a file now stamped `now` certainly has the content it had when `self` was
    /// taken: same stamp, and `self` was not racy.
    pub(super) fn proves_unchanged(&self, now: &Stamp) -> bool {
        !self.racy
            && self.len == now.len
            && self.modified == now.modified
            && self.same_unix_identity(now)
    }

    #[cfg(unix)]
    fn same_unix_identity(&self, other: &Stamp) -> bool {
        self.changed == other.changed && self.inode == other.inode
    }

    #[cfg(not(unix))]
    fn same_unix_identity(&self, _: &Stamp) -> bool {
        true
    }
}

/// Whether a file time `at` is within [`RACY_WINDOW`] of `now`, or after it (clock skew).
fn is_recent(at: SystemTime, now: SystemTime) -> bool {
    now.duration_since(at).map_or(true, |age| age < RACY_WINDOW)
}

#[cfg(unix)]
fn unix_time((secs, nanos): (i64, i64)) -> SystemTime {
    let nanos = u32::try_from(nanos).unwrap_or(0);
    match u64::try_from(secs) {
        Ok(secs) => SystemTime::UNIX_EPOCH + Duration::new(secs, nanos),
        Err(_) => SystemTime::UNIX_EPOCH,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp_of(path: &std::path::Path, now: SystemTime) -> Stamp {
        Stamp::of(&std::fs::metadata(path).unwrap(), now)
    }

    #[test]
    fn a_file_just_written_is_racy_and_proves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one").unwrap();
        let stamp = stamp_of(&path, SystemTime::now());
        assert!(stamp.racy);
        assert!(!stamp.proves_unchanged(&stamp));
    }

    #[test]
    fn an_old_file_with_the_same_stamp_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one").unwrap();
        // Looked at as if RACY_WINDOW had passed since the write.
        let later = SystemTime::now() + RACY_WINDOW + Duration::from_secs(1);
        let stamp = stamp_of(&path, later);
        assert!(!stamp.racy);
        assert!(stamp.proves_unchanged(&stamp_of(&path, later)));
    }

    #[cfg(unix)]
    #[test]
    fn a_rewrite_or_a_replacement_changes_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one").unwrap();
        let later = SystemTime::now() + RACY_WINDOW + Duration::from_secs(1);
        let before = stamp_of(&path, later);
        std::fs::write(&path, "two, longer").unwrap();
        assert!(!before.proves_unchanged(&stamp_of(&path, later)));
        // Same size, new inode (an editor's save-by-rename).
        let fresh = dir.path().join("b.md");
        std::fs::write(&fresh, "two, LONGER").unwrap();
        let before = stamp_of(&path, later);
        std::fs::rename(&fresh, &path).unwrap();
        assert!(!before.proves_unchanged(&stamp_of(&path, later)));
    }

    #[test]
    fn the_unknown_stamp_matches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "one").unwrap();
        let later = SystemTime::now() + RACY_WINDOW + Duration::from_secs(1);
        assert!(!Stamp::unknown().proves_unchanged(&stamp_of(&path, later)));
    }
}
