//! What a `stat` says about a file: enough to tell, without reading it, that it has not changed
//! since it was read, except in the "racy" case where that cannot be told (see [`CheckTime`]).

use std::fs::Metadata;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Without a marker file (below), a file changed this close to the moment it was looked at may
/// change again without its stamp changing: file systems keep times at a coarse granularity (a
/// kernel tick on ext4, xfs and overlayfs; a second on ext3 and HFS+; 2 s on FAT), so a second
/// write of the same size in the same tick leaves size, mtime and ctime as they were.
pub(super) const RACY_WINDOW: Duration = Duration::from_secs(2);

/// When a check started, as the clock that stamps files tells it. A file whose last change is
/// *older* than this was changed in an earlier tick than any write that comes after the check
/// started, so such a write moves its times; a file changed at or after it is "racy" and must
/// be compared by content. This is git's racy-clean rule, with the check's start in place of
/// the index file's mtime.
#[derive(Clone, Copy, Debug)]
pub(super) enum CheckTime {
    /// The file system's own time: the mtime of a marker file written when the check started
    /// (exact for any granularity, and for a network file system's clock skew too).
    FileSystem(SystemTime),
    /// The system clock, when there is no marker: racy within [`RACY_WINDOW`].
    System(SystemTime),
}

impl CheckTime {
    /// The system clock now.
    pub(super) fn system() -> CheckTime {
        CheckTime::System(SystemTime::now())
    }

    fn is_racy(self, latest: SystemTime) -> bool {
        match self {
            CheckTime::FileSystem(start) => latest >= start,
            CheckTime::System(now) => now
                .duration_since(latest)
                .map_or(true, |age| age < RACY_WINDOW),
        }
    }
}

/// Reads the file system's time by writing a marker file: its mtime is the time a write gets
/// now. The marker lives in the git directory (git ignores unknown files there, and it is not
/// part of the work tree, so `git status` stays clean).
pub(super) struct Clock {
    marker: Option<PathBuf>,
}

impl Clock {
    /// A clock writing `marker`, when `marker`'s folder is on the same file system as `root`
    /// (else the times would come from another clock, and the system clock is used).
    pub(super) fn with_marker(marker: PathBuf, root: &Path) -> Clock {
        let same_device = marker
            .parent()
            .is_some_and(|folder| same_device(folder, root));
        Clock {
            marker: same_device.then_some(marker),
        }
    }

    /// A clock that always answers with the system clock.
    #[cfg(test)]
    pub(super) fn system() -> Clock {
        Clock { marker: None }
    }

    /// Now, on the file system's clock when the marker can be written.
    pub(super) fn now(&self) -> CheckTime {
        let file_time = self.marker.as_deref().and_then(|marker| {
            let mut file = std::fs::File::create(marker).ok()?;
            file.write_all(b"tracebook\n").ok()?;
            file.metadata().ok()?.modified().ok()
        });
        file_time.map_or_else(CheckTime::system, CheckTime::FileSystem)
    }
}

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    false
}

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
    /// The file changed at or after the start of the check that looked at it (see
    /// [`CheckTime`]): the stamp proves nothing, and the content must be compared.
    racy: bool,
}

impl Stamp {
    /// The stamp of a file with `meta`, looked at by a check that started at `start` (taken
    /// before the `stat` and the read, so that a change during the check counts as racy).
    pub(super) fn of(meta: &Metadata, start: CheckTime) -> Stamp {
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
        let racy = latest.is_none_or(|latest| start.is_racy(latest));
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
        Stamp::of(&std::fs::metadata(path).unwrap(), CheckTime::System(now))
    }

    #[test]
    fn with_a_marker_only_files_changed_since_the_check_started_are_racy() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::with_marker(dir.path().join("clock"), dir.path());
        let old = dir.path().join("old.md");
        std::fs::write(&old, "one").unwrap();
        // Past the file system's timestamp tick.
        std::thread::sleep(Duration::from_millis(30));
        let start = clock.now();
        assert!(matches!(start, CheckTime::FileSystem(_)), "{start:?}");
        let new = dir.path().join("new.md");
        std::fs::write(&new, "two").unwrap();
        let meta = |p: &Path| std::fs::metadata(p).unwrap();
        assert!(!Stamp::of(&meta(&old), start).racy);
        assert!(Stamp::of(&meta(&new), start).racy);
    }

    #[test]
    fn without_a_writable_marker_the_system_clock_is_used() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Clock::with_marker(dir.path().join("missing/clock"), dir.path());
        assert!(matches!(clock.now(), CheckTime::System(_)));
        assert!(matches!(Clock::system().now(), CheckTime::System(_)));
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
