//! Writing a file so that readers see the old bytes or the new ones, never a part, and a crash
//! leaves one or the other: the bytes go to a new temporary file beside the target (the same
//! folder, so the same file system), are flushed to disk, and the temporary file then takes
//! the target's place in one step. Every command and server that replaces a file writes it
//! this way (edits, review stamps, exports, build state, caches, worker status).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Temporary files get distinct names even when two writes race in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path`, creating it or replacing it atomically (temporary file, fsync,
/// rename). A replaced file keeps its permissions; when `path` is a symlink, the file it
/// points to is replaced and the link stays a link. The folder must exist.
///
/// # Errors
/// The temporary file cannot be created or written, or the rename fails; the temporary file
/// is removed again.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let path = through_symlink(path)?;
    let permissions = fs::metadata(&path).ok().map(|m| m.permissions());
    let temp = write_temp(&path, bytes, permissions)?;
    fs::rename(&temp, &path).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

/// Creates `path` with `bytes` atomically (temporary file, fsync, hard link): readers never see
/// it half-written, and it fails with [`io::ErrorKind::AlreadyExists`] when `path` exists (a
/// hard link does not replace its target, unlike a rename).
///
/// # Errors
/// As [`write_atomically`], and `AlreadyExists`.
pub fn create_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(path, bytes, None)?;
    let linked = fs::hard_link(&temp, path);
    let _ = fs::remove_file(&temp);
    linked
}

/// The file a symlink at `path` leads to, or `path` itself.
fn through_symlink(path: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path),
        _ => Ok(path.to_path_buf()),
    }
}

/// Writes `bytes` to a new temporary file beside `path`, flushed to disk, with `permissions`.
fn write_temp(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> io::Result<PathBuf> {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.tracebook-{}-{n}.tmp", std::process::id()));
    let write = || -> io::Result<()> {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        if let Some(permissions) = permissions {
            fs::set_permissions(&temp, permissions)?;
        }
        Ok(())
    };
    match write() {
        Ok(()) => Ok(temp),
        Err(err) => {
            // Only a failed create leaves nothing to remove; either way `err` is what matters.
            let _ = fs::remove_file(&temp);
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_a_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        write_atomically(&path, b"one").expect("create");
        write_atomically(&path, b"two, longer").expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"two, longer");
        assert_eq!(names(dir.path()), ["state.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_replaced_file_keeps_its_permissions_and_a_symlink_stays_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("item.md");
        fs::write(&target, "old").expect("write");
        fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).expect("chmod");
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        write_atomically(&link, b"new").expect("write through the link");
        assert!(
            fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&target).expect("read"), "new");
        let mode = fs::metadata(&target).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(names(dir.path()), ["item.md", "link.md"]);
    }

    #[test]
    fn create_refuses_an_existing_file_and_keeps_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("new.md");
        create_atomically(&path, b"first").expect("create");
        let err = create_atomically(&path, b"second").expect_err("exists");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).expect("read"), b"first");
        assert_eq!(names(dir.path()), ["new.md"]);
    }

    #[test]
    fn a_failed_write_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("out");
        // A folder in the target's place: the rename over it fails after the write.
        fs::create_dir(&path).expect("mkdir");
        fs::write(path.join("keep"), "kept").expect("write");
        assert!(write_atomically(&path, b"bytes").is_err());
        assert_eq!(names(dir.path()), ["out"]);
        assert_eq!(names(&path), ["keep"]);
    }
}
