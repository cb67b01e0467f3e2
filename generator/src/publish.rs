//! Atomic publishing: render into a sibling staging folder, then swap it with the live one.
//!
//! Readers see either the old site or the new one, never a mix: on Linux the swap is one
//! `renameat2(RENAME_EXCHANGE)`; elsewhere two renames leave a moment with no folder, but never
//! a half-written one. A failed render removes the staging folder and leaves `out` untouched.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Renders with `render` into a staging folder next to `out`, then publishes it as `out`.
pub fn publish<T>(out: &Path, render: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let staging = sibling(out, "staging");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(Error::io("removing", &staging))?;
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(Error::io("creating", parent))?;
    }
    std::fs::create_dir(&staging).map_err(Error::io("creating", &staging))?;
    let result = match render(&staging) {
        Ok(value) => value,
        Err(err) => {
            // Best effort: the error that matters is the render's.
            let _ = std::fs::remove_dir_all(&staging);
            return Err(err);
        }
    };
    swap_into_place(&staging, out)?;
    stamp_publication(out)?;
    Ok(result)
}

/// The stamp of the site now at `out`: it changes with every publish (the folder's inode does
/// not: builds swap the live folder with a spare, so every second publish brings the same inode
/// back). `None` when nothing was published by this version of tracebook.
pub fn publication_stamp(out: &Path) -> Option<String> {
    std::fs::read_to_string(sibling(out, "published")).ok()
}

/// Writes a new [`publication_stamp`], after the swap: a reader that sees the new stamp sees the
/// new site (one that reads the old stamp with new files only caches them until it sees the new
/// stamp).
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
    let temp = sibling(out, "published.tmp");
    std::fs::write(&temp, stamp).map_err(Error::io("writing", &temp))?;
    std::fs::rename(&temp, &path).map_err(Error::io("writing", &path))
}

fn swap_into_place(staging: &Path, out: &Path) -> Result<()> {
    if !out.exists() {
        return std::fs::rename(staging, out).map_err(Error::io("publishing", out));
    }
    if exchange(staging, out).is_ok() {
        // `staging` now holds the previous site.
        return std::fs::remove_dir_all(staging).map_err(Error::io("removing", staging));
    }
    let old = sibling(out, "old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(Error::io("removing", &old))?;
    }
    std::fs::rename(out, &old).map_err(Error::io("publishing", out))?;
    std::fs::rename(staging, out).map_err(Error::io("publishing", out))?;
    std::fs::remove_dir_all(&old).map_err(Error::io("removing", &old))
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
    fn failed_render_leaves_old_site_and_no_staging() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        std::fs::create_dir(&out).expect("mkdir");
        std::fs::write(out.join("index.html"), "old").expect("write");
        let result: Result<()> = publish(&out, |staging| {
            std::fs::write(staging.join("index.html"), "half").expect("write");
            Err(Error::ContentErrors(1))
        });
        assert!(result.is_err());
        assert_eq!(
            std::fs::read_to_string(out.join("index.html")).expect("read"),
            "old"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
    }

    #[test]
    fn successful_render_replaces_site() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        for text in ["one", "two"] {
            publish(&out, |staging| {
                std::fs::write(staging.join("index.html"), text)
                    .map_err(Error::io("writing", staging))
            })
            .expect("publish");
            assert_eq!(
                std::fs::read_to_string(out.join("index.html")).expect("read"),
                text
            );
        }
        // The site and its publication stamp.
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 2);
    }

    #[test]
    fn every_publish_has_a_new_stamp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("public");
        let mut stamps = Vec::new();
        for _ in 0..3 {
            publish(&out, |_| Ok(())).expect("publish");
            stamps.push(publication_stamp(&out).expect("a stamp"));
        }
        stamps.dedup();
        assert_eq!(stamps.len(), 3, "{stamps:?}");
    }
}
