//! Atomic publishing: the site is rendered into the spare folder beside the live one (see
//! [`crate::SiteBuilder`]), then the two are swapped.
//!
//! Readers see either the old site or the new one, never a mix: on Linux the swap is one
//! `renameat2(RENAME_EXCHANGE)`; elsewhere three renames leave a moment with no folder, but
//! never a half-written one.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The stamp of the site now at `out`: it changes with every publish (the folder's inode does
/// not: builds swap the live folder with a spare, so every second publish brings the same inode
/// back). Every process publishing into the folder writes it, so a server sharing the folder
/// with others (replicas on one volume) notices their publishes too. `None` when nothing was
/// published by this version of tracebook.
pub fn publication_stamp(out: &Path) -> Option<String> {
    std::fs::read_to_string(sibling(out, "published")).ok()
}

/// Writes a new [`publication_stamp`], after the swap: a reader that sees the new stamp sees the
/// new site (one that reads the old stamp with new files only caches them until it sees the new
/// stamp). Unique across processes and hosts sharing the folder: time, process id, counter.
pub(crate) fn stamp_publication(out: &Path) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let stamp = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let path = sibling(out, "published");
    crate::write_atomically(&path, stamp.as_bytes()).map_err(Error::io("writing", &path))
}

/// Makes `spare` the live site `out` and leaves the previous site in `spare` (or no `spare` when
/// there was no site yet). Returns whether `spare` now holds the previous site.
pub(crate) fn swap_keeping_previous(spare: &Path, out: &Path) -> Result<bool> {
    if !out.exists() {
        std::fs::rename(spare, out).map_err(Error::io("publishing", out))?;
        return Ok(false);
    }
    if exchange(spare, out).is_ok() {
        return Ok(true);
    }
    // No atomic exchange here: a moment with no folder, never a half-written one.
    let old = sibling(out, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(Error::io("removing", &old))?;
    }
    std::fs::rename(out, &old).map_err(Error::io("publishing", out))?;
    std::fs::rename(spare, out).map_err(Error::io("publishing", out))?;
    std::fs::rename(&old, spare).map_err(Error::io("publishing", spare))?;
    Ok(true)
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// `.NAME.<what>` beside `out`: same file system, so renames are cheap and atomic.
pub(crate) fn sibling(out: &Path, what: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_publish_has_a_new_stamp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let mut stamps = Vec::new();
        for _ in 0..3 {
            stamp_publication(&out).expect("stamp");
            stamps.push(publication_stamp(&out).expect("a stamp"));
        }
        stamps.dedup();
        assert_eq!(stamps.len(), 3, "{stamps:?}");
    }
}
