//! Turning a project-relative path into a file to write, never outside `ROOT/content`, and
//! writing it atomically.

use std::path::{Component, Path, PathBuf};

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

/// Replaces `path` with `bytes` atomically (temporary file + rename).
pub(super) fn replace_file(path: &Path, bytes: &[u8]) -> Result<(), EditError> {
    tracebook_generator::write_atomically(path, bytes).map_err(EditError::io("replacing", path))
}

/// Creates `path` with `bytes` atomically, failing when it already exists (a hard link does
/// not replace its target, unlike a rename).
pub(super) fn create_file(path: &Path, bytes: &[u8]) -> Result<(), EditError> {
    match tracebook_generator::create_atomically(path, bytes) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Err(EditError::Conflict(
            format!("{} already exists", path.display()),
        )),
        Err(err) => Err(EditError::io("creating", path)(err)),
    }
}
