//! An edit writes its item file, then commits it. A crash between the two used to leave the file
//! changed with HEAD unchanged: the API read the uncommitted text, the site showed HEAD, and
//! every later edit of the item answered 409 (uncommitted changes) until someone ran `git
//! checkout`. So each edit leaves a marker in the git directory for that span (the file and the
//! SHA-256 of the bytes written), and opening an editor finishes what a crash left: the file is
//! restored to its committed version (removed when HEAD has none).
//!
//! Restored, not committed: nobody was told that the edit succeeded (the answer comes after
//! the commit), so nothing confirmed is lost, and nothing is committed in someone's name that
//! they cannot have checked. A file that no longer holds the marked bytes was changed by
//! someone since: that work is theirs, and it is left alone.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::EditError;
use crate::git::Target;
use crate::paths;

/// The marker's name in the git directory.
const MARKER: &str = "tracebook-edit-in-progress";

/// The marker of one edit in progress; [`Marker::clear`] removes it once the edit is committed
/// or undone.
pub(super) struct Marker {
    path: PathBuf,
}

impl Marker {
    /// Marks that project file `rel` is about to hold `bytes` without a commit yet.
    pub(super) fn set(target: &Target, rel: &str, bytes: &[u8]) -> Result<Marker, EditError> {
        let path = target.git_dir.join(MARKER);
        let text = format!("file {rel}\nsha256 {}\n", sha256_hex(bytes));
        std::fs::write(&path, text).map_err(EditError::io("writing", &path))?;
        Ok(Marker { path })
    }

    /// The edit is committed, or undone: nothing to recover.
    pub(super) fn clear(self) {
        if let Err(err) = std::fs::remove_file(&self.path) {
            // Harmless: recovery finds the file equal to HEAD (or not holding the marked bytes).
            tracing::warn!(%err, marker = %self.path.display(), "removing the edit marker");
        }
    }
}

/// Undoes an edit a crash cut short between writing its file and committing it (see the module
/// documentation); logs what it did.
pub(super) fn recover(root: &Path, target: &Target) -> Result<(), EditError> {
    let marker = target.git_dir.join(MARKER);
    let text = match std::fs::read_to_string(&marker) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(err) => return Err(EditError::io("reading", &marker)(err)),
    };
    let field = |key: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(' '))
            .map(str::to_owned)
    };
    if let (Some(rel), Some(written)) = (field("file"), field("sha256")) {
        undo(root, target, &rel, &written)?;
    } else {
        tracing::warn!(marker = %marker.display(), "an unreadable edit marker was removed");
    }
    std::fs::remove_file(&marker).map_err(EditError::io("removing", &marker))
}

fn undo(root: &Path, target: &Target, rel: &str, written: &str) -> Result<(), EditError> {
    // The marker names a file under `content/` or nothing is touched.
    let path = paths::content_file(root, rel)?;
    let now = match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => return Err(EditError::io("reading", &path)(err)),
    };
    if now.as_deref().map(sha256_hex).as_deref() != Some(written) {
        tracing::warn!(
            file = rel,
            "an edit was cut short, but the file has changed since: left as it is"
        );
        return Ok(());
    }
    let repo = target.repo()?;
    match target.committed(&repo, rel)? {
        Some(committed) if now.as_deref() == Some(committed.as_slice()) => {}
        Some(committed) => {
            paths::replace_file(&path, &committed)?;
            tracing::warn!(
                file = rel,
                "an edit was cut short by a crash before its commit: the file is restored to \
                 the committed version (the edit was never confirmed)"
            );
        }
        None => {
            std::fs::remove_file(&path).map_err(EditError::io("removing", &path))?;
            tracing::warn!(
                file = rel,
                "an item creation was cut short by a crash before its commit: the new file is \
                 removed (the creation was never confirmed)"
            );
        }
    }
    Ok(())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
