//! Turning a project-relative path into a file to write, never outside `ROOT/content`, and
//! writing it atomically.

use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::EditError;

/// The file at `rel` (relative to `root`, `/`-separated) when it is inside `root/content`
/// once every symlink is resolved: `..`, absolute paths and links that lead out are refused.
/// The file itself need not exist yet, but its folder must.
pub(super) fn content_file(root: &Path, rel: &str) -> Result<PathBuf, EditError> {
    let outside = || EditError::BadRequest(format!("`{rel}` is not a file under content/"));
    let relative = Path::new(rel);
    let plain = relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)));
    if !plain || !rel.starts_with("content/") {
        return Err(outside());
    }
    let content = canonical(&root.join("content"))?;
    if !content.starts_with(canonical(root)?) {
        return Err(outside());
    }
    let path = root.join(relative);
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(outside());
    };
    let file = canonical(parent)?.join(name);
    if !file.starts_with(&content) {
        return Err(outside());
    }
    // A symlink at the file itself would be followed by the write.
    if std::fs::symlink_metadata(&file).is_ok_and(|m| !m.is_file()) {
        return Err(outside());
    }
    Ok(file)
}

fn canonical(path: &Path) -> Result<PathBuf, EditError> {
    path.canonicalize()
        .map_err(EditError::io("resolving", path))
}

/// Temporary files get distinct names even when two writes race in one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to a new temporary file beside `path`; the caller renames or links it.
fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf, EditError> {
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = path.with_file_name(format!(".{name}.tracebook-{}-{n}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()
    };
    if let Err(err) = write() {
        let _ = std::fs::remove_file(&temp);
        return Err(EditError::io("writing", &temp)(err));
    }
    Ok(temp)
}

/// Replaces `path` with `bytes` atomically (temporary file + rename).
pub(super) fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), EditError> {
    let temp = write_temp(path, bytes)?;
    std::fs::rename(&temp, path).map_err(|err| {
        let _ = std::fs::remove_file(&temp);
        EditError::io("replacing", path)(err)
    })
}

/// Creates `path` with `bytes` atomically, failing when it already exists (a hard link does
/// not replace its target, unlike a rename).
pub(super) fn create_file(path: &Path, bytes: &[u8]) -> Result<(), EditError> {
    let temp = write_temp(path, bytes)?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(EditError::Conflict(
            format!("{} already exists", path.display()),
        )),
        Err(err) => Err(EditError::io("creating", path)(err)),
    }
}
